/**
 * `mydocker pull IMAGE`: downloads an image into the store.
 *
 * @module
 */

import { pullImage } from "../engine/pull_image.ts";
import { progressOnStderr } from "./pull_output.ts";

/** Pulls `image` into the store at `root`; returns the exit code. */
export async function pullCommand(
  image: string,
  root: string,
  platform: string | undefined,
  quiet: boolean,
): Promise<number> {
  await pullImage(root, image, { platform, observe: progressOnStderr(quiet) });
  return 0;
}
