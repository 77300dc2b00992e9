/**
 * The static tables of a container's /dev: device nodes and symlinks, as in Docker and crun.
 *
 * @module
 */

/** A character device node to create in the container's /dev. */
export interface DeviceNode {
  /** Path inside the container. */
  path: string;
  /** Device major number. */
  major: number;
  /** Device minor number. */
  minor: number;
  /** Permission bits. */
  mode: number;
}

/** The device nodes every container gets. */
export const DEFAULT_DEVICES: readonly DeviceNode[] = [
  { path: "/dev/null", major: 1, minor: 3, mode: 0o666 },
  { path: "/dev/zero", major: 1, minor: 5, mode: 0o666 },
  { path: "/dev/full", major: 1, minor: 7, mode: 0o666 },
  { path: "/dev/random", major: 1, minor: 8, mode: 0o666 },
  { path: "/dev/urandom", major: 1, minor: 9, mode: 0o666 },
  { path: "/dev/tty", major: 5, minor: 0, mode: 0o666 },
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
