/**
 * `mydocker save` and `mydocker load`.
 *
 * @module
 */

import { archiveOutput } from "./archive_output.ts";
import { loadImageArchive, saveImageArchive } from "../engine/image_archive.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** `mydocker save [-o FILE] IMAGE...`: a docker-archive on stdout or in FILE. */
export async function saveCommand(
  root: string,
  images: string[],
  output: string | undefined,
): Promise<number> {
  const out = await archiveOutput(output);
  await saveImageArchive(root, images, out);
  return 0;
}

/** `mydocker load [-i FILE] [-q]`: images from a docker-archive or OCI layout tar. */
export async function loadCommand(
  root: string,
  input: string | undefined,
  quiet: boolean,
): Promise<number> {
  if (input === undefined && Deno.stdin.isTerminal()) {
    throw new ExitCodeError(
      "requested load from stdin, but stdin is empty. Use the -i flag or redirect",
    );
  }
  const archive = input === undefined ? Deno.stdin.readable : (await Deno.open(input)).readable;
  const lines = await loadImageArchive(root, archive);
  if (!quiet) { for (const line of lines) console.log(line); }
  return 0;
}
