/**
 * `mydocker tag SOURCE_IMAGE TARGET_IMAGE`.
 *
 * @module
 */

import { tagImage } from "../engine/image_tags.ts";

/** Names the image `source` (a name or id) also `target`; prints nothing, as Docker. */
export async function tagCommand(root: string, source: string, target: string): Promise<number> {
  await tagImage(root, source, target);
  return 0;
}
