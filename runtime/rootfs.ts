/**
 * Builds the container's root: the overlay mount, the switch into it with pivot_root, and the
 * mount plan carried out inside it. Runs on the init stage's main thread, inside the new mount
 * namespace.
 *
 * @module
 */

import type { ContainerSpec } from "./container_spec.ts";
import { Errno } from "./errno.ts";
import {
  chdir,
  chroot,
  mknod,
  MNT_DETACH,
  mount,
  MountFlag,
  moveMount,
  pivotRoot,
  SyscallError,
  umount2,
} from "./libc.ts";
import type { MountStep } from "./mount_plan.ts";

/** Stops mount events from propagating between the container and the host. */
export function makeMountsPrivate(): void {
  mount(null, "/", null, MountFlag.REC | MountFlag.PRIVATE);
}

/** Mounts the spec's overlay (image layers below, the container's layer on top). */
export function mountOverlay(rootfs: ContainerSpec["rootfs"]): void {
  const escape = (path: string) => path.replaceAll("\\", "\\\\").replaceAll(",", "\\,");
  const options = [
    `lowerdir=${rootfs.lowerDirs.map(escape).join(":")}`,
    `upperdir=${escape(rootfs.upperDir)}`,
    `workdir=${escape(rootfs.workDir)}`,
  ].join(",");
  mount("overlay", rootfs.mountPoint, "overlay", 0, options);
}

/**
 * Makes `newRoot` the root of the calling thread's mount namespace with pivot_root and detaches
 * the old root. Falls back to chroot where pivot_root is impossible (a root on initramfs).
 */
export function switchRoot(newRoot: string): void {
  chdir(newRoot);
  try {
    pivotRoot(".", ".");
  } catch (error) {
    if (!(error instanceof SyscallError && error.errno === Errno.EINVAL)) throw error;
    chroot(".");
    chdir("/");
    return;
  }
  umount2(".", MNT_DETACH);
  chdir("/");
}

function ensureDirectory(path: string): void {
  Deno.mkdirSync(path, { recursive: true });
}

function pathKind(path: string): "file" | "directory" | "missing" {
  try {
    return Deno.statSync(path).isDirectory ? "directory" : "file";
  } catch {
    return "missing";
  }
}

function applyStep(step: MountStep): void {
  switch (step.op) {
    case "mount":
      ensureDirectory(step.target);
      mount(step.source, step.target, step.fstype, step.flags, step.data ?? null);
      return;
    case "mknod":
      mknod(step.path, "c", step.mode, step.major, step.minor);
      Deno.chmodSync(step.path, step.mode);
      return;
    case "symlink":
      Deno.symlinkSync(step.target, step.path);
      return;
    case "mask":
      switch (pathKind(step.path)) {
        case "directory":
          mount("tmpfs", step.path, "tmpfs", MountFlag.RDONLY);
          return;
        case "file":
          mount("/dev/null", step.path, null, MountFlag.BIND);
          return;
        case "missing":
          return;
      }
      return;
    case "readonly": {
      if (pathKind(step.path) === "missing") return;
      const { BIND, REC, REMOUNT, RDONLY, NOSUID, NODEV, NOEXEC } = MountFlag;
      mount(step.path, step.path, null, BIND | REC);
      mount(null, step.path, null, BIND | REMOUNT | RDONLY | NOSUID | NODEV | NOEXEC);
      return;
    }
  }
}

/** Carries out a mount plan inside the new root, in order. */
export function applyMountPlan(steps: readonly MountStep[]): void {
  for (const step of steps) applyStep(step);
}

/**
 * Attaches the detached mount `treeFd` (a host file cloned with openTreeClone) read-only at
 * `path` in the container, creating an empty file there (and its parent directories) first.
 */
export function attachHostFile(treeFd: number, path: string): void {
  ensureDirectory(path.slice(0, path.lastIndexOf("/")) || "/");
  Deno.writeFileSync(path, new Uint8Array(), { mode: 0o755 });
  moveMount(treeFd, path);
  const { BIND, REMOUNT, RDONLY } = MountFlag;
  mount(null, path, null, BIND | REMOUNT | RDONLY);
}
