import assert from "node:assert/strict";
import { type BlobFetcher, openBlobStream } from "../registry/pull/blob_stream.ts";
import {
  decompress,
  DecompressError,
  Inflater,
  sniffCompression,
} from "../registry/pull/decompress.ts";
import { DigestMismatchError } from "../registry/format/digest.ts";
import { digestVerifier } from "../registry/pull/digest_stream.ts";
import { sha256Digest } from "../registry/format/digest.ts";
import { RegistryError } from "../registry/distribution/registry_error.ts";
import { gzipSync, zstdCompressSync } from "node:zlib";

const blob = new Uint8Array(100_000).map((_, index) => (index * 7) % 256);

/** Serves `blob` (a byte stream, as a registry's body is), dropping the connection after `dropAfter` bytes on the first `drops` requests. */
function flakyFetcher(honoursRange: boolean, drops: number, dropAfter = 30_000) {
  const offsets: number[] = [];
  const fetcher: BlobFetcher = {
    getBlob(_repository, _digest, options = {}) {
      const requested = options.offset ?? 0;
      const offset = honoursRange ? requested : 0;
      offsets.push(requested);
      const drop = offsets.length <= drops;
      let position = offset;
      const body = new ReadableStream({
        type: "bytes",
        pull(controller) {
          if (drop && position - offset >= dropAfter) {
            return controller.error(new TypeError("error reading a body from connection"));
          }
          if (position >= blob.length) {
            controller.close();
            return controller.byobRequest?.respond(0);
          }
          const end = Math.min(position + 10_000, blob.length);
          controller.enqueue(blob.slice(position, end));
          position = end;
        },
      });
      return Promise.resolve({ body, size: blob.length - offset, offset });
    },
  };
  return { fetcher, offsets };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("openBlobStream() resumes with Range after a dropped connection", async () => {
  const { fetcher, offsets } = flakyFetcher(true, 2);
  const digest = await sha256Digest(blob);
  const stream = openBlobStream(fetcher, "repo", digest, { size: blob.length, retryDelay: 1 });
  assert.deepEqual(await readAll(stream.pipeThrough(digestVerifier(digest))), blob);
  assert.deepEqual(offsets, [0, 30_000, 60_000]);
});

Deno.test("openBlobStream() restarts and skips delivered bytes when Range is ignored", async () => {
  const { fetcher, offsets } = flakyFetcher(false, 1);
  const digest = await sha256Digest(blob);
  const stream = openBlobStream(fetcher, "repo", digest, { size: blob.length, retryDelay: 1 });
  assert.deepEqual(await readAll(stream.pipeThrough(digestVerifier(digest))), blob);
  assert.deepEqual(offsets, [0, 30_000]);
});

Deno.test("openBlobStream() gives up after its retries and on HTTP 4xx", async () => {
  const { fetcher } = flakyFetcher(true, 10, 0);
  const stream = openBlobStream(fetcher, "repo", "sha256:x", {
    size: blob.length,
    retries: 2,
    retryDelay: 1,
  });
  await assert.rejects(readAll(stream), /error reading a body/);
  const denied: BlobFetcher = {
    getBlob: () => Promise.reject(new RegistryError("blob unknown", 404)),
  };
  let calls = 0;
  const counted: BlobFetcher = { getBlob: (...args) => (calls++, denied.getBlob(...args)) };
  await assert.rejects(readAll(openBlobStream(counted, "r", "sha256:x", { size: 1 })), /unknown/);
  assert.equal(calls, 1);
});

Deno.test("digestVerifier() errors at the end on a mismatch", async () => {
  const wrong = `sha256:${"0".repeat(64)}`;
  const stream = new Response(blob).body!.pipeThrough(digestVerifier(wrong));
  const error = await readAll(stream).then(() => undefined, (e) => e);
  assert.ok(error instanceof DigestMismatchError);
  assert.equal(error.message, `Digest mismatch for ${wrong}: got ${await sha256Digest(blob)}`);
});

Deno.test("decompress() sniffs gzip, zstd and plain tar", async () => {
  for (
    const [bytes, kind] of [
      [gzipSync(blob), "gzip"],
      [zstdCompressSync(blob), "zstd"],
      [blob, "none"],
    ] as const
  ) {
    assert.equal(sniffCompression(bytes), kind);
    // One byte per chunk: the magic number straddles chunks.
    let offset = 0;
    const input = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const size = offset < 8 ? 1 : 4096;
        controller.enqueue(bytes.slice(offset, offset + size));
        offset += size;
      },
    });
    assert.deepEqual(await readAll(await decompress(input)), blob, kind);
  }
  assert.deepEqual(
    await readAll(await decompress(new Response(new Uint8Array(2)).body!)),
    new Uint8Array(2),
  );
});

Deno.test("decompress() errors on a corrupt gzip stream", async () => {
  const bytes = new Uint8Array(gzipSync(blob));
  bytes.fill(0xff, 20, 200);
  await assert.rejects(readAll(await decompress(new Response(bytes).body!)));
});

/** Inflates `input` fed in pieces of `piece` bytes; returns the output, copied out. */
function inflate(inflater: Inflater, input: Uint8Array, piece: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const keep = (bytes: Uint8Array) => parts.push(bytes.slice());
  for (let at = 0; at < input.length; at += piece) {
    inflater.write(input.subarray(at, at + piece), keep);
  }
  inflater.end(keep);
  return new Uint8Array(parts.flatMap((part) => [...part]));
}

Deno.test("Inflater decompresses gzip (several members too) and zstd into its reused buffer", () => {
  const large = new Uint8Array(600_000).map((_, index) => (index * 13) % 251 & (index >> 9));
  const members = new Uint8Array([...gzipSync(blob), ...gzipSync(large)]);
  assert.deepEqual(
    inflate(new Inflater("gzip"), members, 7_000),
    new Uint8Array([...blob, ...large]),
  );
  assert.deepEqual(inflate(new Inflater("zstd"), zstdCompressSync(large), 1_000), large);
});

Deno.test("Inflater throws DecompressError on corrupt and truncated gzip", () => {
  const bytes = new Uint8Array(gzipSync(blob));
  const corrupt = bytes.slice();
  corrupt.fill(0xff, 20, 200);
  assert.throws(() => inflate(new Inflater("gzip"), corrupt, 1_000), DecompressError);
  const truncated = bytes.subarray(0, bytes.length - 10);
  assert.throws(
    () => inflate(new Inflater("gzip"), truncated, 1_000),
    (error) => error instanceof DecompressError && /unexpected end of file/.test(error.message),
  );
});
