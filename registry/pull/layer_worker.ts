/**
 * Unpacks a layer on a worker thread: the main thread downloads and verifies the compressed
 * bytes and hands them over (transferred, not copied); the worker decompresses, verifies the
 * DiffID and writes the files. Flow control by credits keeps at most a few chunks in flight.
 *
 * @module
 */

/** Messages from the main thread to the worker. */
export type ToWorker =
  | { type: "start"; dest: string; diffId: string; layer: string }
  | { type: "chunk"; chunk: Uint8Array }
  | { type: "end" }
  | { type: "abort"; message: string };

/** Messages from the worker to the main thread. */
type FromWorker =
  | { type: "credit"; count: number }
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
 * Unpacks the compressed layer `compressed` into the empty directory `dest` on a worker,
 * verifying that the uncompressed bytes hash to `diffId`. Returns the uncompressed size.
 * Throws what the download, the digest checks or the unpacking threw, once the worker has
 * stopped writing to `dest`.
 */
export async function unpackInWorker(
  compressed: ReadableStream<Uint8Array>,
  dest: string,
  diffId: string,
  layer: string,
): Promise<number> {
  const worker = new Worker(new URL("./unpack_worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToWorker, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);
  let credits = 0;
  let wake: (() => void) | undefined;
  const finished = new Promise<number>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === "credit") {
        credits += message.count;
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
  send({ type: "start", dest, diffId, layer });
  const reader = compressed.getReader();
  const feed = async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        while (credits === 0) await new Promise<void>((resolve) => wake = resolve);
        credits--;
        const owned = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength
          ? value
          : value.slice();
        send({ type: "chunk", chunk: owned }, [owned.buffer as ArrayBuffer]);
      }
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
  } finally {
    reader.releaseLock();
    worker.terminate();
  }
}
