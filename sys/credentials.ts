/**
 * A thread's or process's credentials: user and group ids, supplementary groups, and capability
 * sets (capset(2)).
 *
 * @module
 */

import { check, libc, syscallNumber } from "./ffi.ts";

/**
 * Sets the calling thread's supplementary groups, then its real, effective and saved gid and
 * uid, with the raw system calls: glibc's wrappers would change every thread of the process
 * (which a container started from a worker thread must not do), and a process that execs next
 * takes the calling thread's ids anyway.
 */
export function switchUser(uid: number, gid: number, groups: readonly number[]): void {
  const symbols = libc();
  const list = new Uint32Array(groups);
  const setgroups = symbols.syscall_setgroups(
    syscallNumber("setgroups"),
    BigInt(list.length),
    list,
  );
  check(Number(setgroups), "setgroups");
  const ids = (name: string, id: number) =>
    Number(symbols.syscall_ids(syscallNumber(name), BigInt(id), BigInt(id), BigInt(id)));
  check(ids("setresgid", gid), "setresgid", String(gid));
  check(ids("setresuid", uid), "setresuid", String(uid));
}

/**
 * Sets the effective, permitted and inheritable capability sets of the calling thread
 * (each a 64-bit mask) with capset(2).
 */
export function capset(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const header = new Uint32Array([0x20080522, 0]); // _LINUX_CAPABILITY_VERSION_3, this thread
  const low = (mask: bigint) => Number(mask & 0xffffffffn);
  const high = (mask: bigint) => Number(mask >> 32n);
  const data = new Uint32Array([
    low(effective),
    low(permitted),
    low(inheritable),
    high(effective),
    high(permitted),
    high(inheritable),
  ]);
  check(Number(libc().syscall(syscallNumber("capset"), header, data)), "capset");
}
