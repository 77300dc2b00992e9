/**
 * How the hidden stages that end by exec'ing a command report failure: one line on stderr and
 * Docker's exit code (the error's own, else 125).
 *
 * @module
 */

import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../../sys/exit_codes.ts";

/**
 * Runs `stage`, which execs a command and never returns; if it throws, prints
 * `mydocker: <prefix><message>` (no prefix for an ExitCodeError, which says it all) and exits.
 */
export function runStage(stage: () => never, prefix: string): never {
  try {
    return stage();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ExitCodeError) {
      console.error(`mydocker: ${message}`);
      Deno.exit(error.exitCode);
    }
    console.error(`mydocker: ${prefix}${message}`);
    Deno.exit(EXIT_MYDOCKER_FAILED);
  }
}
