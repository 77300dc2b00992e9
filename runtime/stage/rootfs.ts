/**
 * Builds the container's root: the overlay mount, the switch into it with pivot_root, and the
 * mount plan carried out inside it. Runs on the init stage's main thread, inside the new mount
 * namespace.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { Errno } from "../../sys/errno.ts";
import { ExitCodeError } from "../../sys/exit_codes.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { MNT_DETACH, MountFlag } from "../../sys/mount.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import type { MountStep } from "../spec/mount_plan.ts";

/** Stops mount events from propagating between the container and the host. */
export function makeMountsPrivate(sys: Sys = realSys): void {
  sys.mount(null, "/", null, MountFlag.REC | MountFlag.PRIVATE, null);
}

/** The most mount(2) passes to a file system: one page, its terminating NUL included. */
const MOUNT_DATA_MAX = 4095;

/**
 * Mounts the spec's overlay (image layers below, the container's layer on top). When the layer
 * paths do not fit in one page of mount data (an image of a hundred layers), each layer gets a
 * short numbered link in a `lower/` directory beside the upper layer, and the overlay is mounted
 * from inside it with the links' relative names, as Docker's overlay2 driver does with its `l/`.
 */
export function mountOverlay(rootfs: ContainerSpec["rootfs"], sys: Sys = realSys): void {
  const escape = (path: string) => path.replaceAll("\\", "\\\\").replaceAll(",", "\\,");
  const options = (lowerDirs: readonly string[]) =>
    [
      `lowerdir=${lowerDirs.map(escape).join(":")}`,
      `upperdir=${escape(rootfs.upperDir)}`,
      `workdir=${escape(rootfs.workDir)}`,
    ].join(",");
  const classic = options(rootfs.lowerDirs);
  if (classic.length <= MOUNT_DATA_MAX) {
    sys.mount("overlay", rootfs.mountPoint, "overlay", 0, classic);
    return;
  }
  const links = `${parentOf(rootfs.upperDir)}/lower`;
  sys.mkdir(links);
  const names = rootfs.lowerDirs.map((dir, index) => {
    sys.symlink(dir, `${links}/${index}`);
    return String(index);
  });
  sys.chdir(links);
  sys.mount("overlay", rootfs.mountPoint, "overlay", 0, options(names));
}

/** Binds directory `source` (recursively) at `mountPoint`, to become the root as it is. */
export function bindRoot(source: string, mountPoint: string, sys: Sys = realSys): void {
  sys.mount(source, mountPoint, null, MountFlag.BIND | MountFlag.REC, null);
}

/**
 * Makes `newRoot` the root of the calling thread's mount namespace with pivot_root and detaches
 * the old root, so that nothing of the host's tree is left in the namespace. With `noPivot`
 * (`--no-pivot`, for a host whose root pivot_root cannot leave, such as an initramfs) the root is
 * moved over `/` and chroot'ed into instead, as runc's `--no-pivot` does: the host's root stays
 * mounted beneath it, so a process holding CAP_SYS_CHROOT can escape. Never done silently.
 *
 * @throws {ExitCodeError} (125) when pivot_root refuses the root (EINVAL), naming `--no-pivot`.
 */
export function switchRoot(newRoot: string, noPivot: boolean, sys: Sys = realSys): void {
  sys.chdir(newRoot);
  if (noPivot) {
    sys.mount(newRoot, "/", null, MountFlag.MOVE, null);
    sys.chroot(".");
    sys.chdir("/");
    return;
  }
  try {
    sys.pivotRoot(".", ".");
  } catch (error) {
    if (!(error instanceof SyscallError && error.errno === Errno.EINVAL)) throw error;
    throw new ExitCodeError(
      `Cannot pivot_root into "${newRoot}": EINVAL (the host's root cannot be left: an ` +
        "initramfs, or a chroot below a shared mount); --no-pivot switches with chroot " +
        "instead, which a container holding CAP_SYS_CHROOT can escape",
      undefined,
      { cause: error },
    );
  }
  sys.umount2(".", MNT_DETACH);
  sys.chdir("/");
}

/** The directory that holds the absolute path `path` (`/` for a path right below the root). */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function pathKind(path: string, sys: Sys): "file" | "directory" | "missing" {
  const status = sys.statIfPresent(path);
  return status === undefined ? "missing" : status.isDirectory ? "directory" : "file";
}

function applyStep(step: MountStep, sys: Sys): void {
  switch (step.op) {
    case "mount":
      sys.mkdir(step.target);
      sys.mount(step.source, step.target, step.fstype, step.flags, step.data ?? null);
      return;
    case "mknod":
      sys.mkdir(parentOf(step.path));
      sys.mknod(step.path, step.type, step.mode, step.major, step.minor);
      sys.chmod(step.path, step.mode);
      if (step.uid !== 0 || step.gid !== 0) sys.chown(step.path, step.uid, step.gid);
      return;
    case "symlink":
      sys.symlink(step.target, step.path);
      return;
    case "mask":
      switch (pathKind(step.path, sys)) {
        case "directory":
          sys.mount("tmpfs", step.path, "tmpfs", MountFlag.RDONLY, null);
          return;
        case "file":
          sys.mount("/dev/null", step.path, null, MountFlag.BIND, null);
          return;
        case "missing":
          return;
      }
      return;
    case "readonly": {
      if (pathKind(step.path, sys) === "missing") return;
      const { BIND, REC, REMOUNT, RDONLY, NOSUID, NODEV, NOEXEC } = MountFlag;
      sys.mount(step.path, step.path, null, BIND | REC, null);
      sys.mount(null, step.path, null, BIND | REMOUNT | RDONLY | NOSUID | NODEV | NOEXEC, null);
      return;
    }
  }
}

/** Carries out a mount plan inside the new root, in order. */
export function applyMountPlan(steps: readonly MountStep[], sys: Sys = realSys): void {
  for (const step of steps) applyStep(step, sys);
}

/**
 * Attaches the detached mount `treeFd` (a host file cloned with openTreeClone) read-only at
 * `path` in the container, creating an empty file there (and its parent directories) first.
 */
export function attachHostFile(treeFd: number, path: string, sys: Sys = realSys): void {
  sys.mkdir(parentOf(path));
  sys.writeFile(path, "", 0o755);
  sys.moveMount(treeFd, path);
  const { BIND, REMOUNT, RDONLY } = MountFlag;
  sys.mount(null, path, null, BIND | REMOUNT | RDONLY, null);
}
