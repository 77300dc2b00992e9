/**
 * `mydocker pull IMAGE`: downloads an image into the store.
 *
 * @module
 */

import { parseReference } from "../registry/format/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { pullReference } from "../engine/pull_image.ts";

/** Pulls `image` into the store at `root`; returns the exit code. */
export async function pullCommand(
  image: string,
  root: string,
  platform: string | undefined,
  quiet: boolean,
): Promise<number> {
  const ref = parseReference(image);
  await pullReference(ref, new ImageStore(root), { platform, quiet });
  return 0;
}
