/**
 * A thread's or process's credentials: user and group ids, supplementary groups, and capability
 * sets (capset(2)).
 *
 * @module
 */

import { check, libc, syscallNumber } from "./ffi.ts";

/** Sets the calling process's supplementary groups, then its real/effective/saved gid and uid. */
export function switchUser(uid: number, gid: number, groups: readonly number[]): void {
  const symbols = libc();
  const list = new Uint32Array(groups);
  check(symbols.setgroups(BigInt(list.length), list), "setgroups");
  check(symbols.setresgid(gid, gid, gid), "setresgid", String(gid));
  check(symbols.setresuid(uid, uid, uid), "setresuid", String(uid));
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
