/**
 * A blob download as one continuous stream that survives dropped connections: it resumes with an
 * HTTP Range request from the byte reached, or, when the registry ignores Range, downloads again
 * from the start and skips what was already delivered. Either way the consumer (digest check,
 * decompressor, unpacker) sees each byte once and in order.
 *
 * @module
 */

import type { FetchedBlob } from "../distribution/client.ts";
import { isRetryableStatus, RegistryError } from "../distribution/registry_error.ts";

/** Bytes in each chunk {@linkcode blobChunks} yields (the last one may be shorter). */
const CHUNK_BYTES = 256 * 1024;
/** The buffer a body is read into, more than a TLS record or a plain-HTTP read brings. */
const READ_BYTES = 64 * 1024;

/** Where blobs come from: the part of `RegistryClient` a download needs. */
export interface BlobFetcher {
  /**
   * Starts downloading `digest` from `offset`; see `RegistryClient.getBlob`. The body is a byte
   * stream (`type: "bytes"`), read with BYOB reads.
   */
  getBlob(
    repository: string,
    digest: string,
    options?: { offset?: number; signal?: AbortSignal },
  ): Promise<FetchedBlob>;
}

/** Options of {@linkcode openBlobStream}. */
export interface BlobStreamOptions {
  /** The blob's size from its descriptor: a body ending before it counts as a dropped connection. */
  size: number;
  /** Aborts the download. */
  signal?: AbortSignal;
  /** Called with the number of bytes delivered so far, after each chunk. */
  onProgress?: (bytes: number) => void;
  /** Reconnections allowed after a network failure (default 5). */
  retries?: number;
  /** Delay before the first reconnection in ms, doubling each time (default 200). */
  retryDelay?: number;
  /**
   * Buffers of {@linkcode CHUNK_BYTES} to fill before allocating new ones: the consumer pushes
   * each chunk's buffer here once it is done with it, so a download reuses a few buffers.
   */
  spares?: ArrayBuffer[];
}

/** A blob's body went on past the size its descriptor gives. */
export class BlobTooLargeError extends Error {
  override name = "BlobTooLargeError";
}

/** Tells whether `error` is worth reconnecting for: no HTTP answer, or a 5xx / 429 one. */
function isTransient(error: unknown): boolean {
  if (error instanceof BlobTooLargeError) return false;
  if (error instanceof RegistryError) {
    return error.httpStatus === undefined || isRetryableStatus(error.httpStatus);
  }
  return !(error instanceof DOMException && error.name === "AbortError");
}

/**
 * Returns the bytes of blob `digest` of `repository` as one stream, reconnecting after network
 * failures; see {@linkcode blobChunks}.
 */
export function openBlobStream(
  fetcher: BlobFetcher,
  repository: string,
  digest: string,
  options: BlobStreamOptions,
): ReadableStream<Uint8Array> {
  return ReadableStream.from(blobChunks(fetcher, repository, digest, options));
}

/**
 * Yields the bytes of blob `digest` of `repository` in order, each once, reconnecting after
 * network failures. Each chunk is a buffer of its own of {@linkcode CHUNK_BYTES} (the last one
 * shorter): the body is read with BYOB reads into one reused buffer and copied into the chunks,
 * since a TLS body comes in 16 KiB records, and a buffer per record (and a hop per record further
 * on) cost more than the bytes' processing. Throws when retries run out, on a non-transient
 * registry error, or as soon as the body passes `options.size` (nothing past it is used). The
 * caller verifies the digest. Ending the iteration early cancels the download.
 */
export async function* blobChunks(
  fetcher: BlobFetcher,
  repository: string,
  digest: string,
  options: BlobStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const retries = options.retries ?? 5;
  const retryDelay = options.retryDelay ?? 200;
  let reader: ReadableStreamBYOBReader | undefined;
  let scratch = new ArrayBuffer(READ_BYTES);
  /** Bytes copied into chunks so far. */
  let delivered = 0;
  let skip = 0;
  let failures = 0;
  const nextChunk = () => {
    const length = Math.min(CHUNK_BYTES, options.size - delivered);
    const spare = options.spares?.pop();
    return spare === undefined ? new Uint8Array(length) : new Uint8Array(spare, 0, length);
  };
  let chunk = nextChunk();
  let filled = 0;
  try {
    for (;;) {
      let bytes: Uint8Array;
      try {
        if (reader === undefined) {
          const blob = await fetcher.getBlob(repository, digest, {
            offset: delivered,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
          reader = blob.body.getReader({ mode: "byob" });
          skip = delivered - blob.offset;
        }
        const { done, value } = await reader.read(new Uint8Array(scratch));
        if (value !== undefined) scratch = value.buffer as ArrayBuffer;
        if (done) {
          reader = undefined;
          if (delivered < options.size) {
            throw new RegistryError(
              `blob ${digest} ended after ${delivered} of ${options.size} bytes`,
              undefined,
            );
          }
          break;
        }
        bytes = skip > 0 ? value.subarray(Math.min(skip, value.length)) : value;
        skip -= value.length - bytes.length;
        if (delivered + bytes.length > options.size) {
          throw new BlobTooLargeError(
            `blob ${digest} is larger than the ${options.size} bytes its descriptor gives`,
          );
        }
      } catch (error) {
        reader?.cancel().catch(() => {});
        reader = undefined;
        // A failed read keeps the buffer it was given.
        if (scratch.detached) scratch = new ArrayBuffer(READ_BYTES);
        if (options.signal?.aborted || !isTransient(error) || failures >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelay * 2 ** failures));
        failures++;
        continue;
      }
      failures = 0;
      while (bytes.length > 0) {
        const length = Math.min(bytes.length, chunk.length - filled);
        chunk.set(bytes.subarray(0, length), filled);
        bytes = bytes.subarray(length);
        filled += length;
        delivered += length;
        if (filled === chunk.length) {
          options.onProgress?.(delivered);
          yield chunk;
          chunk = nextChunk();
          filled = 0;
        }
      }
    }
  } finally {
    reader?.cancel().catch(() => {});
  }
}
