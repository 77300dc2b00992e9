/**
 * The mount plan: which file systems, device nodes, symlinks, masks and read-only binds a
 * container gets, computed as data from its options. {@linkcode applyMountPlan} in
 * `rootfs.ts` carries it out inside the container's new root.
 *
 * @module
 */

import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, type DeviceNode } from "./devices.ts";
import { MountFlag } from "../../sys/mount.ts";

/** One step of the plan; paths are inside the container (after pivot_root). */
export type MountStep =
  | {
    op: "mount";
    source: string;
    target: string;
    fstype: string;
    flags: number;
    data?: string;
  }
  | ({ op: "mknod" } & DeviceNode)
  | { op: "symlink"; path: string; target: string }
  | { op: "mask"; path: string }
  | { op: "readonly"; path: string };

/** What the mount plan depends on. */
export interface MountPlanOptions {
  /** Privileged containers see every path unmasked and /sys read-write. */
  privileged: boolean;
  /**
   * Device nodes added to the standard ones (`--device`, the host's with `--privileged`); one
   * at the path of a standard node or link replaces it.
   */
  devices: readonly DeviceNode[];
}

/** Paths hidden from the container: files get /dev/null bound over them, dirs an empty tmpfs. */
export const MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/interrupts",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

/** Paths the container may read but never write. */
export const READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

const { NOSUID, NODEV, NOEXEC, RDONLY, STRICTATIME } = MountFlag;

/** The device nodes and symlinks of the container's /dev, the added devices winning. */
function devSteps(devices: readonly DeviceNode[]): MountStep[] {
  const taken = new Set(devices.map((device) => device.path));
  return [
    ...[...DEFAULT_DEVICES.filter((device) => !taken.has(device.path)), ...devices]
      .map((device): MountStep => ({ op: "mknod", ...device })),
    ...DEFAULT_DEV_SYMLINKS.filter(([path]) => !taken.has(path))
      .map(([path, target]): MountStep => ({ op: "symlink", path, target })),
  ];
}

/** A container's mount plan: the one its spec carries, else the standard one. */
export function containerMountPlan(
  spec: MountPlanOptions & { readonly mountPlan?: readonly MountStep[] },
): MountStep[] {
  return spec.mountPlan === undefined ? planMounts(spec) : [...spec.mountPlan];
}

/** Computes the ordered mount plan for a container. */
export function planMounts(options: MountPlanOptions): MountStep[] {
  const steps: MountStep[] = [
    {
      op: "mount",
      source: "proc",
      target: "/proc",
      fstype: "proc",
      flags: NOSUID | NOEXEC | NODEV,
    },
    {
      op: "mount",
      source: "tmpfs",
      target: "/dev",
      fstype: "tmpfs",
      flags: NOSUID | STRICTATIME,
      data: "mode=755,size=65536k",
    },
    ...devSteps(options.devices),
    {
      op: "mount",
      source: "devpts",
      target: "/dev/pts",
      fstype: "devpts",
      flags: NOSUID | NOEXEC,
      data: "newinstance,ptmxmode=0666,mode=0620,gid=5",
    },
    {
      op: "mount",
      source: "shm",
      target: "/dev/shm",
      fstype: "tmpfs",
      flags: NOSUID | NOEXEC | NODEV,
      data: "mode=1777,size=65536k",
    },
    {
      op: "mount",
      source: "mqueue",
      target: "/dev/mqueue",
      fstype: "mqueue",
      flags: NOSUID | NOEXEC | NODEV,
    },
    {
      op: "mount",
      source: "sysfs",
      target: "/sys",
      fstype: "sysfs",
      flags: NOSUID | NOEXEC | NODEV | (options.privileged ? 0 : RDONLY),
    },
  ];
  if (!options.privileged) {
    steps.push(
      ...MASKED_PATHS.map((path): MountStep => ({ op: "mask", path })),
      ...READONLY_PATHS.map((path): MountStep => ({ op: "readonly", path })),
    );
  }
  return steps;
}

/**
 * Whether `step` concerns the container's /proc (its mount, and the masks and read-only binds
 * below it): steps that need the procfs of the container's PID namespace mounted first.
 */
export function isProcStep(step: MountStep): boolean {
  const path = step.op === "mount" ? step.target : step.path;
  return path === "/proc" || path.startsWith("/proc/");
}
