/**
 * The worker side of {@linkcode LayerWorkers} (see `layer_worker.ts`): decompresses a layer's
 * bytes as they arrive, verifies its DiffID and unpacks it, on a thread of its own, so that
 * several layers use several cores. A worker unpacks one layer after another.
 *
 * No web streams here: each batch of compressed chunks goes into the codec, and each piece the
 * codec puts out is hashed and unpacked synchronously ({@linkcode LayerUnpacker}), so a layer
 * costs no promise per chunk or per file.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import type { Transform } from "node:stream";
import { DigestMismatchError, parseDigest } from "../format/digest.ts";
import { createDecompressor, sniffCompression } from "./decompress.ts";
import type { ToWorker } from "./layer_worker.ts";
import { LayerUnpacker } from "./unpack_layer.ts";

/** How many batches of chunks may be in flight from the main thread at once. */
const CREDITS = 4;
/** Bytes that tell the compression apart (zstd's magic is the longest). */
const SNIFF_BYTES = 4;

declare const self: {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

/** One layer being unpacked: its codec (once sniffed), hash and unpacker. */
class LayerJob {
  readonly #diffId: string;
  readonly #hex: string;
  readonly #unpacker: LayerUnpacker;
  readonly #hash: Hash = createHash("sha256");
  #size = 0;
  /** The codec; `null` for an uncompressed layer, undefined until the first bytes are seen. */
  #codec: Transform | null | undefined;
  #head: Uint8Array[] = [];
  #headBytes = 0;
  #over = false;

  constructor(dest: string, diffId: string, layer: string) {
    this.#diffId = diffId;
    this.#hex = parseDigest(diffId).hex;
    this.#unpacker = new LayerUnpacker(dest, { layer });
    self.postMessage({ type: "credit", count: CREDITS });
  }

  /** Takes a batch of compressed chunks; gives a credit back once the codec has consumed it. */
  chunks(chunks: Uint8Array[]): void {
    if (this.#over) return;
    if (this.#codec === undefined) {
      this.#head.push(...chunks);
      this.#headBytes += chunks.reduce((sum, chunk) => sum + chunk.length, 0);
      if (this.#headBytes < SNIFF_BYTES) return this.#credit();
      chunks = this.#sniff();
    }
    const codec = this.#codec;
    if (codec === null) {
      for (const chunk of chunks) this.#output(chunk);
      return this.#credit();
    }
    if (chunks.length === 0) return this.#credit();
    chunks.forEach((chunk, index) => {
      codec!.write(chunk, index === chunks.length - 1 ? () => this.#credit() : undefined);
    });
  }

  /** The compressed bytes are all in: ends the codec, then checks and reports. */
  end(): void {
    if (this.#over) return;
    if (this.#codec === undefined) {
      for (const chunk of this.#sniff()) this.#output(chunk);
    }
    const codec = this.#codec;
    if (codec === null || codec === undefined) return this.#finish();
    codec.on("end", () => this.#finish());
    codec.end();
  }

  /** Stops, reporting `error` (an abort from the main thread, or the codec's). */
  fail(error: unknown): void {
    if (this.#over) return;
    this.#over = true;
    this.#codec?.destroy();
    this.#unpacker.abandon();
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    self.postMessage({ type: "error", name, message });
  }

  #credit(): void {
    if (!this.#over) self.postMessage({ type: "credit", count: 1 });
  }

  /** Picks the codec from the first bytes; returns the chunks seen so far, to feed it. */
  #sniff(): Uint8Array[] {
    const head = new Uint8Array(SNIFF_BYTES);
    let offset = 0;
    for (const chunk of this.#head) {
      if (offset === SNIFF_BYTES) break;
      const part = chunk.subarray(0, SNIFF_BYTES - offset);
      head.set(part, offset);
      offset += part.length;
    }
    const codec = createDecompressor(sniffCompression(head.subarray(0, offset)));
    if (codec !== null) {
      codec.on("data", (chunk: Uint8Array) => this.#output(chunk));
      codec.on("error", (error: Error) => this.fail(error));
    }
    this.#codec = codec;
    const chunks = this.#head;
    this.#head = [];
    return chunks;
  }

  #output(chunk: Uint8Array): void {
    if (this.#over) return;
    this.#size += chunk.length;
    this.#hash.update(chunk);
    this.#unpacker.push(chunk);
  }

  #finish(): void {
    if (this.#over) return;
    try {
      const actual = this.#hash.digest("hex");
      if (actual !== this.#hex) throw new DigestMismatchError(this.#diffId, `sha256:${actual}`);
      this.#unpacker.finish();
    } catch (error) {
      return this.fail(error);
    }
    this.#over = true;
    self.postMessage({ type: "done", size: this.#size });
  }
}

let job: LayerJob | undefined;

self.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      try {
        job = new LayerJob(message.dest, message.diffId, message.layer);
      } catch (error) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        self.postMessage({ type: "error", name, message });
      }
      return;
    case "chunks":
      job?.chunks(message.chunks);
      return;
    case "end":
      job?.end();
      return;
    case "abort":
      job?.fail(new Error(message.message));
      return;
  }
};
