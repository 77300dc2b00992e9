/**
 * `mydocker save` and `mydocker load`.
 *
 * @module
 */

import { loadImageArchive, saveImageArchive } from "../engine/image_archive.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** `mydocker save [-o FILE] IMAGE...`: a docker-archive on stdout or in FILE. */
export async function saveCommand(
  root: string,
  images: string[],
  output: string | undefined,
): Promise<number> {
  if (output === undefined && Deno.stdout.isTerminal()) {
    throw new ExitCodeError(
      "cowardly refusing to save to a terminal. Use the -o flag or redirect",
    );
  }
  const out = output === undefined
    ? Deno.stdout.writable
    : (await Deno.open(output, { write: true, create: true, truncate: true })).writable;
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
