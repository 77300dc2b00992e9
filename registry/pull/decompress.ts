/**
 * Decompresses a layer stream whatever its compression: gzip, zstd or none, told apart by the
 * magic bytes rather than the media type (registries mislabel layers).
 *
 * Both codecs come from `node:zlib`, whose gunzip measured about 1.8x faster than
 * `DecompressionStream("gzip")` on a 200 MB layer.
 *
 * @module
 */

import { Duplex, type Transform } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import type { LayerCompression } from "../format/media_types.ts";

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Output chunk size: larger chunks mean fewer hops between decompressor and tar parser. */
const CHUNK_BYTES = 256 * 1024;

/** Tells the compression of a stream from its first bytes. */
export function sniffCompression(head: Uint8Array): LayerCompression {
  const startsWith = (magic: number[]) => magic.every((byte, index) => head[index] === byte);
  if (startsWith(GZIP_MAGIC)) return "gzip";
  if (startsWith(ZSTD_MAGIC)) return "zstd";
  return "none";
}

/** A `node:zlib` codec for `compression`, or null for an uncompressed stream. */
export function createDecompressor(compression: LayerCompression): Transform | null {
  if (compression === "none") return null;
  return compression === "gzip"
    ? createGunzip({ chunkSize: CHUNK_BYTES })
    : createZstdDecompress({ chunkSize: CHUNK_BYTES });
}

/**
 * Returns the decompressed bytes of `input`, sniffing its compression from the first bytes (read
 * before this resolves). A corrupt stream makes the returned stream error with the codec's message.
 */
export async function decompress(
  input: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = input.getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < ZSTD_MAGIC.length) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    head.push(value);
    headBytes += value.length;
  }
  const replay = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
      if (ended) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const magic = new Uint8Array(ZSTD_MAGIC.length);
  let offset = 0;
  for (const chunk of head) {
    magic.set(chunk.subarray(0, magic.length - offset), offset);
    offset += Math.min(chunk.length, magic.length - offset);
  }
  const codec = createDecompressor(sniffCompression(magic.subarray(0, offset)));
  if (codec === null) return replay;
  return replay.pipeThrough(Duplex.toWeb(codec) as TransformStream<Uint8Array, Uint8Array>);
}
