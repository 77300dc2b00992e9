/**
 * The stored images as `images` and `rmi` see them. Containers are garbage-collection roots, as
 * containerd's leases are: the last name of an image a container (running or kept) was made
 * from cannot be removed, since its layers would be collected from under it.
 *
 * @module
 */

import { parseReference } from "../registry/format/reference.ts";
import { ImageStore, type ImageSummary } from "../registry/store.ts";
import { listContainers } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** The images stored under `root`. */
export async function listImages(root: string): Promise<ImageSummary[]> {
  return await new ImageStore(root).listImages();
}

/** Refuses to remove the last name of an image a container was made from, as Docker does. */
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

/**
 * `rmi`: removes the image name `image` from the store under `root`; layers no other image uses
 * are collected.
 *
 * @throws {ExitCodeError} (125) when a container uses the image and this is its last name; the
 * store's errors for a bad or unknown name.
 */
export async function removeImage(root: string, image: string): Promise<void> {
  const store = new ImageStore(root);
  const ref = parseReference(image);
  await checkNotInUse(root, store, image);
  await store.removeImage(ref);
}
