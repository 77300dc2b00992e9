/**
 * `mydocker pull IMAGE`: downloads an image into the store, progress on stderr, then prints the
 * full reference pulled on stdout as Docker does (so `$(mydocker pull -q alpine)` is its name).
 *
 * @module
 */

import { pullImage } from "../engine/pull_image.ts";
import { formatReference, parseReference } from "../registry/format/reference.ts";
import { progressOnStderr } from "./pull_output.ts";

/** Pulls `image` into the store at `root`; returns the exit code. */
export async function pullCommand(
  image: string,
  root: string,
  platform: string | undefined,
  quiet: boolean,
): Promise<number> {
  await pullImage(root, image, { platform, observe: progressOnStderr(quiet) });
  console.log(formatReference(parseReference(image)));
  return 0;
}
