/**
 * `tag`: a new name for a stored image, as `docker tag` gives one.
 *
 * @module
 */

import { parseReference } from "../registry/format/reference.ts";
import { ImageNotFoundError, ImageStore } from "../registry/store.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/**
 * The manifest digest of the image `image` names in `store`: a name, a full image id
 * (`sha256:…`) or a unique prefix of one.
 *
 * @throws {ImageNotFoundError} `No such image: x`.
 */
export async function resolveImage(store: ImageStore, image: string): Promise<string> {
  const id = image.replace(/^sha256:/, "");
  if (/^[0-9a-f]{4,64}$/.test(id)) {
    const digests = new Set(
      (await store.listImages()).filter((i) => i.id.slice(7).startsWith(id)).map((i) => i.digest),
    );
    if (digests.size === 1) return [...digests][0]!;
  }
  const digest = await store.resolveTag(parseReference(image)).catch(() => undefined);
  if (digest === undefined) throw new ImageNotFoundError(image);
  return digest;
}

/**
 * Names the image `source` (a name or id) also `target` in the store under `root`.
 *
 * @throws {ExitCodeError} (125) for a target with a digest; `No such image: x`.
 */
export async function tagImage(root: string, source: string, target: string): Promise<void> {
  const ref = parseReference(target);
  if (ref.digest !== undefined) {
    throw new ExitCodeError("refusing to create a tag with a digest reference");
  }
  const store = new ImageStore(root);
  await store.withLock("shared", async () => {
    await store.setTag(ref, await resolveImage(store, source));
  });
}
