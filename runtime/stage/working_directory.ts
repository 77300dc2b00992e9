/**
 * The container's working directory, created inside its root when missing, as Docker creates it.
 *
 * @module
 */

import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/**
 * Creates `path` and its parents unless they exist. Throws an ExitCodeError (125) when it or a
 * parent is not a directory: `Cannot use working directory "/etc/passwd": not a directory`.
 */
export function makeWorkingDirectory(path: string, sys: Sys = realSys): void {
  try {
    sys.mkdir(path);
  } catch (error) {
    // mkdir -p answers EEXIST for a file at `path`, ENOTDIR for a file on the way.
    const notDirectory = error instanceof Deno.errors.AlreadyExists ||
      error instanceof Deno.errors.NotADirectory;
    throw new ExitCodeError(
      `Cannot use working directory "${path}": ${
        notDirectory ? "not a directory" : fsErrorReason(error)
      }`,
    );
  }
}
