/**
 * How the hidden stages that end by exec'ing a command get their spec (from a pipe, never the
 * command line) and report failure: one line on stderr and Docker's exit code (the error's own,
 * else 125).
 *
 * @module
 */

import { SPEC_FD, STATUS_FD } from "../spec/stage_args.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../../sys/exit_codes.ts";
import { close, readAll, setCloseOnExec } from "../../sys/fs.ts";

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

/**
 * Reads the stage's spec, JSON from the pipe at {@linkcode SPEC_FD}, and closes the pipe; marks
 * the status pipe at {@linkcode STATUS_FD} close-on-exec, so that mydocker sees its end when the
 * command is exec'd.
 */
export function readStageSpec<T>(): T {
  setCloseOnExec(STATUS_FD);
  try {
    return JSON.parse(new TextDecoder().decode(readAll(SPEC_FD)));
  } finally {
    close(SPEC_FD);
  }
}
