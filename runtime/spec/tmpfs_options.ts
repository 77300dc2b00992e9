/**
 * The options of a user's tmpfs mount (`--tmpfs PATH:OPTIONS`, `--mount type=tmpfs,…`) as mount
 * flags and file system data, starting from Docker's defaults. Pure.
 *
 * @module
 */

import { MountFlag } from "../../sys/mount.ts";

/** The options that are mount flags: what each sets and what it clears. */
const TMPFS_FLAGS: Readonly<Record<string, [set: number, clear: number]>> = {
  ro: [MountFlag.RDONLY, 0],
  rw: [0, MountFlag.RDONLY],
  noexec: [MountFlag.NOEXEC, 0],
  exec: [0, MountFlag.NOEXEC],
  nosuid: [MountFlag.NOSUID, 0],
  suid: [0, MountFlag.NOSUID],
  nodev: [MountFlag.NODEV, 0],
  dev: [0, MountFlag.NODEV],
};

/** Docker's default flags for a tmpfs: `noexec,nosuid,nodev`. */
const TMPFS_DEFAULT_FLAGS = MountFlag.NOEXEC | MountFlag.NOSUID | MountFlag.NODEV;

/**
 * Reads tmpfs `options` (`ro`, `exec`, `size=64m`, `mode=1777`, …) in order over Docker's
 * defaults: the flag options become mount flags, the others the file system data.
 */
export function tmpfsOptions(options: readonly string[]): { flags: number; data: string } {
  let flags = TMPFS_DEFAULT_FLAGS;
  const data: string[] = [];
  for (const option of options.filter(Boolean)) {
    const flag = TMPFS_FLAGS[option];
    if (flag === undefined) data.push(option);
    else flags = (flags | flag[0]) & ~flag[1];
  }
  return { flags, data: data.join(",") };
}
