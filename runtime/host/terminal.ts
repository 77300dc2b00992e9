/**
 * The container's terminal for `mydocker run -t`, host side: receives the pseudo-terminal master
 * the init stage creates (see `console.ts`), puts the host terminal in raw mode with `-i`, copies
 * stdin to the master (only with `-i`) and the master to stdout, follows window size changes, and
 * restores the host terminal on every exit path (and copies the output to the container's log
 * when it is kept). Keys such as Ctrl-C pass through as bytes; the
 * container's terminal turns them into signals for its foreground process.
 *
 * @module
 */

import { close } from "../../sys/fs.ts";
import {
  cfmakeraw,
  getWindowSize,
  isatty,
  readAsync,
  setWindowSize,
  tcgetattr,
  tcsetattr,
  writeAllAsync,
} from "../../sys/pty.ts";
import { ConsoleHandoff, untilDrained } from "./console_relay.ts";

const STDIN = 0;
const STDOUT = 1;
const BUFFER_BYTES = 65536;

/**
 * The host side of one container's terminal. Create it before spawning the init stage (whose
 * spec gets {@linkcode HostTerminal.socketFd}), {@linkcode HostTerminal.start} it right after,
 * {@linkcode HostTerminal.finish} it once the container has ended, and
 * {@linkcode HostTerminal.close} it on every path.
 */
export class HostTerminal {
  readonly #handoff = new ConsoleHandoff();
  readonly #interactive: boolean;
  readonly #log: ((bytes: Uint8Array) => void) | undefined;
  #closed = false;
  #relay: Promise<void> | undefined;
  #master: number | undefined;
  #saved: Uint8Array<ArrayBuffer> | undefined;
  readonly #resize = () => this.#copyWindowSize();

  /**
   * Opens the socket pair; `interactive` (`-i`) forwards stdin and makes the terminal raw; `log`
   * gets a copy of the container's output.
   */
  constructor(interactive: boolean, log?: (bytes: Uint8Array) => void) {
    this.#interactive = interactive;
    this.#log = log;
  }

  /** The socket end the container's start inherits and sends the master over. */
  get socketFd(): number {
    return this.#handoff.socketFd;
  }

  /** Call once the container's start is spawned: relays its terminal in the background. */
  start(): void {
    this.#relay = this.#run();
    this.#relay.catch(() => {
      // Rethrown by finish().
    });
  }

  async #run(): Promise<void> {
    const master = await this.#handoff.receive();
    if (master === undefined) return; // The start ended before creating the console.
    if (this.#closed) return close(master);
    this.#master = master;
    try {
      Deno.addSignalListener("SIGWINCH", this.#resize);
      this.#copyWindowSize();
      if (this.#interactive) {
        if (isatty(STDIN)) {
          const saved = tcgetattr(STDIN);
          tcsetattr(STDIN, cfmakeraw(saved));
          this.#saved = saved;
        }
        this.#forwardInput(master);
      }
      await this.#copyOutput(master);
    } finally {
      this.#master = undefined;
      close(master);
    }
  }

  /** Gives the container's terminal the size of the host's (stdout's, else stdin's). */
  #copyWindowSize(): void {
    const master = this.#master;
    const source = [STDOUT, STDIN].find(isatty);
    if (master === undefined || source === undefined) return;
    try {
      setWindowSize(master, getWindowSize(source));
    } catch {
      // A size is not worth failing the run for; the next SIGWINCH tries again.
    }
  }

  /** Copies stdin to the master until stdin ends or the container's terminal closes. */
  async #forwardInput(master: number): Promise<void> {
    const buffer = new Uint8Array(BUFFER_BYTES);
    for (;;) {
      const count = await readAsync(STDIN, buffer);
      if (count <= 0 || this.#master !== master) return;
      if (!(await writeAllAsync(master, buffer.slice(0, count)))) return;
    }
  }

  /**
   * Copies the master to stdout until reading it fails with EIO: every descriptor of the slave is
   * closed, so the container has ended and its output is drained.
   */
  async #copyOutput(master: number): Promise<void> {
    const buffer = new Uint8Array(BUFFER_BYTES);
    for (;;) {
      const count = await readAsync(master, buffer);
      if (count <= 0) return;
      try {
        this.#log?.(buffer.subarray(0, count));
      } catch {
        // A log that cannot be written (a full disk) never stops the output itself.
      }
      if (!(await writeAllAsync(STDOUT, buffer.subarray(0, count)))) return;
    }
  }

  /**
   * Once the container has ended: waits (at most a second) for its last output to reach stdout;
   * throws what made the relay fail, such as a SyscallError from receiving the master.
   */
  async finish(): Promise<void> {
    if (this.#relay !== undefined) await untilDrained(this.#relay);
  }

  /** Restores the host terminal and stops following resizes; closes the sockets if unstarted. */
  close(): void {
    this.#closed = true;
    if (this.#saved !== undefined) {
      tcsetattr(STDIN, this.#saved);
      this.#saved = undefined;
    }
    Deno.removeSignalListener("SIGWINCH", this.#resize);
    this.#handoff.close();
  }
}
