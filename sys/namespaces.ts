/**
 * Namespaces: unshare(2), setns(2) and the UTS namespace's hostname.
 *
 * @module
 */

import { check, encoder, libc, quote } from "./ffi.ts";

/**
 * Flags for {@linkcode unshare} and {@linkcode setns}: the namespaces, and `FS`, the file system
 * context (root and working directory) a thread shares with the others of its process.
 */
export const CloneFlag = {
  FS: 0x00000200,
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const;

/** Detaches the calling thread from the namespaces in `flags` (a sum of {@linkcode CloneFlag}). */
export function unshare(flags: number): void {
  check(libc().unshare(flags), "unshare");
}

/** Moves the calling thread into the namespace open at `fd`. */
export function setns(fd: number, nstype: number): void {
  check(libc().setns(fd, nstype), "setns");
}

/** Sets the UTS namespace's hostname. */
export function sethostname(name: string): void {
  const bytes = encoder.encode(name);
  check(libc().sethostname(bytes, BigInt(bytes.length)), "sethostname", quote(name));
}

/** The calling thread's id (its pid as the kernel sees threads), for `/proc/self/task/<tid>`. */
export function gettid(): number {
  return libc().gettid();
}
