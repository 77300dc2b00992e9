/**
 * `save` and `load`: the store's images to and from archives that Docker and podman read and
 * write, under the store's shared lock (they only add, as a pull does).
 *
 * @module
 */

import { loadImages, saveImages } from "../registry/archive/docker_archive.ts";
import { ImageStore } from "../registry/store.ts";

/** Writes the images `names` under `root` to `out` as a docker-archive. */
export async function saveImageArchive(
  root: string,
  names: readonly string[],
  out: WritableStream<Uint8Array>,
): Promise<void> {
  const store = new ImageStore(root);
  await store.withLock("shared", () => saveImages(store, names, out));
}

/** Stores the images of `archive` under `root`; returns `docker load`'s lines. */
export async function loadImageArchive(
  root: string,
  archive: ReadableStream<Uint8Array>,
): Promise<string[]> {
  const store = new ImageStore(root);
  return await store.withLock("shared", () => loadImages(store, archive));
}
