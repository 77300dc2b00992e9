/**
 * How much disk a container takes, as `ps -s` shows it: its writable layer, and that plus its
 * image ("virtual").
 *
 * @module
 */

import { containerDir } from "../runtime/state/container_dir.ts";
import { listImages } from "./images.ts";

/** A container's sizes in bytes. */
export interface ContainerSize {
  /** Its writable layer. */
  rw: number;
  /** Its writable layer plus its image. */
  rootFs: number;
}

/** The bytes of the regular files under `path` (0 when it is gone). */
function treeSize(path: string): number {
  let total = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(path)];
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory) total += treeSize(child);
    else if (entry.isFile) {
      try {
        total += Deno.lstatSync(child).size;
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return total;
}

/** The sizes of the containers `containers` (id and image id) of `root`, by id. */
export async function containerSizes(
  root: string,
  containers: readonly { id: string; imageId: string | undefined }[],
): Promise<Map<string, ContainerSize>> {
  const imageSizes = new Map((await listImages(root)).map((image) => [image.id, image.size]));
  return new Map(containers.map(({ id, imageId }) => {
    const rw = treeSize(containerDir(root, id).upperDir);
    return [id, { rw, rootFs: rw + (imageId === undefined ? 0 : imageSizes.get(imageId) ?? 0) }];
  }));
}
