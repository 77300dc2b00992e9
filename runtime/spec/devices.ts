/**
 * The static tables of a container's /dev: device nodes and symlinks, as in Docker and crun;
 * and the shape of the nodes `--device` and `--privileged` add.
 *
 * @module
 */

import type { DeviceAccess } from "./device_rules.ts";

/** A device node to create in the container. */
export interface DeviceNode {
  /** Path inside the container. */
  path: string;
  /** `c` for a character device, `b` for a block device. */
  type: "c" | "b";
  /** Device major number. */
  major: number;
  /** Device minor number. */
  minor: number;
  /** Permission bits. */
  mode: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
}

/** A host device given to the container (`--device`): its node and what the container may do. */
export interface GrantedDevice extends DeviceNode {
  /** The cgroup access granted: some of `r`, `w`, `m`. */
  access: DeviceAccess;
}

const charDevice = (path: string, major: number, minor: number): DeviceNode => ({
  path,
  type: "c",
  major,
  minor,
  mode: 0o666,
  uid: 0,
  gid: 0,
});

/** The device nodes every container gets. */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  charDevice("/dev/null", 1, 3),
  charDevice("/dev/zero", 1, 5),
  charDevice("/dev/full", 1, 7),
  charDevice("/dev/random", 1, 8),
  charDevice("/dev/urandom", 1, 9),
  charDevice("/dev/tty", 5, 0),
];

/** The symlinks every container's /dev holds: `[path, target]`. */
export const DEFAULT_DEV_SYMLINKS: readonly (readonly [string, string])[] = [
  ["/dev/fd", "/proc/self/fd"],
  ["/dev/stdin", "/proc/self/fd/0"],
  ["/dev/stdout", "/proc/self/fd/1"],
  ["/dev/stderr", "/proc/self/fd/2"],
  ["/dev/ptmx", "pts/ptmx"],
  ["/dev/core", "/proc/kcore"],
];
