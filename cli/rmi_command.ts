/**
 * `mydocker rmi [-f] IMAGE...`: removes image names, printing Docker's `Untagged:` and `Deleted:`
 * lines; layers that another image uses stay.
 *
 * @module
 */

import { removeImage } from "../engine/images.ts";
import { reportError } from "./report_error.ts";

/**
 * Removes each named image (with `force`, even the last name of an image a container was made
 * from), printing `Untagged: NAME` and, when the image went with it, `Deleted: sha256:…`;
 * returns the exit code.
 */
export async function rmiCommand(
  root: string,
  images: readonly string[],
  force: boolean,
): Promise<number> {
  let exitCode = 0;
  for (const image of images) {
    try {
      const { untagged, deleted } = await removeImage(root, image, force);
      console.log(`Untagged: ${untagged}`);
      if (deleted !== undefined) console.log(`Deleted: ${deleted}`);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}
