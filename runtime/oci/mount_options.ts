/**
 * An OCI mount's `options` as mount(2) takes them: the flags a table names, whether it is a
 * bind, and the rest as the file system's data (`mode=755,size=65536k`). Propagation options
 * are left to the root's (the container's mounts are private).
 *
 * @module
 */

import { MountFlag } from "../../sys/mount.ts";

/** Options that set a flag (`true`) or clear it (`false`). */
const FLAG_OPTIONS: Readonly<Record<string, readonly [number, boolean]>> = {
  ro: [MountFlag.RDONLY, true],
  rw: [MountFlag.RDONLY, false],
  nosuid: [MountFlag.NOSUID, true],
  suid: [MountFlag.NOSUID, false],
  nodev: [MountFlag.NODEV, true],
  dev: [MountFlag.NODEV, false],
  noexec: [MountFlag.NOEXEC, true],
  exec: [MountFlag.NOEXEC, false],
  sync: [0x10, true],
  async: [0x10, false],
  mand: [0x40, true],
  nomand: [0x40, false],
  dirsync: [0x80, true],
  noatime: [MountFlag.NOATIME, true],
  atime: [MountFlag.NOATIME, false],
  nodiratime: [0x800, true],
  diratime: [0x800, false],
  relatime: [0x200000, true],
  norelatime: [0x200000, false],
  strictatime: [MountFlag.STRICTATIME, true],
  nostrictatime: [MountFlag.STRICTATIME, false],
};

/** Propagation options, which a container's private mounts ignore. */
const PROPAGATION = new Set([
  "private",
  "rprivate",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "unbindable",
  "runbindable",
]);

/** A mount's options, read. */
export interface MountOptions {
  /** mount(2) flags. */
  flags: number;
  /** Whether `bind` or `rbind` is among them. */
  bind: boolean;
  /** The options left for the file system, joined with commas. */
  data: string;
}

/** Reads an OCI mount's `options`. */
export function parseMountOptions(options: readonly string[]): MountOptions {
  let flags = 0;
  let bind = false;
  const data: string[] = [];
  for (const option of options) {
    const flag = FLAG_OPTIONS[option];
    if (flag !== undefined) {
      flags = flag[1] ? flags | flag[0] : flags & ~flag[0];
    } else if (option === "bind" || option === "rbind") {
      bind = true;
    } else if (!PROPAGATION.has(option)) {
      data.push(option);
    }
  }
  return { flags, bind, data: data.join(",") };
}
