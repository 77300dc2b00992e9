/**
 * The worker side of {@linkcode LayerWorkers} (see `layer_worker.ts`): decompresses a layer's
 * bytes as they arrive, verifies its DiffID and unpacks it, on a thread of its own, so that
 * several layers use several cores. A worker unpacks one layer after another.
 *
 * Nothing here is asynchronous per chunk: each chunk goes through the decompressor
 * ({@linkcode Inflater}, one reused output buffer), and each piece it puts out is hashed and
 * unpacked ({@linkcode LayerUnpacker}) before the chunk's buffer goes back to the main thread
 * to be filled again. A layer makes no garbage per chunk or per file.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { DigestMismatchError, parseDigest } from "../format/digest.ts";
import { Inflater, sniffCompression } from "./decompress.ts";
import { CREDITS, type FromWorker, type ToWorker } from "./layer_worker.ts";
import { LayerUnpacker } from "./unpack_layer.ts";

/** Bytes that tell the compression apart (zstd's magic is the longest). */
const SNIFF_BYTES = 4;

declare const self: {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

/** One layer being unpacked: its decompressor (once sniffed), hash and unpacker. */
class LayerJob {
  readonly #diffId: string;
  readonly #hex: string;
  readonly #unpacker: LayerUnpacker;
  readonly #hash: Hash = createHash("sha256");
  readonly #output = (bytes: Uint8Array) => {
    this.#size += bytes.length;
    this.#hash.update(bytes);
    this.#unpacker.push(bytes);
  };
  #size = 0;
  /** The decompressor; `null` for an uncompressed layer, undefined until the first bytes. */
  #inflater: Inflater | null | undefined;
  /** The first bytes, kept until {@linkcode SNIFF_BYTES} of them tell the compression. */
  #head: Uint8Array[] = [];
  #over = false;

  constructor(dest: string, diffId: string, layer: string) {
    this.#diffId = diffId;
    this.#hex = parseDigest(diffId).hex;
    this.#unpacker = new LayerUnpacker(dest, { layer });
    self.postMessage({ type: "credit", count: CREDITS });
  }

  /** Takes a chunk of compressed bytes, then gives its buffer back (with a credit). */
  chunk(chunk: Uint8Array): void {
    if (this.#over) return;
    try {
      if (this.#inflater === undefined) {
        this.#head.push(chunk);
        if (this.#head.reduce((sum, part) => sum + part.length, 0) < SNIFF_BYTES) {
          return self.postMessage({ type: "credit", count: 1 });
        }
        this.#sniff();
      } else {
        this.#input(chunk);
      }
    } catch (error) {
      return this.fail(error);
    }
    const buffer = chunk.buffer as ArrayBuffer;
    self.postMessage({ type: "credit", count: 1, buffer }, [buffer]);
  }

  /** The compressed bytes are all in: ends the decompressor, then checks and reports. */
  end(): void {
    if (this.#over) return;
    try {
      if (this.#inflater === undefined) this.#sniff();
      this.#inflater?.end(this.#output);
      const actual = this.#hash.digest("hex");
      if (actual !== this.#hex) throw new DigestMismatchError(this.#diffId, `sha256:${actual}`);
      this.#unpacker.finish();
    } catch (error) {
      return this.fail(error);
    }
    this.#over = true;
    self.postMessage({ type: "done", size: this.#size });
  }

  /** Stops, reporting `error` (an abort from the main thread, or a failure here). */
  fail(error: unknown): void {
    if (this.#over) return;
    this.#over = true;
    this.#inflater?.close();
    this.#unpacker.abandon();
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    self.postMessage({ type: "error", name, message });
  }

  #input(chunk: Uint8Array): void {
    if (this.#inflater === null) this.#output(chunk);
    else this.#inflater!.write(chunk, this.#output);
  }

  /** Picks the decompressor from the first bytes, then feeds it the bytes seen so far. */
  #sniff(): void {
    const head = new Uint8Array(SNIFF_BYTES);
    let offset = 0;
    for (const part of this.#head) {
      if (offset === SNIFF_BYTES) break;
      const bytes = part.subarray(0, SNIFF_BYTES - offset);
      head.set(bytes, offset);
      offset += bytes.length;
    }
    const compression = sniffCompression(head.subarray(0, offset));
    this.#inflater = compression === "none" ? null : new Inflater(compression);
    const parts = this.#head;
    this.#head = [];
    for (const part of parts) this.#input(part);
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
    case "chunk":
      job?.chunk(message.chunk);
      return;
    case "end":
      job?.end();
      return;
    case "abort":
      job?.fail(new Error(message.message));
      return;
  }
};
