/**
 * Unpacks a layer on a worker thread: the main thread downloads the compressed bytes, hashes
 * them as they pass and hands them over chunk by chunk (transferred, not copied); the worker
 * decompresses, verifies the DiffID and writes the files, then gives each chunk's buffer back to
 * be filled again. Flow control by credits keeps at most {@linkcode CREDITS} chunks in flight.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { DigestMismatchError, parseDigest } from "../format/digest.ts";

/** How many chunks may be in flight to a worker at once. */
export const CREDITS = 4;

/** Messages from the main thread to the worker. */
export type ToWorker =
  | { type: "start"; dest: string; diffId: string; layer: string }
  | { type: "chunk"; chunk: Uint8Array }
  | { type: "end" }
  | { type: "abort"; message: string };

/** Messages from the worker to the main thread. */
export type FromWorker =
  | { type: "credit"; count: number; buffer?: ArrayBuffer }
  | { type: "done"; size: number }
  | { type: "error"; name: string; message: string };

/** An error raised on the worker, with its original name and message. */
export class LayerWorkerError extends Error {
  /** Rebuilds the worker's error `name: message`. */
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * The unpacking workers of one pull: a layer takes an idle worker or starts one, and gives it
 * back when it succeeds (a worker that failed is stopped), so later layers skip a worker's start.
 * Disposing stops them all.
 */
export class LayerWorkers implements Disposable {
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();

  /**
   * Starts `count` workers at once, so that their start (a thread, an isolate, the codec's
   * modules: about 0.1 s) overlaps the manifest's and the config's download.
   */
  constructor(count = 0) {
    for (let index = 0; index < count; index++) this.#idle.push(this.#start());
  }

  #start(): Worker {
    // From the checkout's root, so that it resolves alike from the run bundle (run_main.ts).
    const script = new URL("../../registry/pull/unpack_worker.ts", import.meta.url);
    const worker = new Worker(script, { type: "module" });
    this.#all.add(worker);
    return worker;
  }

  /**
   * Unpacks the compressed layer `compressed` into the empty directory `dest` on a worker,
   * verifying that the compressed bytes hash to `layer` (its digest) and the uncompressed ones
   * to `diffId`. Each chunk must be the only view of its buffer, which is transferred to the
   * worker; once the worker is done with it, the buffer is pushed onto `spares` when given.
   * Returns the uncompressed size. Throws what the download, the digest checks or the
   * unpacking threw, once the worker has stopped writing to `dest`.
   */
  async unpack(
    compressed: AsyncIterable<Uint8Array>,
    dest: string,
    diffId: string,
    layer: string,
    spares?: ArrayBuffer[],
  ): Promise<number> {
    const worker = this.#idle.pop() ?? this.#start();
    try {
      const size = await unpackOn(worker, compressed, dest, diffId, layer, spares);
      this.#idle.push(worker);
      return size;
    } catch (error) {
      this.#all.delete(worker);
      worker.terminate();
      throw error;
    }
  }

  /** Stops every worker. */
  [Symbol.dispose](): void {
    for (const worker of this.#all) worker.terminate();
    this.#all.clear();
    this.#idle.length = 0;
  }
}

/** Runs one layer's unpacking on `worker`; see {@linkcode LayerWorkers.unpack}. */
async function unpackOn(
  worker: Worker,
  compressed: AsyncIterable<Uint8Array>,
  dest: string,
  diffId: string,
  layer: string,
  spares: ArrayBuffer[] | undefined,
): Promise<number> {
  const send = (message: ToWorker, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);
  let credits = 0;
  let wake: (() => void) | undefined;
  const finished = new Promise<number>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === "credit") {
        credits += message.count;
        if (message.buffer !== undefined) spares?.push(message.buffer);
        wake?.();
      } else if (message.type === "done") {
        resolve(message.size);
      } else {
        reject(new LayerWorkerError(message.name, message.message));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Layer worker failed: ${event.message}`));
    };
  });
  const { hex } = parseDigest(layer);
  const hash = createHash("sha256");
  send({ type: "start", dest, diffId, layer });
  const feed = async () => {
    try {
      for await (const chunk of compressed) {
        hash.update(chunk);
        while (credits === 0) await new Promise<void>((resolve) => wake = resolve);
        credits--;
        send({ type: "chunk", chunk }, [chunk.buffer as ArrayBuffer]);
      }
      const actual = hash.digest("hex");
      if (actual !== hex) throw new DigestMismatchError(layer, `sha256:${actual}`);
      send({ type: "end" });
    } catch (error) {
      send({ type: "abort", message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  };
  try {
    const [, size] = await Promise.all([feed(), finished]);
    return size;
  } catch (error) {
    // Let the worker stop writing (it answers an abort with an error) before `dest` is removed.
    await finished.catch(() => {});
    throw error;
  }
}
