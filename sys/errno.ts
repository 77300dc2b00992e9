/**
 * Linux errno values by name, shared by x86_64 and aarch64 (the generic numbering).
 *
 * @module
 */

/** Errno names and their meanings, indexed by errno value. */
const ERRNO_TABLE: Readonly<Record<number, readonly [string, string]>> = {
  1: ["EPERM", "operation not permitted"],
  2: ["ENOENT", "no such file or directory"],
  3: ["ESRCH", "no such process"],
  4: ["EINTR", "interrupted system call"],
  5: ["EIO", "input/output error"],
  6: ["ENXIO", "no such device or address"],
  7: ["E2BIG", "argument list too long"],
  8: ["ENOEXEC", "exec format error"],
  9: ["EBADF", "bad file descriptor"],
  10: ["ECHILD", "no child processes"],
  11: ["EAGAIN", "resource temporarily unavailable"],
  12: ["ENOMEM", "cannot allocate memory"],
  13: ["EACCES", "permission denied"],
  14: ["EFAULT", "bad address"],
  15: ["ENOTBLK", "block device required"],
  16: ["EBUSY", "device or resource busy"],
  17: ["EEXIST", "file exists"],
  18: ["EXDEV", "invalid cross-device link"],
  19: ["ENODEV", "no such device"],
  20: ["ENOTDIR", "not a directory"],
  21: ["EISDIR", "is a directory"],
  22: ["EINVAL", "invalid argument"],
  23: ["ENFILE", "too many open files in system"],
  24: ["EMFILE", "too many open files"],
  25: ["ENOTTY", "inappropriate ioctl for device"],
  26: ["ETXTBSY", "text file busy"],
  27: ["EFBIG", "file too large"],
  28: ["ENOSPC", "no space left on device"],
  29: ["ESPIPE", "illegal seek"],
  30: ["EROFS", "read-only file system"],
  31: ["EMLINK", "too many links"],
  32: ["EPIPE", "broken pipe"],
  36: ["ENAMETOOLONG", "file name too long"],
  38: ["ENOSYS", "function not implemented"],
  39: ["ENOTEMPTY", "directory not empty"],
  40: ["ELOOP", "too many levels of symbolic links"],
  61: ["ENODATA", "no data available"],
  95: ["EOPNOTSUPP", "operation not supported"],
  97: ["EAFNOSUPPORT", "address family not supported by protocol"],
  98: ["EADDRINUSE", "address already in use"],
  110: ["ETIMEDOUT", "connection timed out"],
  122: ["EDQUOT", "disk quota exceeded"],
};

/** Returns the symbolic name of an errno value, such as `"EPERM"` for 1. */
export function errnoName(errno: number): string {
  return ERRNO_TABLE[errno]?.[0] ?? `errno ${errno}`;
}

/** Returns the human description of an errno value, such as `"operation not permitted"`. */
export function errnoDescription(errno: number): string {
  return ERRNO_TABLE[errno]?.[1] ?? "unknown error";
}

/**
 * Returns the description of the errno that `error` carries by name in its `code` (Deno's
 * filesystem errors and `SyscallError` do), such as `"no space left on device"` for ENOSPC;
 * undefined for an error without a known errno.
 */
export function errnoDescriptionOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return Object.values(ERRNO_TABLE).find(([name]) => name === code)?.[1];
}

/** Errno values the runtime branches on. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  ENXIO: 6,
  ENOEXEC: 8,
  ECHILD: 10,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENODATA: 61,
  EADDRINUSE: 98,
} as const;
