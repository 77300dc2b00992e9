/**
 * Extended attributes of files, without following a final symlink.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { check, cstr, errno, libc, quote, SyscallError } from "./ffi.ts";

/** Sets extended attribute `name` of `path` (not following a final symlink). */
export function lsetxattr(path: string, name: string, value: Uint8Array<ArrayBuffer>): void {
  const result = libc().lsetxattr(cstr(path), cstr(name), value, BigInt(value.length), 0);
  check(result, "lsetxattr", `${quote(name)} on ${quote(path)}`);
}

/** Reads extended attribute `name` of `path`; returns null when it is not set. */
export function lgetxattr(path: string, name: string): Uint8Array | null {
  const buffer = new Uint8Array(65536);
  const size = Number(libc().lgetxattr(cstr(path), cstr(name), buffer, BigInt(buffer.length)));
  if (size >= 0) return buffer.slice(0, size);
  const error = errno();
  if (error === Errno.ENODATA) return null;
  throw new SyscallError("lgetxattr", error, `${quote(name)} on ${quote(path)}`);
}
