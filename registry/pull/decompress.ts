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
function createDecompressor(compression: LayerCompression): Transform | null {
  if (compression === "none") return null;
  return compression === "gzip"
    ? createGunzip({ chunkSize: CHUNK_BYTES })
    : createZstdDecompress({ chunkSize: CHUNK_BYTES });
}

/** A corrupt or truncated compressed stream. */
export class DecompressError extends Error {
  override name = "DecompressError";
}

/** The native handle under a `node:zlib` codec (as in Node's own `lib/zlib.js`). */
interface CodecHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
  onerror: (message: string, errno: number) => void;
}

/** The internals of a `node:zlib` codec an {@linkcode Inflater} drives. */
interface CodecInternals {
  _handle: CodecHandle;
  /** After each write: output bytes left free, input bytes left unread. */
  _writeState: Uint32Array;
  _defaultFlushFlag: number;
  _finishFlushFlag: number;
}

/**
 * A synchronous decompressor that writes into one reused buffer, so a layer's hundreds of
 * megabytes make no garbage: the codec's `Transform` allocates a new output buffer for every
 * 256 KiB, and an isolate lets dead buffers pile up to tens of megabytes before it collects
 * them. It drives the codec's native handle as `node:zlib` itself does (`writeSync` and the
 * write state); same codec, same errors.
 */
export class Inflater {
  readonly #codec: Transform;
  readonly #internals: CodecInternals;
  readonly #output = new Uint8Array(CHUNK_BYTES);
  #error: DecompressError | undefined;

  /** Builds the decompressor for `compression` (gzip, several members too, or zstd). */
  constructor(compression: "gzip" | "zstd") {
    this.#codec = createDecompressor(compression)!;
    const internals = this.#codec as unknown as Partial<CodecInternals>;
    if (typeof internals._handle?.writeSync !== "function" || !internals._writeState) {
      throw new Error("node:zlib of this Deno has no synchronous codec handle");
    }
    this.#internals = internals as CodecInternals;
    this.#internals._handle.onerror = (message) => this.#error ??= new DecompressError(message);
  }

  /**
   * Decompresses `input`; `output` gets each piece decompressed, a view of the reused buffer
   * that is only valid until it returns. Throws {@linkcode DecompressError} on corrupt input.
   */
  write(input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    this.#run(this.#internals._defaultFlushFlag, input, output);
  }

  /** Ends the input, putting out what is left; throws {@linkcode DecompressError} when truncated. */
  end(output: (bytes: Uint8Array) => void): void {
    this.#run(this.#internals._finishFlushFlag, new Uint8Array(0), output);
    this.close();
  }

  /** Releases the codec. */
  close(): void {
    this.#codec.destroy();
  }

  #run(flush: number, input: Uint8Array, output: (bytes: Uint8Array) => void): void {
    const { _handle: handle, _writeState: state } = this.#internals;
    const buffer = this.#output;
    let offset = 0;
    let left = input.length;
    for (;;) {
      handle.writeSync(flush, input, offset, left, buffer, 0, buffer.length);
      if (this.#error !== undefined) throw this.#error;
      const free = state[0]!;
      const unread = state[1]!;
      if (free < buffer.length) output(buffer.subarray(0, buffer.length - free));
      offset += left - unread;
      left = unread;
      // A full output buffer means the codec has more to put out.
      if (free !== 0) return;
    }
  }
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
