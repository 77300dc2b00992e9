/**
 * The terminal options `-t`, `-i` and `-d` checked together, as Docker's client checks them,
 * before anything starts.
 *
 * @module
 */

import { ExitCodeError } from "../sys/exit_codes.ts";

/** The terminal options of `run` and `exec`. */
export interface TerminalOptions {
  /** `-t`: allocate a pseudo-terminal. */
  tty: boolean;
  /** `-i`: keep stdin attached. */
  interactive: boolean;
  /** `-d`: run in the background. */
  detach: boolean;
}

/**
 * Throws ExitCodeError (125) for `-it` when stdin is not a terminal, as Docker does; `-dit` is
 * fine from anywhere (the terminal waits for `attach`).
 */
export function checkTerminalOptions(options: TerminalOptions): void {
  if (!options.tty || options.detach) return;
  if (options.interactive && !Deno.stdin.isTerminal()) {
    throw new ExitCodeError("the input device is not a TTY");
  }
}
