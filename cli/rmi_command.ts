/**
 * `mydocker rmi IMAGE...`: removes image names; layers that another image uses stay.
 *
 * @module
 */

import { removeImage } from "../engine/images.ts";
import { reportError } from "./report_error.ts";

/** Removes each named image, printing `Untagged: NAME` per removal; returns the exit code. */
export async function rmiCommand(root: string, images: readonly string[]): Promise<number> {
  let exitCode = 0;
  for (const image of images) {
    try {
      await removeImage(root, image);
      console.log(`Untagged: ${image}`);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}
