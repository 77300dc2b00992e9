/**
 * A hostile (or broken) registry for tests, plain HTTP on loopback: each repository misbehaves
 * one way. `ok` serves a valid one-layer image; `endless-manifest` a manifest that never ends;
 * `endless-config` and `endless-layer` blobs that go on past their descriptor's size;
 * `slow-manifest` a manifest at one byte a second; every request to `stall` gets no answer.
 * A second listener, {@linkcode HostileRegistry.silentHost}, accepts connections and never
 * writes a byte (a stalled TLS handshake, a dead host).
 *
 * @module
 */

import { buildLayer } from "./image_builder.ts";
import { sha256Digest } from "../registry/format/digest.ts";
import { OCI_CONFIG, OCI_MANIFEST } from "../registry/format/media_types.ts";
import { hostPlatform } from "../registry/format/platform.ts";

/** A running hostile registry. */
export interface HostileRegistry {
  /** `127.0.0.1:<port>`, for image references. */
  host: string;
  /** `127.0.0.1:<port>` of a listener that accepts connections and never answers. */
  silentHost: string;
  /** Stops both listeners. */
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/** A body of `chunk` repeated for ever (until the client goes away). */
function endless(chunk: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ pull: (controller) => controller.enqueue(chunk.slice()) });
}

/** A body of `bytes` at one byte every `intervalMs`. */
function trickle(bytes: Uint8Array, intervalMs: number): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (next < bytes.length) controller.enqueue(bytes.subarray(next, ++next));
      else controller.close();
    },
  });
}

/** Starts the registry and the silent listener on loopback. */
export async function startHostileRegistry(): Promise<HostileRegistry> {
  const layer = await buildLayer({
    entries: [{ path: "hello", type: "file", content: encoder.encode("hello\n") }],
  });
  const config = json({ ...hostPlatform(), rootfs: { type: "layers", diff_ids: [layer.diffId] } });
  const configDigest = await sha256Digest(config);
  const manifestFor = (configSize: number, layerSize: number) =>
    json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: configSize },
      layers: [{ ...layer.descriptor, size: layerSize }],
    });
  const blobs = new Map<string, Uint8Array<ArrayBuffer>>([
    [configDigest, config],
    [layer.descriptor.digest, layer.blob.slice()],
  ]);
  const garbage = new Uint8Array(64 * 1024).fill(0x20);
  const stalled = new Set<() => void>();

  const handler = (request: Request): Response | Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === "/v2/") return Response.json({});
    const match = /^\/v2\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(path);
    if (match === null) return new Response("not found", { status: 404 });
    const [, repository, kind, reference] = match as unknown as [string, string, string, string];
    const manifestHeaders = { "content-type": OCI_MANIFEST };
    if (repository === "stall") {
      return new Promise<Response>((resolve) => {
        const release = () => resolve(new Response("late", { status: 503 }));
        stalled.add(release);
        request.signal.addEventListener("abort", release);
      });
    }
    if (kind === "manifests") {
      switch (repository) {
        case "endless-manifest":
          return new Response(endless(garbage), { headers: manifestHeaders });
        case "slow-manifest":
          return new Response(trickle(manifestFor(config.length, layer.blob.length), 1000), {
            headers: manifestHeaders,
          });
        case "endless-config":
          return new Response(manifestFor(1000, layer.blob.length), { headers: manifestHeaders });
        case "endless-layer":
          return new Response(manifestFor(config.length, 1000), { headers: manifestHeaders });
        default:
          return new Response(manifestFor(config.length, layer.blob.length), {
            headers: manifestHeaders,
          });
      }
    }
    const endlessBlob = (repository === "endless-config" && reference === configDigest) ||
      (repository === "endless-layer" && reference === layer.descriptor.digest);
    if (endlessBlob) return new Response(endless(garbage));
    const blob = blobs.get(reference);
    return blob === undefined ? new Response("no", { status: 404 }) : new Response(blob);
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);

  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of silent) held.push(conn);
    } catch {
      // Closed.
    }
  })();

  return {
    host: `127.0.0.1:${server.addr.port}`,
    silentHost: `127.0.0.1:${silent.addr.port}`,
    async stop() {
      for (const release of stalled) release();
      for (const conn of held) conn.close();
      silent.close();
      await accepting;
      await server.shutdown();
    },
  };
}
