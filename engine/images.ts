/**
 * The stored images as `images` and `rmi` see them. Containers are garbage-collection roots, as
 * containerd's leases are: the last name of an image a container (running or kept) was made
 * from cannot be removed, since its layers would be collected from under it.
 *
 * @module
 */

import { familiarName, parseReference } from "../registry/format/reference.ts";
import { ImageStore, type ImageSummary } from "../registry/store.ts";
import { listContainers } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** The images stored under `root`. */
export async function listImages(root: string): Promise<ImageSummary[]> {
  return await new ImageStore(root).listImages();
}

/** The ids of the images every container (running or kept) under `root` was made from. */
export function containerImageIds(root: string): string[] {
  return listContainers(root).flatMap(({ record }) => record.imageId ?? []);
}

/** Refuses to remove the last name of an image a container was made from, as Docker does. */
async function checkNotInUse(
  root: string,
  store: ImageStore,
  image: string,
  imageId: string,
): Promise<void> {
  const user = listContainers(root).find((c) => c.record.imageId === imageId);
  if (user === undefined) return;
  const names = (await store.listImages()).filter((i) => i.id === imageId).length;
  if (names > 1) return;
  throw new ExitCodeError(
    `Cannot remove image "${image}": container ${user.record.name} (${
      user.record.id.slice(0, 12)
    }) uses it; remove the container first`,
  );
}

/** What `rmi` did to one name: the name untagged, and the image id deleted with its last name. */
export interface RemovedImage {
  untagged: string;
  deleted: string | undefined;
}

/**
 * `rmi`: removes the image name `image` from the store under `root`; layers that no other image,
 * container or `run` in progress uses are collected. The check and the removal happen under the
 * store's exclusive lock, so no `run` can pick the image up in between. With `force`, the last
 * name of an image a container was made from goes too (the container keeps its layers).
 *
 * @throws {ExitCodeError} (125) when a container uses the image, this is its last name and
 * `force` is false; the store's errors for a bad or unknown name.
 */
export async function removeImage(
  root: string,
  image: string,
  force = false,
): Promise<RemovedImage> {
  const store = new ImageStore(root);
  const ref = parseReference(image);
  let imageId: string | undefined;
  await store.removeImage(ref, {
    check: async (id) => {
      imageId = id;
      if (!force) await checkNotInUse(root, store, image, id);
    },
    roots: () => containerImageIds(root),
  });
  const deleted = imageId !== undefined && !(await store.hasBlob(imageId)) ? imageId : undefined;
  return { untagged: familiarName(ref), deleted };
}

/** What `image prune` removed: Docker's `untagged:` and `deleted:` lines, and the bytes freed. */
export interface PrunedImages {
  lines: string[];
  bytes: number;
}

/** The bytes of the layers in `store`. */
async function layerBytes(store: ImageStore): Promise<number> {
  let total = 0;
  for (const size of (await store.layerSizes()).values()) total += size;
  return total;
}

/**
 * `image prune`: removes the images no container was made from that are dangling (no name with a
 * tag: known only by digest) or, with `all`, every such image, then what moved tags left behind.
 */
export async function pruneImages(root: string, all: boolean): Promise<PrunedImages> {
  const store = new ImageStore(root);
  const before = await layerBytes(store);
  const used = new Set(containerImageIds(root));
  const byId = Map.groupBy(await store.names(), (name) => name.imageId);
  const lines: string[] = [];
  const refuseUsed = (imageId: string) => {
    if (containerImageIds(root).includes(imageId)) throw new ExitCodeError("In use");
  };
  for (const [id, names] of byId) {
    if (used.has(id) || (!all && names.some(({ ref }) => ref.digest === undefined))) continue;
    try {
      for (const { ref } of names) {
        await store.removeImage(ref, { check: refuseUsed, roots: () => containerImageIds(root) });
        lines.push(`untagged: ${familiarName(ref)}`);
      }
      lines.push(`deleted: ${id}`);
    } catch (error) {
      if (!(error instanceof ExitCodeError)) throw error;
      // A container was made from it meanwhile: it stays.
    }
  }
  await store.collectGarbage(containerImageIds(root));
  return { lines, bytes: before - await layerBytes(store) };
}
