/**
 * What every host side of a container's terminal shares (`run -t`'s, a detached container's
 * monitor's, `exec -dt`'s): the handoff of the pseudo-terminal master, which the container's
 * start creates inside it and sends over a socket pair, and the wait for its last output once the
 * container has ended.
 *
 * @module
 */

import { close } from "../../sys/fs.ts";
import { receiveDescriptor, socketPair } from "../../sys/socket.ts";

/** How long to wait, once the container has ended, for output still on its way. */
const DRAIN_TIMEOUT_MS = 1000;

/**
 * The socket pair a container's console master comes over. Create it before spawning the start
 * (whose spec gets {@linkcode ConsoleHandoff.socketFd}), then {@linkcode ConsoleHandoff.receive}
 * the master, or {@linkcode ConsoleHandoff.close} it if the start never ran.
 */
export class ConsoleHandoff {
  /** The socket end the container's start inherits and sends the master over. */
  readonly socketFd: number;
  readonly #socket: number;
  #done = false;

  /** Opens the socket pair. */
  constructor() {
    const { local, inheritable } = socketPair();
    this.#socket = local;
    this.socketFd = inheritable;
  }

  /**
   * Call once the start is spawned: closes its end here (so that the start's death ends the wait)
   * and receives the master; undefined when the start ended before creating the console.
   */
  async receive(): Promise<number | undefined> {
    this.#done = true;
    close(this.socketFd);
    try {
      return await receiveDescriptor(this.#socket);
    } finally {
      close(this.#socket);
    }
  }

  /** Closes both ends, unless {@linkcode ConsoleHandoff.receive} has taken them. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    close(this.socketFd);
    close(this.#socket);
  }
}

/**
 * Waits for `relay` (what copies a terminal's last output) to end, at most a second: once the
 * container has ended, that output is on its way or lost. Rejects as `relay` does.
 */
export async function untilDrained(relay: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, DRAIN_TIMEOUT_MS));
  try {
    await Promise.race([relay, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
