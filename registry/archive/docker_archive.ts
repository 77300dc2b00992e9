/**
 * Images as archives that move between Docker, podman and mydocker: `save` writes the
 * docker-archive format (`manifest.json` naming each image's config and uncompressed layer tars,
 * kept under `blobs/sha256/`) and, over the same blobs, an OCI image layout (`index.json`, each
 * image's manifest, `oci-layout`), as Docker 25 lays them out, so that tools that read either
 * (`docker load`, `podman load`, `podman pull oci-archive:`, skopeo) read it; `load` reads both.
 * Layers are stored unpacked, so `save` packs them again: the tars' digests differ from the
 * pulled ones, and the saved config lists the new DiffIDs (its image id differs from the stored
 * one, as an image rebuilt from the same files would).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { chainIds } from "../format/chain_id.ts";
import { sha256Digest } from "../format/digest.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_TAR, OCI_MANIFEST } from "../format/media_types.ts";
import { formatReference, parseReference } from "../format/reference.ts";
import { decompress } from "../pull/decompress.ts";
import { digestVerifier } from "../pull/digest_stream.ts";
import { unpackLayer } from "../pull/unpack_layer.ts";
import { ImageNotFoundError, type ImageStore } from "../store.ts";
import { packTree } from "./pack_tree.ts";

/** One entry of a docker-archive's `manifest.json`. */
interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const encoder = new TextEncoder();

/** A blob written into the archive: its digest, size and path relative to the archive. */
interface WrittenBlob {
  digest: string;
  size: number;
  path: string;
}

/** Writes `bytes` as `dir/blobs/sha256/<hex>`. */
async function writeBlob(dir: string, bytes: Uint8Array): Promise<WrittenBlob> {
  const digest = await sha256Digest(bytes);
  const path = `blobs/sha256/${digest.slice(7)}`;
  await Deno.writeFile(`${dir}/${path}`, bytes);
  return { digest, size: bytes.length, path };
}

/** Packs the layer directory `layer` into `dir/blobs/sha256/` (its digest is its DiffID). */
async function writeLayer(dir: string, layer: string): Promise<WrittenBlob> {
  const temp = `${dir}/layer.tmp`;
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true });
  const hashing = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      size += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const written = hashing.readable.pipeTo(file.writable);
  await packTree([{ path: layer, name: "." }], hashing.writable, { layer: true });
  await written;
  const hex = hash.digest("hex");
  const path = `blobs/sha256/${hex}`;
  await Deno.rename(temp, `${dir}/${path}`);
  return { digest: `sha256:${hex}`, size, path };
}

/** A blob's digest and size, as a descriptor names them. */
type BlobOf = Pick<WrittenBlob, "digest" | "size">;

/** The bytes of the OCI image manifest of `config` and `layers` (uncompressed layer tars). */
function ociManifest(config: BlobOf, layers: readonly BlobOf[]): Uint8Array {
  return encoder.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.size, digest: config.digest },
    layers: layers.map(({ size, digest }) => ({ mediaType: OCI_LAYER_TAR, size, digest })),
  }));
}

/**
 * Writes the images `names` of `store` to `out` as one docker-archive (`docker save`'s format).
 *
 * @throws {ImageNotFoundError} `No such image: x`.
 */
export async function saveImages(
  store: ImageStore,
  names: readonly string[],
  out: WritableStream<Uint8Array>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-save-" });
  try {
    await Deno.mkdir(`${dir}/blobs/sha256`, { recursive: true });
    const entries: ArchiveManifestEntry[] = [];
    const manifests: Record<string, unknown>[] = [];
    for (const name of names) {
      const ref = parseReference(name);
      const image = await store.getImage(ref);
      if (image === undefined) throw new ImageNotFoundError(name);
      const layers = [];
      for (const layer of [...image.layers].reverse()) layers.push(await writeLayer(dir, layer));
      const config = JSON.parse(new TextDecoder().decode(await store.readBlob(image.id)));
      config.rootfs = { type: "layers", diff_ids: layers.map((l) => l.digest) };
      const configBlob = await writeBlob(dir, encoder.encode(JSON.stringify(config)));
      const tagged = ref.tag === undefined
        ? undefined
        : formatReference({ ...ref, digest: undefined });
      entries.push({
        Config: configBlob.path,
        RepoTags: tagged === undefined ? [] : [tagged.replace(/^docker\.io\/(library\/)?/, "")],
        Layers: layers.map((l) => l.path),
      });
      const manifestBlob = await writeBlob(dir, ociManifest(configBlob, layers));
      manifests.push({
        mediaType: OCI_MANIFEST,
        size: manifestBlob.size,
        digest: manifestBlob.digest,
        ...(tagged === undefined ? {} : {
          annotations: {
            "io.containerd.image.name": tagged,
            "org.opencontainers.image.ref.name": ref.tag,
          },
        }),
      });
    }
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(entries));
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests };
    await Deno.writeTextFile(`${dir}/index.json`, JSON.stringify(index));
    await Deno.writeTextFile(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await packTree([{ path: dir, name: "." }], out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One image found in an archive: its config, its layer files bottom first, its names. */
interface ArchivedImage {
  config: Uint8Array;
  layers: string[];
  names: string[];
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** The images of an unpacked archive at `dir`: docker-archive, else OCI image layout. */
async function archivedImages(dir: string): Promise<ArchivedImage[]> {
  const inside = (path: string) => `${dir}/${path.replace(/^\/+/, "")}`;
  try {
    const entries = await readJson(`${dir}/manifest.json`) as ArchiveManifestEntry[];
    return await Promise.all(entries.map(async (entry) => ({
      config: await Deno.readFile(inside(entry.Config)),
      layers: entry.Layers.map(inside),
      names: entry.RepoTags ?? [],
    })));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const blob = (digest: string) => inside(`blobs/sha256/${digest.replace(/^sha256:/, "")}`);
  type Index = { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const index = await readJson(`${dir}/index.json`) as Index;
  return await Promise.all(index.manifests.map(async (descriptor) => {
    type Manifest = { config: { digest: string }; layers: { digest: string }[] };
    const manifest = await readJson(blob(descriptor.digest)) as Manifest;
    const name = descriptor.annotations?.["io.containerd.image.name"] ??
      descriptor.annotations?.["org.opencontainers.image.ref.name"];
    return {
      config: await Deno.readFile(blob(manifest.config.digest)),
      layers: manifest.layers.map((layer) => blob(layer.digest)),
      names: name === undefined || !name.includes(":") ? [] : [name],
    };
  }));
}

/**
 * Stores the images of the archive `archive` (docker-archive or OCI layout, layers compressed or
 * not) in `store`; returns what `docker load` prints for each: `Loaded image: NAME` lines, or
 * `Loaded image ID: sha256:…` for an unnamed image.
 *
 * @throws a {@linkcode DigestMismatchError} when a layer does not match its config's DiffID.
 */
export async function loadImages(
  store: ImageStore,
  archive: ReadableStream<Uint8Array>,
): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-load-" });
  try {
    await unpackLayer(archive, dir, { layer: "archive" });
    const loaded: string[] = [];
    for (const image of await archivedImages(dir)) {
      const config = JSON.parse(new TextDecoder().decode(image.config));
      const diffIds: string[] = config.rootfs.diff_ids;
      const chains = await chainIds(diffIds);
      const layers: BlobOf[] = [];
      for (const [index, path] of image.layers.entries()) {
        layers.push({ size: (await Deno.stat(path)).size, digest: diffIds[index]! });
        if (await store.hasLayer(chains[index]!)) continue;
        const temp = await store.makeLayerTempDir();
        const tar = (await decompress((await Deno.open(path)).readable))
          .pipeThrough(digestVerifier(diffIds[index]!));
        const { bytes } = await unpackLayer(tar, `${temp}/diff`, { layer: diffIds[index]! });
        await store.commitLayer(temp, chains[index]!, bytes);
      }
      const configDigest = await sha256Digest(image.config);
      await store.putBlob(configDigest, image.config);
      const manifest = ociManifest({ size: image.config.length, digest: configDigest }, layers);
      const manifestDigest = await sha256Digest(manifest);
      await store.putBlob(manifestDigest, manifest);
      for (const name of image.names) {
        await store.setTag(parseReference(name), manifestDigest);
        loaded.push(`Loaded image: ${name}`);
      }
      if (image.names.length === 0) loaded.push(`Loaded image ID: ${configDigest}`);
    }
    return loaded;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
