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
 * Throws ExitCodeError (125) for `-it` when stdin is not a terminal, as Docker does, and for `-t`
 * with `-d`, which mydocker does not support.
 */
export function checkTerminalOptions(options: TerminalOptions): void {
  if (!options.tty) return;
  if (options.detach) {
    throw new ExitCodeError("Cannot use --tty with --detach: mydocker does not support it yet");
  }
  if (options.interactive && !Deno.stdin.isTerminal()) {
    throw new ExitCodeError("the input device is not a TTY");
  }
}
