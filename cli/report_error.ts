/**
 * Turns an error that reached the top of a command into one line on stderr and an exit code.
 *
 * @module
 */

import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../sys/exit_codes.ts";

/** Prints `mydocker: <message>` for `error` and returns the exit code it maps to. */
export function reportError(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`mydocker: ${message}`);
  return error instanceof ExitCodeError ? error.exitCode : EXIT_MYDOCKER_FAILED;
}

/**
 * Runs `action` on each of `names`, reporting each failure as {@linkcode reportError} does;
 * returns the exit code of the last failure, or 0.
 */
export function forEachReported(names: readonly string[], action: (name: string) => void): number {
  let exitCode = 0;
  for (const name of names) {
    try {
      action(name);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}
