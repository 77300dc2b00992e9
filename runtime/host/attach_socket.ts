/**
 * Where a detached container with a terminal is attached to: a Unix socket in the container's
 * directory, which its monitor listens on. A socket path holds at most 107 bytes, which a
 * container directory under a long state root exceeds, so the socket is bound and reached
 * through `/proc/self/fd/N/`, a descriptor of the directory.
 *
 * @module
 */

import { close, open, OpenFlag } from "../../sys/fs.ts";

/** The socket's name in the container's directory. */
const ATTACH_SOCKET = "attach.sock";

/** The path of container directory `dir`'s attach socket. */
export function attachSocketPath(dir: string): string {
  return `${dir}/${ATTACH_SOCKET}`;
}

/**
 * Calls `use` with a short path (below 108 bytes) for the attach socket of container directory
 * `dir`, valid while it runs; returns what it returns.
 */
export async function withShortSocketPath<T>(
  dir: string,
  use: (path: string) => T | Promise<T>,
): Promise<T> {
  const fd = open(dir, OpenFlag.PATH | OpenFlag.DIRECTORY);
  try {
    return await use(`/proc/self/fd/${fd}/${ATTACH_SOCKET}`);
  } finally {
    close(fd);
  }
}
