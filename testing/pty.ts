/**
 * A pseudo-terminal the test opens itself, to drive `mydocker run -t` as from a terminal where
 * there is none (CI): mydocker runs in a session of its own with the slave as its controlling
 * terminal, stdin, stdout and stderr, and the test reads and writes the master.
 *
 * @module
 */

import { close, open, OpenFlag } from "../sys/fs.ts";
import { type ExitStatus, kill, spawn, waitpid } from "../sys/process.ts";
import {
  readAsync,
  setWindowSize,
  tcgetattr,
  unlockPseudoTerminal,
  type WindowSize,
  writeAllAsync,
} from "../sys/pty.ts";
import { MYDOCKER, NO_BRIDGE_CONFIG } from "./mydocker.ts";

const SIGKILL = 9;
const SIGWINCH = 28;

/** Rejects with `message` (and what the terminal showed) when `promise` takes over `ms`. */
async function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** mydocker running on a pseudo-terminal of the test's. */
export class PtySession {
  /** mydocker's pid. */
  readonly pid: number;
  readonly #master: number;
  readonly #slave: number;
  readonly #reader: Promise<void>;
  readonly #exit: Promise<ExitStatus>;
  #output = "";

  /**
   * Opens a pseudo-terminal of `size` and starts mydocker (or `program`) with `args` on it, with
   * the test's environment plus `env`.
   */
  constructor(
    args: readonly string[],
    env: Record<string, string>,
    size: WindowSize,
    program: string = MYDOCKER,
  ) {
    const { RDWR, NOCTTY } = OpenFlag;
    this.#master = open("/dev/ptmx", RDWR | NOCTTY);
    const slavePath = `/dev/pts/${unlockPseudoTerminal(this.#master)}`;
    setWindowSize(this.#master, size);
    this.#slave = open(slavePath, RDWR | NOCTTY);
    const environment = Object.entries({
      ...Deno.env.toObject(),
      MYDOCKER_CONFIG: NO_BRIDGE_CONFIG,
      ...env,
    })
      .map(([key, value]) => `${key}=${value}`);
    // In a new session, opening the slave at fd 0 without O_NOCTTY makes it the controlling tty.
    this.pid = spawn(program, [program, ...args], environment, {
      group: "new-session",
      files: [0, 1, 2].map((fd) => ({ fd, path: slavePath, flags: RDWR })),
    });
    this.#exit = waitpid(this.pid);
    this.#reader = this.#read();
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(65536);
    const decoder = new TextDecoder();
    for (;;) {
      const count = await readAsync(this.#master, buffer);
      if (count <= 0) return; // EIO: no slave descriptor is open any more.
      this.#output += decoder.decode(buffer.subarray(0, count), { stream: true });
    }
  }

  /** Everything the terminal has shown so far. */
  get output(): string {
    return this.#output;
  }

  /**
   * Waits (at most `ms`) until `pattern` appears in the output at or after offset `from`;
   * returns the offset just past the match. Throws, showing the output, on a timeout.
   */
  async expect(pattern: RegExp, from = 0, ms = 10_000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.#output.slice(from));
      if (match !== null) return from + match.index + match[0].length;
      if (Date.now() > deadline) {
        throw new Error(
          `${pattern} did not appear within ${ms} ms; the terminal showed ${
            JSON.stringify(this.#output.slice(from))
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Types `text` (as the keyboard would: "\r" for Enter, "\x03" for Ctrl-C). */
  async type(text: string): Promise<void> {
    if (!(await writeAllAsync(this.#master, new TextEncoder().encode(text)))) {
      throw new Error("Cannot write to the test's pseudo-terminal");
    }
  }

  /**
   * Resizes the terminal as a terminal emulator does (the kernel then signals SIGWINCH to its
   * foreground process, mydocker) and signals SIGWINCH to mydocker explicitly as well.
   */
  resize(size: WindowSize): void {
    setWindowSize(this.#master, size);
    kill(this.pid, SIGWINCH);
  }

  /** The terminal's current attributes (`struct termios` bytes). */
  attributes(): Uint8Array {
    return tcgetattr(this.#slave);
  }

  /** Waits (at most `ms`) for mydocker to exit and returns how it ended. */
  wait(ms = 20_000): Promise<ExitStatus> {
    return within(this.#exit, ms, () => `mydocker did not exit; it showed ${this.#output}`);
  }

  /** Kills mydocker if it still runs, then closes the terminal once all its output is read. */
  async close(): Promise<void> {
    kill(this.pid, SIGKILL);
    await this.#exit;
    close(this.#slave);
    await within(this.#reader, 10_000, () => "the test's pseudo-terminal stayed open");
    close(this.#master);
  }
}
