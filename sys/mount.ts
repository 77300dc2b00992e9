/**
 * Mounts: mount(2), umount2(2), pivot_root(2), and the new mount API's detached trees
 * (open_tree, move_mount, mount_setattr).
 *
 * @module
 */

import { AT_FDCWD, check, cstr, libc, quote, syscallNumber } from "./ffi.ts";

/** Flags for {@linkcode mount}. */
export const MountFlag = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  NOATIME: 0x400,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  STRICTATIME: 0x1000000,
} as const;

/** `umount2` flag that detaches the mount lazily. */
export const MNT_DETACH = 2;

/** Mounts `source` on `target` (see mount(2)); `null` leaves an argument unset. */
export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: number,
  data: string | null = null,
): void {
  const result = libc().mount(
    source === null ? null : cstr(source),
    cstr(target),
    fstype === null ? null : cstr(fstype),
    BigInt(flags),
    data === null ? null : cstr(data),
  );
  check(result, "mount", `${quote(fstype ?? source ?? "")} on ${quote(target)}`);
}

/** Unmounts `target` with umount2(2) flags. */
export function umount2(target: string, flags: number): void {
  check(libc().umount2(cstr(target), flags), "umount2", quote(target));
}

/** Makes `newRoot` the root mount and puts the old root at `putOld` (see pivot_root(2)). */
export function pivotRoot(newRoot: string, putOld: string): void {
  const result = libc().syscall(syscallNumber("pivot_root"), cstr(newRoot), cstr(putOld));
  check(Number(result), "pivot_root", quote(newRoot));
}

const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const AT_RECURSIVE = 0x8000;
const AT_EMPTY_PATH = 0x1000;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
const MOUNT_ATTR_RDONLY = 0x1;

/**
 * Clones the mount of `path` (a file or directory; with `recursive`, the mounts below it too)
 * into a detached mount and returns its fd, which {@linkcode moveMount} can attach anywhere,
 * even after pivot_root (open_tree(2)).
 */
export function openTreeClone(path: string, recursive = false): number {
  const result = libc().syscall_open_tree(
    syscallNumber("open_tree"),
    AT_FDCWD,
    cstr(path),
    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0),
  );
  return check(Number(result), "open_tree", quote(path));
}

/** Makes the detached mount tree `fd` (and every mount in it) read-only (mount_setattr(2)). */
export function makeTreeReadonly(fd: number): void {
  const attr = new BigUint64Array([BigInt(MOUNT_ATTR_RDONLY), 0n, 0n, 0n]);
  const result = libc().syscall_mount_setattr(
    syscallNumber("mount_setattr"),
    fd,
    cstr(""),
    AT_EMPTY_PATH | AT_RECURSIVE,
    attr,
    BigInt(attr.byteLength),
  );
  check(Number(result), "mount_setattr");
}

/** Attaches the detached mount `fd` (from {@linkcode openTreeClone}) at `target`. */
export function moveMount(fd: number, target: string): void {
  const result = libc().syscall_move_mount(
    syscallNumber("move_mount"),
    fd,
    cstr(""),
    AT_FDCWD,
    cstr(target),
    MOVE_MOUNT_F_EMPTY_PATH,
  );
  check(Number(result), "move_mount", quote(target));
}

const FSOPEN_CLOEXEC = 1;
const FSMOUNT_CLOEXEC = 1;
const FSCONFIG_SET_STRING = 1;
const FSCONFIG_SET_FD = 5;
const FSCONFIG_CMD_CREATE = 6;
const MOUNT_ATTR_NOSUID = 0x2;
const MOUNT_ATTR_NODEV = 0x4;
const MOUNT_ATTR_NOEXEC = 0x8;

/**
 * Creates a procfs for the PID namespace open at `pidNamespaceFd` (procfs's `pidns` option,
 * Linux 6.15 and later) as a detached nosuid, nodev, noexec mount of source "proc", and returns
 * its fd for {@linkcode moveMount}: a /proc for a container, made from outside its PID namespace.
 * Throws a {@linkcode SyscallError} (EINVAL where the kernel lacks the option).
 */
export function procfsForPidNamespace(pidNamespaceFd: number): number {
  const fs = check(
    Number(libc().syscall_fsopen(syscallNumber("fsopen"), cstr("proc"), FSOPEN_CLOEXEC)),
    "fsopen",
    '"proc"',
  );
  try {
    const config = (
      command: number,
      key: Uint8Array<ArrayBuffer> | null,
      value: Uint8Array<ArrayBuffer> | null,
      fd: number,
    ) => Number(libc().syscall_fsconfig(syscallNumber("fsconfig"), fs, command, key, value, fd));
    // The source mount(8) and runc show: "proc" (mountinfo says "none" without it).
    check(config(FSCONFIG_SET_STRING, cstr("source"), cstr("proc"), 0), "fsconfig", '"source"');
    check(config(FSCONFIG_SET_FD, cstr("pidns"), null, pidNamespaceFd), "fsconfig", '"pidns"');
    check(config(FSCONFIG_CMD_CREATE, null, null, 0), "fsconfig", "create");
    const flags = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    return check(
      Number(libc().syscall_fsmount(syscallNumber("fsmount"), fs, FSMOUNT_CLOEXEC, flags)),
      "fsmount",
      '"proc"',
    );
  } finally {
    libc().close(fs);
  }
}

let takesPidNamespace: boolean | undefined;

/**
 * Whether this kernel's procfs takes the `pidns` option (see {@linkcode procfsForPidNamespace}):
 * sets it on a procfs context for our own PID namespace and drops the context unmounted, once a
 * process (a start with `--init`, and each restart of a container, ask again).
 */
export function procfsTakesPidNamespace(): boolean {
  takesPidNamespace ??= probePidNamespaceOption();
  return takesPidNamespace;
}

function probePidNamespaceOption(): boolean {
  const fs = Number(libc().syscall_fsopen(syscallNumber("fsopen"), cstr("proc"), FSOPEN_CLOEXEC));
  if (fs < 0) return false;
  const own = libc().open(cstr("/proc/self/ns/pid"), 0o2000000, 0);
  try {
    const result = libc().syscall_fsconfig(
      syscallNumber("fsconfig"),
      fs,
      FSCONFIG_SET_FD,
      cstr("pidns"),
      null,
      own,
    );
    return Number(result) === 0;
  } finally {
    libc().close(own);
    libc().close(fs);
  }
}
