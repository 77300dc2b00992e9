/**
 * Pulls an image into the local store: resolves the reference to a platform manifest, fetches the
 * config, then downloads the missing layers a few at a time, each one streamed through its
 * compressed-digest check, the decompressor and its DiffID check straight into the unpacker (no
 * temporary tarball). A layer enters the store only once both digests match; on any failure
 * nothing partial becomes visible.
 *
 * @module
 */

import { blobChunks, type BlobFetcher, openBlobStream } from "./blob_stream.ts";
import { type FetchedManifest, MAX_MANIFEST_BYTES } from "../distribution/client.ts";
import { DEFAULT_MAX_CONCURRENT_DOWNLOADS } from "../distribution/registry_config.ts";
import { digestVerifier } from "./digest_stream.ts";
import { chainIds } from "../format/chain_id.ts";
import {
  type Descriptor,
  type ImageManifest,
  parseImageConfig,
  parseManifest,
} from "../format/manifest.ts";
import { hostPlatform, type Platform, selectManifest } from "../format/platform.ts";
import { familiarName, type ImageReference } from "../format/reference.ts";
import type { ImageStore } from "../store.ts";
import { LayerWorkers } from "./layer_worker.ts";

/**
 * Layers streamed at once at most, whatever `maxConcurrentDownloads` says: one per core. Each
 * layer's worker (gunzip, SHA-256, file writes) keeps a core busy when the network is fast, and
 * costs about 20 MiB, so a third one on two cores adds memory and no speed.
 */
const UNPACKERS = Math.max(1, navigator.hardwareConcurrency);

/** Where a layer is in the pull. */
export type LayerStatus = "waiting" | "downloading" | "extracting" | "done" | "exists";

/** A progress report of {@linkcode pullImage}. */
export type PullEvent =
  | {
    type: "resolved";
    /** The digest the reference resolved to (the index's, for a multi-platform image). */
    digest: string;
    /** The compressed digests of the image's layers, bottom first, each once. */
    layers: string[];
  }
  | {
    type: "layer";
    /** The layer's compressed digest. */
    layer: string;
    status: LayerStatus;
    /** Bytes downloaded so far. */
    current: number;
    /** The layer's compressed size. */
    total: number;
  };

/** The registry operations a pull needs (a `RegistryClient` has them). */
export interface PullSource extends BlobFetcher {
  /** Fetches a manifest or index by tag or digest, digest-verified. */
  getManifest(repository: string, reference: string): Promise<FetchedManifest>;
}

/** Options of {@linkcode pullImage}. */
export interface PullOptions {
  /** The platform to pick from a multi-platform image (default: the host's). */
  platform?: Platform;
  /** How many layers to download at once (default {@linkcode DEFAULT_MAX_CONCURRENT_DOWNLOADS}). */
  maxConcurrentDownloads?: number;
  /** Receives progress events. */
  onEvent?: (event: PullEvent) => void;
  /** Aborts the pull. */
  signal?: AbortSignal;
}

/** What {@linkcode pullImage} pulled. */
export interface PullResult {
  /** The digest the reference resolved to (the index's, for a multi-platform image). */
  digest: string;
  /** The digest of the platform's image manifest. */
  manifestDigest: string;
  /** The image id: the config digest. */
  id: string;
  /** False when the store already had every part of the image. */
  downloaded: boolean;
}

/** A pull that failed; `cause` holds the underlying error. */
export class PullError extends Error {
  /** Builds the error for image `name` failing because of `cause`. */
  constructor(name: string, cause: unknown) {
    super(`Cannot pull "${name}": ${cause instanceof Error ? cause.message : cause}`, {
      cause,
    });
    this.name = "PullError";
  }
}

/**
 * Pulls `ref` from `source` into `store`, and names it `ref` there. First removes temporary
 * files left by interrupted pulls.
 * @throws {PullError} wrapping the registry, platform, digest or unpack error that stopped it.
 */
export async function pullImage(
  source: PullSource,
  store: ImageStore,
  ref: ImageReference,
  options: PullOptions = {},
): Promise<PullResult> {
  await store.cleanStale();
  try {
    return await store.withLock("shared", () => pullLocked(source, store, ref, options));
  } catch (error) {
    throw new PullError(familiarName(ref), error);
  }
}

async function pullLocked(
  source: PullSource,
  store: ImageStore,
  ref: ImageReference,
  options: PullOptions,
): Promise<PullResult> {
  const emit = options.onEvent ?? (() => {});
  const { repository } = ref;
  const top = await source.getManifest(repository, ref.digest ?? ref.tag ?? "latest");
  const { manifest, digest: manifestDigest, bytes } = await platformManifest(
    source,
    repository,
    top,
    options.platform ?? hostPlatform(),
  );
  emit({
    type: "resolved",
    digest: top.digest,
    layers: [...new Set(manifest.layers.map((l) => l.digest))],
  });

  const unpackers = Math.min(
    options.maxConcurrentDownloads ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS,
    UNPACKERS,
  );
  // A manifest the store lacks is a new image: its workers start now, while its config downloads.
  using workers = new LayerWorkers((await store.hasBlob(manifestDigest)) ? 0 : unpackers);
  const configDigest = manifest.config.digest;
  const configBytes = (await store.hasBlob(configDigest))
    ? await store.readBlob(configDigest)
    : await fetchSmallBlob(source, repository, manifest.config, options.signal);
  const config = parseImageConfig(configBytes);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new Error(
      `manifest ${manifestDigest} has ${manifest.layers.length} layers but its config lists ${diffIds.length}`,
    );
  }

  const missing = await missingLayers(store, manifest.layers, diffIds);
  for (const layer of new Map(manifest.layers.map((l) => [l.digest, l])).values()) {
    const status = missing.has(layer.digest) ? "waiting" : "exists";
    emit({ type: "layer", layer: layer.digest, status, current: 0, total: layer.size });
  }
  // Largest first: the layers share the cores best when the longest one does not start last.
  await runPool(
    [...missing.values()].sort((a, b) => b.layer.size - a.layer.size),
    unpackers,
    options.signal,
    (download, signal) => pullLayer(source, store, repository, download, workers, emit, signal),
  );

  const downloaded = missing.size > 0 || !(await store.hasBlob(manifestDigest));
  await store.putBlob(configDigest, configBytes);
  await store.putBlob(manifestDigest, bytes);
  await store.setTag(ref, manifestDigest);
  return { digest: top.digest, manifestDigest, id: configDigest, downloaded };
}

/** Returns the image manifest for `platform`: `top` itself, or the index entry for it. */
async function platformManifest(
  source: PullSource,
  repository: string,
  top: FetchedManifest,
  platform: Platform,
): Promise<{ manifest: ImageManifest; digest: string; bytes: Uint8Array }> {
  let fetched = top;
  let document = parseManifest(top.bytes, top.mediaType);
  if (document.kind === "index") {
    const entry = selectManifest(document.index, platform);
    fetched = await source.getManifest(repository, entry.digest);
    document = parseManifest(fetched.bytes, fetched.mediaType);
    if (document.kind !== "manifest") {
      throw new Error(`index entry ${entry.digest} is itself an index`);
    }
  }
  return { manifest: document.manifest, digest: fetched.digest, bytes: fetched.bytes };
}

/**
 * Downloads a config whole, verifying its digest; one larger than {@linkcode MAX_MANIFEST_BYTES}
 * is refused before anything is read, and the download stops at its descriptor's size.
 */
async function fetchSmallBlob(
  source: PullSource,
  repository: string,
  descriptor: Descriptor,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  if (descriptor.size > MAX_MANIFEST_BYTES) {
    throw new Error(
      `config ${descriptor.digest} is larger than ${MAX_MANIFEST_BYTES} bytes (${descriptor.size})`,
    );
  }
  const stream = openBlobStream(source, repository, descriptor.digest, {
    size: descriptor.size,
    ...(signal === undefined ? {} : { signal }),
  }).pipeThrough(digestVerifier(descriptor.digest));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** One blob to download and the positions (DiffID and ChainID) it is unpacked at. */
interface LayerDownload {
  layer: Descriptor;
  targets: { diffId: string; chainId: string }[];
}

/**
 * The layers the store lacks, by compressed digest: each missing position is keyed by its
 * ChainID, and a blob listed at several missing positions is downloaded once for all of them.
 */
async function missingLayers(
  store: ImageStore,
  layers: readonly Descriptor[],
  diffIds: readonly string[],
): Promise<Map<string, LayerDownload>> {
  const missing = new Map<string, LayerDownload>();
  for (const [index, chainId] of (await chainIds(diffIds)).entries()) {
    if (await store.hasLayer(chainId)) continue;
    const layer = layers[index]!;
    const download = missing.get(layer.digest) ?? { layer, targets: [] };
    download.targets.push({ diffId: diffIds[index]!, chainId });
    missing.set(layer.digest, download);
  }
  return missing;
}

/**
 * Downloads one blob and unpacks it (on a worker per position it fills; both digests are
 * checked on the way) into temporary directories, then commits each under its ChainID.
 */
async function pullLayer(
  source: PullSource,
  store: ImageStore,
  repository: string,
  { layer, targets }: LayerDownload,
  workers: LayerWorkers,
  emit: (event: PullEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const report = (status: LayerStatus, current: number) =>
    emit({ type: "layer", layer: layer.digest, status, current, total: layer.size });
  const tempDirs: string[] = [];
  try {
    for (const _ of targets) tempDirs.push(await store.makeLayerTempDir());
    report("downloading", 0);
    // One target: the worker gives each chunk's buffer back to be filled again.
    const spares = targets.length === 1 ? [] : undefined;
    const compressed = blobChunks(source, repository, layer.digest, {
      size: layer.size,
      signal,
      onProgress: (bytes) => report(bytes >= layer.size ? "extracting" : "downloading", bytes),
      ...(spares === undefined ? {} : { spares }),
    });
    const inputs = spares !== undefined
      ? [compressed]
      : teeInto(ReadableStream.from(compressed), targets.length);
    const sizes = await Promise.all(
      inputs.map((input, index) =>
        workers.unpack(
          input,
          `${tempDirs[index]}/diff`,
          targets[index]!.diffId,
          layer.digest,
          spares,
        )
      ),
    );
    for (const [index, { chainId }] of targets.entries()) {
      await store.commitLayer(tempDirs[index]!, chainId, sizes[index]!);
    }
    report("done", layer.size);
  } catch (error) {
    for (const dir of tempDirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/**
 * Splits `stream` into `count` (two or more) streams of the same bytes. Each branch gets its own
 * copy of every chunk, since the unpacker transfers (detaches) the chunks it sends.
 */
function teeInto(
  stream: ReadableStream<Uint8Array>,
  count: number,
): ReadableStream<Uint8Array>[] {
  const streams = [stream];
  while (streams.length < count) streams.push(...streams.pop()!.tee());
  return streams.map((branch) =>
    branch.pipeThrough(
      new TransformStream({ transform: (chunk, out) => out.enqueue(chunk.slice()) }),
    )
  );
}

/**
 * Runs `work` on every item, at most `limit` at a time. On the first failure, aborts the signal
 * given to the others, waits for them all to settle, then throws that failure.
 */
async function runPool<T>(
  items: T[],
  limit: number,
  outer: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const signal = outer === undefined
    ? controller.signal
    : AbortSignal.any([outer, controller.signal]);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && !signal.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item, signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  signal.throwIfAborted();
}
