/**
 * Where `save` and `export` write their tar: the file of `-o`, else stdout, never a terminal
 * (Docker's refusal, in its words).
 *
 * @module
 */

import { ExitCodeError } from "../sys/exit_codes.ts";

/**
 * The stream to write an archive to: file `output` (created or truncated), else stdout.
 *
 * @throws {ExitCodeError} (125) when that would be a terminal.
 */
export async function archiveOutput(
  output: string | undefined,
): Promise<WritableStream<Uint8Array>> {
  if (output !== undefined) {
    return (await Deno.open(output, { write: true, create: true, truncate: true })).writable;
  }
  if (Deno.stdout.isTerminal()) {
    throw new ExitCodeError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  }
  return Deno.stdout.writable;
}
