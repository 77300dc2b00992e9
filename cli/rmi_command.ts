/**
 * `mydocker rmi IMAGE...`: removes image names; layers that another image uses stay.
 *
 * @module
 */

import { parseReference } from "../registry/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { reportError } from "./report_error.ts";

/** Removes each named image, printing `Untagged: NAME` per removal; returns the exit code. */
export async function rmiCommand(root: string, images: readonly string[]): Promise<number> {
  const store = new ImageStore(root);
  let exitCode = 0;
  for (const image of images) {
    try {
      const ref = parseReference(image);
      await store.removeImage(ref);
      console.log(`Untagged: ${image}`);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}
