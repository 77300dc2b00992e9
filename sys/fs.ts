/**
 * File descriptors and file metadata: open, close, dup2, chdir, chroot, mknod, lchown, utimensat.
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { Errno } from "./errno.ts";
import { AT_FDCWD, check, cstr, errno, libc, quote, SyscallError, syscallNumber } from "./ffi.ts";

/** `open` flags used by the runtime. */
export const OpenFlag = {
  RDONLY: 0,
  WRONLY: 0o1,
  RDWR: 0o2,
  NOCTTY: 0o400,
  NONBLOCK: 0o4000,
  DIRECTORY: 0o200000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

/** Opens `path` with `flags` and returns the raw file descriptor (always close-on-exec). */
export function open(path: string, flags: number): number {
  return check(libc().open(cstr(path), flags | OpenFlag.CLOEXEC, 0), "open", quote(path));
}

/** Closes a raw file descriptor. */
export function close(fd: number): void {
  check(libc().close(fd), "close");
}

/** Changes the calling thread's working directory. */
export function chdir(path: string): void {
  check(libc().chdir(cstr(path)), "chdir", quote(path));
}

/** Changes the calling thread's root directory. */
export function chroot(path: string): void {
  check(libc().chroot(cstr(path)), "chroot", quote(path));
}

/** Creates a device node (`"c"` or `"b"`) or a FIFO (`"p"`, device numbers ignored). */
export function mknod(
  path: string,
  type: "c" | "b" | "p",
  mode: number,
  major: number,
  minor: number,
): void {
  const format = { c: 0o020000, b: 0o060000, p: 0o010000 }[type];
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) |
    (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(libc().mknod(cstr(path), format | mode, dev), "mknod", quote(path));
}

/** Changes the owner of `path` without following a final symlink. */
export function lchown(path: string, uid: number, gid: number): void {
  check(libc().lchown(cstr(path), uid, gid), "lchown", quote(path));
}

/** Changes the owner of the file open at descriptor `fd`. */
export function fchown(fd: number, uid: number, gid: number): void {
  check(libc().fchown(fd, uid, gid), "fchown", String(fd));
}

const AT_SYMLINK_NOFOLLOW = 0x100;

/**
 * Sets the access and modification times of `path` (seconds since the epoch, fractions kept
 * to the nanosecond) without following a final symlink.
 */
export function lutimes(path: string, atime: number, mtime: number): void {
  const times = new BigInt64Array(4);
  [atime, mtime].forEach((time, index) => {
    const seconds = Math.floor(time);
    times[index * 2] = BigInt(seconds);
    times[index * 2 + 1] = BigInt(Math.round((time - seconds) * 1e9));
  });
  const result = libc().utimensat(AT_FDCWD, cstr(path), times, AT_SYMLINK_NOFOLLOW);
  check(result, "utimensat", quote(path));
}

/** Duplicates descriptor `from` onto `to` (closing what `to` was), without close-on-exec. */
export function dup2(from: number, to: number): void {
  check(libc().dup2(from, to), "dup2", String(to));
}

/** Creates a FIFO (named pipe) at `path` with permission bits `mode` (less the umask). */
export function mkfifo(path: string, mode: number): void {
  check(libc().mkfifo(cstr(path), mode), "mkfifo", quote(path));
}

/** Changes the calling thread's working directory to the directory open at `fd`. */
export function fchdir(fd: number): void {
  check(libc().fchdir(fd), "fchdir", String(fd));
}

/** Creates a pipe, both ends close-on-exec; returns `[readEnd, writeEnd]`. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  check(libc().pipe2(fds, OpenFlag.CLOEXEC), "pipe2");
  return [fds[0]!, fds[1]!];
}

const MFD_CLOEXEC = 1;

/**
 * Creates an anonymous file in memory holding `bytes` (memfd_create(2), close-on-exec) and
 * returns its descriptor: a program that exists nowhere on disk can be exec'd from it by the
 * path `/proc/self/fd/N`.
 */
export function memoryFile(name: string, bytes: Uint8Array<ArrayBuffer>): number {
  const fd = check(libc().memfd_create(cstr(name), MFD_CLOEXEC), "memfd_create", quote(name));
  try {
    writeAll(fd, bytes);
  } catch (error) {
    close(fd);
    throw error;
  }
  return fd;
}

/**
 * Reads descriptor `fd` to its end, or until `limit` bytes are read (retrying when a signal
 * interrupts a read).
 */
export function readAll(fd: number, limit = Infinity): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  for (let total = 0; total < limit;) {
    const buffer = new Uint8Array(Math.min(65536, limit - total));
    const count = Number(libc().read(fd, buffer, BigInt(buffer.length)));
    if (count === 0) break;
    if (count < 0) {
      const error = errno();
      if (error === Errno.EINTR) continue;
      throw new SyscallError("read", error, String(fd));
    }
    chunks.push(buffer.subarray(0, count));
    total += count;
  }
  return concatBytes(chunks);
}

/** Moves descriptor `fd`'s offset back to the start of its file (lseek(2)). */
export function rewind(fd: number): void {
  const result = libc().syscall_ids(syscallNumber("lseek"), BigInt(fd), 0n, 0n);
  check(Number(result), "lseek", String(fd));
}

const FIOCLEX = 0x5451;

/** Marks descriptor `fd` close-on-exec. */
export function setCloseOnExec(fd: number): void {
  check(libc().ioctl_value(fd, BigInt(FIOCLEX), 0n), "ioctl", "FIOCLEX");
}

/** Writes all of `bytes` to descriptor `fd`, blocking the calling thread. */
export function writeAll(fd: number, bytes: Uint8Array<ArrayBuffer>): void {
  for (let written = 0; written < bytes.length;) {
    const rest = bytes.subarray(written);
    written += check(Number(libc().write(fd, rest, BigInt(rest.length))), "write", String(fd));
  }
}

const CLOSE_RANGE_CLOEXEC = 4;

/**
 * Marks every descriptor from `first` up close-on-exec (close_range(2)), so that a program
 * exec'd next gets none of them, whatever this process inherited or opened.
 */
export function closeOnExecFrom(first: number): void {
  const result = libc().syscall_close_range(
    syscallNumber("close_range"),
    first,
    0xffffffff,
    CLOSE_RANGE_CLOEXEC,
  );
  check(Number(result), "close_range");
}

/** poll(2)'s events: readable, and the other end closed. */
export const PollEvent = { IN: 0x1, HUP: 0x10 } as const;

/**
 * Waits up to `timeoutMs` for descriptor `fd` to report any of `events` (poll(2), which reports
 * a hang-up whatever `events` asks) and returns the events it reported: 0 when the time ran out.
 * An interrupting signal is waited through, within the same time.
 */
export function pollDescriptor(fd: number, events: number, timeoutMs: number): number {
  const pollfd = new Uint8Array(8); // struct pollfd { int fd; short events, revents; }
  const view = new DataView(pollfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = Math.max(0, Math.ceil(deadline - performance.now()));
    const ready = libc().poll(pollfd, 1n, left);
    if (ready >= 0) return ready === 0 ? 0 : view.getInt16(6, true);
    const error = errno();
    if (error !== Errno.EINTR) throw new SyscallError("poll", error, String(fd));
  }
}

/**
 * Waits up to `timeoutMs` for the FIFO read end `fd` (opened O_NONBLOCK) to hang up, and tells
 * whether it has: Linux reports a hang-up on a FIFO only once a writer has opened it and every
 * writer has closed it again, never for a FIFO no writer has opened (fs/pipe.c).
 */
export function fifoHungUp(fd: number, timeoutMs: number): boolean {
  return (pollDescriptor(fd, 0, timeoutMs) & PollEvent.HUP) !== 0;
}
