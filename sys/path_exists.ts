/**
 * Whether something exists at a path, for synchronous code such as the start's: one fstatat(2),
 * where `Deno.lstatSync` throws a NotFound (a stack trace built, about 0.1 ms) for every path that
 * is missing, as most of those a start asks about are.
 *
 * @module
 */

import { AT_FDCWD, cstr, libc, syscallNumber } from "./ffi.ts";

const AT_SYMLINK_NOFOLLOW = 0x100;

/** Room for a `struct stat`, whose content is not read. */
const statBuffer = new Uint8Array(256);

/** Tells whether anything (a dangling symlink included) exists at `path`. */
export function pathExists(path: string): boolean {
  const nr = syscallNumber("newfstatat");
  const found = libc().syscall_fstatat(nr, AT_FDCWD, cstr(path), statBuffer, AT_SYMLINK_NOFOLLOW);
  return Number(found) === 0;
}
