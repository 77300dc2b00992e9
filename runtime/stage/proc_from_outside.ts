/**
 * The last steps of a container started in place (`spawn_in_place.ts`), carried out by the
 * host's main thread from outside: a /proc for the container's PID namespace (procfs's `pidns`
 * option, since the namespace exists only once its first process does, and no process of
 * mydocker's is in it), and the mount plan's steps below /proc (masks, read-only binds), done
 * inside the container's mount namespace, which the main thread enters and leaves again. A
 * spec's own plan (an OCI config's) then has the mounts it lists after /proc made again after
 * it, so that they appear in the config's order (see {@linkcode remountAfterProc}).
 *
 * @module
 */

import { containerMountPlan, isProcStep, type MountStep } from "../spec/mount_plan.ts";
import type { ContainerSpec } from "../spec/container_spec.ts";
import { close, fchdir, open, OpenFlag } from "../../sys/fs.ts";
import {
  MNT_DETACH,
  moveMount,
  openTreeClone,
  procfsForPidNamespace,
  umount2,
} from "../../sys/mount.ts";
import { CloneFlag, setns, unshare } from "../../sys/namespaces.ts";
import { applyMountPlan } from "./rootfs.ts";

/**
 * Mounts the /proc of process `pid`'s PID namespace at /proc in its mount namespace and applies
 * the /proc steps of `spec`'s mount plan there. The calling thread gets a file system context of
 * its own (unshare CLONE_FS) to enter the namespace, and is back in its own, in its own working
 * directory, when this returns or throws.
 */
export function mountProcFromOutside(pid: number, spec: ContainerSpec): void {
  const steps = containerMountPlan(spec)
    .filter((step) => isProcStep(step) && !(step.op === "mount" && step.target === "/proc"));
  const fds: number[] = [];
  const remember = (fd: number) => (fds.push(fd), fd);
  try {
    const pidNamespace = remember(open(`/proc/${pid}/ns/pid`, OpenFlag.RDONLY));
    const mountNamespace = remember(open(`/proc/${pid}/ns/mnt`, OpenFlag.RDONLY));
    const proc = remember(procfsForPidNamespace(pidNamespace));
    const ownNamespace = remember(open("/proc/self/ns/mnt", OpenFlag.RDONLY));
    const cwd = remember(open(".", OpenFlag.PATH | OpenFlag.DIRECTORY));
    unshare(CloneFlag.FS);
    setns(mountNamespace, CloneFlag.NEWNS);
    try {
      moveMount(proc, "/proc");
      applyMountPlan(steps);
      if (spec.mountPlan !== undefined) {
        remountAfterProc(spec.mountPlan, spec.mounts.map((mount) => mount.target));
      }
    } finally {
      setns(ownNamespace, CloneFlag.NEWNS);
      fchdir(cwd);
    }
  } finally {
    for (const fd of fds) close(fd);
  }
}

/**
 * Makes the mounts `plan` lists after /proc again, then the `binds` (attached after the plan),
 * each outermost one with what is below it: a recursive clone of it (the same file systems,
 * flags and submounts) replaces it. A container
 * started in place gets its /proc last, from outside; the mount table lists mounts in the order
 * they were made, and the clones are made after /proc, in the plan's order.
 */
export function remountAfterProc(plan: readonly MountStep[], binds: readonly string[]): void {
  const proc = plan.findIndex((step) => step.op === "mount" && step.target === "/proc");
  if (proc < 0) return;
  const targets = plan.slice(proc + 1).flatMap((step) =>
    step.op === "mount" && !isProcStep(step) && step.target !== "/" ? [step.target] : []
  ).concat(binds.filter((target) => target !== "/proc" && !target.startsWith("/proc/")));
  const below = (path: string, parent: string) => path.startsWith(`${parent}/`) || parent === "/";
  const outermost = targets.filter((target, index) =>
    !targets.some((other, otherIndex) => otherIndex !== index && below(target, other))
  );
  for (const target of new Set(outermost)) {
    const tree = openTreeClone(target, true);
    try {
      umount2(target, MNT_DETACH);
      moveMount(tree, target);
    } finally {
      close(tree);
    }
  }
}
