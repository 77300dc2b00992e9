/**
 * The worker side of {@linkcode LayerWorkers} (see `layer_worker.ts`): decompresses a layer's
 * bytes as they arrive, verifies its DiffID and unpacks it, on a thread of its own, so that
 * several layers use several cores. A worker unpacks one layer after another.
 *
 * @module
 */

import { decompress } from "./decompress.ts";
import { digestVerifier } from "./digest_stream.ts";
import type { ToWorker } from "./layer_worker.ts";
import { unpackLayer } from "./unpack_layer.ts";

/** How many batches of chunks may be in flight from the main thread at once. */
const CREDITS = 8;

declare const self: {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let controller: ReadableStreamDefaultController<Uint8Array> | undefined;

self.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      start(message.dest, message.diffId, message.layer);
      return;
    case "chunks":
      for (const chunk of message.chunks) controller!.enqueue(chunk);
      return;
    case "end":
      controller!.close();
      return;
    case "abort":
      controller!.error(new Error(message.message));
      return;
  }
};

/** Starts unpacking a layer whose bytes arrive in the next messages (one layer at a time). */
function start(dest: string, diffId: string, layer: string): void {
  const input = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      self.postMessage({ type: "credit", count: 1 });
    },
  }, { highWaterMark: 0 });
  self.postMessage({ type: "credit", count: CREDITS });
  run(input, dest, diffId, layer);
}

async function run(
  input: ReadableStream<Uint8Array>,
  dest: string,
  diffId: string,
  layer: string,
): Promise<void> {
  try {
    let size = 0;
    const tar = (await decompress(input))
      .pipeThrough(digestVerifier(diffId))
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            size += chunk.length;
            controller.enqueue(chunk);
          },
        }),
      );
    await unpackLayer(tar, dest, { layer });
    self.postMessage({ type: "done", size });
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    self.postMessage({ type: "error", name, message });
  }
}
