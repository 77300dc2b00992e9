/**
 * Terminals and pseudo-terminals: ioctls, window sizes, termios, and reads and writes that wait
 * on another thread.
 *
 * @module
 */

import { check, ioctlValue, libc } from "./ffi.ts";

/** Calls ioctl(2) with a buffer argument (updated in place). */
export function ioctl(fd: number, request: number, argument: Uint8Array<ArrayBuffer>): void {
  check(libc().ioctl(fd, BigInt(request), argument), "ioctl", `0x${request.toString(16)}`);
}

/**
 * Tells whether file descriptor `fd` refers to a terminal: whether it has terminal attributes
 * (TCGETS), as the C library's isatty(3) asks, through the shared system call binding.
 */
export function isatty(fd: number): boolean {
  return libc().ioctl(fd, BigInt(TCGETS), new Uint8Array(KERNEL_TERMIOS_SIZE)) === 0;
}

/** The kernel's struct termios, which TCGETS fills (36 bytes; room to spare). */
const KERNEL_TERMIOS_SIZE = 64;

/** Window size, terminal and pseudo-terminal ioctl requests (the same on x86_64 and aarch64). */
const TCGETS = 0x5401;
const TIOCSCTTY = 0x540e;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;

/**
 * Unlocks the pseudo-terminal master `master` (unlockpt) and returns its number N: the slave is
 * `pts/N` of the devpts instance the master came from.
 */
export function unlockPseudoTerminal(master: number): number {
  ioctl(master, TIOCSPTLCK, new Uint8Array(4));
  const number = new Int32Array(1);
  ioctl(master, TIOCGPTN, new Uint8Array(number.buffer));
  return number[0]!;
}

/** Makes terminal `fd` the controlling terminal of the calling process, a session leader. */
export function setControllingTerminal(fd: number): void {
  ioctlValue(fd, TIOCSCTTY, 0, "TIOCSCTTY");
}

/** A terminal's size in character cells. */
export interface WindowSize {
  rows: number;
  columns: number;
}

/** Returns the window size of terminal `fd` (TIOCGWINSZ). */
export function getWindowSize(fd: number): WindowSize {
  const size = new Uint16Array(4);
  ioctl(fd, TIOCGWINSZ, new Uint8Array(size.buffer));
  return { rows: size[0]!, columns: size[1]! };
}

/**
 * Sets the window size of terminal `fd` (TIOCSWINSZ); on a change the kernel sends SIGWINCH to
 * the terminal's foreground process group.
 */
export function setWindowSize(fd: number, size: WindowSize): void {
  const winsize = new Uint16Array([size.rows, size.columns, 0, 0]);
  ioctl(fd, TIOCSWINSZ, new Uint8Array(winsize.buffer));
}

const TERMIOS_BYTES = 64; // struct termios is 60 bytes on Linux
const TCSANOW = 0;

/** Returns the attributes (`struct termios`) of terminal `fd`. */
export function tcgetattr(fd: number): Uint8Array<ArrayBuffer> {
  const attributes = new Uint8Array(TERMIOS_BYTES);
  check(libc().tcgetattr(fd, attributes), "tcgetattr", String(fd));
  return attributes;
}

/** Sets the attributes of terminal `fd` at once (TCSANOW). */
export function tcsetattr(fd: number, attributes: Uint8Array<ArrayBuffer>): void {
  check(libc().tcsetattr(fd, TCSANOW, attributes), "tcsetattr", String(fd));
}

/**
 * Returns a copy of `attributes` set to raw mode as cfmakeraw(3) does: no echo, no line editing,
 * no signals from keys, no output processing, 8-bit bytes.
 */
export function cfmakeraw(attributes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const raw = attributes.slice();
  libc().cfmakeraw(raw);
  return raw;
}

/**
 * Reads up to `buffer.length` bytes from `fd` on another thread, so that a blocking descriptor
 * (a terminal, a pseudo-terminal master) does not block the event loop. Resolves to the count,
 * 0 at end of file, or -1 on an error (its errno stays on that thread; a pseudo-terminal master
 * fails with EIO once every slave descriptor is closed). Leave `buffer` alone until then.
 */
export async function readAsync(fd: number, buffer: Uint8Array<ArrayBuffer>): Promise<number> {
  return Number(await libc().read_async(fd, buffer, BigInt(buffer.length)));
}

/**
 * Writes all of `bytes` to `fd`, on another thread so that a full terminal buffer does not block
 * the event loop. Resolves to false when a write fails.
 */
export async function writeAllAsync(fd: number, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  let offset = 0;
  while (offset < bytes.length) {
    const rest = bytes.subarray(offset);
    const written = Number(await libc().write_async(fd, rest, BigInt(rest.length)));
    if (written < 0) return false;
    offset += written;
  }
  return true;
}
