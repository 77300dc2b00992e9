/**
 * `mydocker rmi IMAGE...`: removes image names; layers that another image uses stay.
 *
 * @module
 */

import { parseReference } from "../registry/format/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { listContainers } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { reportError } from "./report_error.ts";

/**
 * Refuses to remove the last name of an image a container (running or kept) was made from: its
 * layers would be collected from under it. Docker refuses the same.
 */
async function checkNotInUse(root: string, store: ImageStore, image: string): Promise<void> {
  const stored = await store.getImage(parseReference(image));
  if (stored === undefined) return;
  const user = listContainers(root).find((c) => c.record.imageId === stored.id);
  if (user === undefined) return;
  const names = (await store.listImages()).filter((i) => i.id === stored.id).length;
  if (names > 1) return;
  throw new ExitCodeError(
    `Cannot remove image "${image}": container ${user.record.name} (${
      user.record.id.slice(0, 12)
    }) uses it; remove the container first`,
  );
}

/** Removes each named image, printing `Untagged: NAME` per removal; returns the exit code. */
export async function rmiCommand(root: string, images: readonly string[]): Promise<number> {
  const store = new ImageStore(root);
  let exitCode = 0;
  for (const image of images) {
    try {
      const ref = parseReference(image);
      await checkNotInUse(root, store, image);
      await store.removeImage(ref);
      console.log(`Untagged: ${image}`);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}
