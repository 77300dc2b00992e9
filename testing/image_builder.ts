/**
 * Builds OCI / Docker images in memory (real tar layers via tar-stream) and pushes them to a
 * `TestRegistry` over the distribution HTTP API, doing the token dance with the push credentials.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import zlib from "node:zlib";
// @ts-types="@types/tar-stream"
import tar from "tar-stream";
import { parseAuthChallenges } from "../registry/distribution/auth_challenge.ts";
import { sha256Digest } from "../registry/format/digest.ts";
import type {
  Descriptor,
  ImageConfig,
  ImageConfigFile,
  Platform,
} from "../registry/format/manifest.ts";
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_TAR,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from "../registry/format/media_types.ts";
import type { TestRegistry } from "./registry_server.ts";

/** One tar entry, described as data. Paths are relative (`bin/sh`); directories need no `/`. */
export interface TarEntry {
  /** The path inside the archive. */
  path: string;
  /** The kind of entry. */
  type: "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";
  /** Permission bits including setuid/setgid/sticky; 0o644 for files, 0o755 otherwise. */
  mode?: number;
  /** The owner's uid (default 0). */
  uid?: number;
  /** The owner's gid (default 0). */
  gid?: number;
  /** File content (files only). */
  content?: Uint8Array | string;
  /** Target of a symlink, or the archive path of a hardlink's target. */
  linkname?: string;
  /** Modification time; 2024-01-01T00:00:00Z by default. */
  mtime?: Date;
  /** A device node's major number. */
  devmajor?: number;
  /** A device node's minor number. */
  devminor?: number;
  /**
   * Extended attributes, written as PAX `SCHILY.xattr.<name>` records byte for byte (strings as
   * UTF-8), so binary values such as `security.capability` survive. The entry's own name must then
   * fit a ustar header (up to 255 bytes, split at a slash).
   */
  xattrs?: Record<string, string | Uint8Array>;
}

/** Layer compression. */
export type Compression = "gzip" | "zstd" | "none";

/** A layer to build: its entries and compression (gzip by default). */
export interface LayerSpec {
  /** The layer's entries, in archive order. */
  entries: TarEntry[];
  /** How the blob is compressed (default gzip). */
  compression?: Compression;
}

/** A built layer: the uncompressed tar, the blob as pushed, and their digests. */
export interface BuiltLayer {
  /** The uncompressed tar. */
  tar: Uint8Array;
  /** The blob as pushed (compressed). */
  blob: Uint8Array;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: string;
  /** The manifest's descriptor of the blob. */
  descriptor: Descriptor;
}

/** Options for `pushImage()`. */
export interface ImageSpec {
  /** The layers, base first. */
  layers: LayerSpec[];
  /** The runtime config (Env, Cmd, Entrypoint, WorkingDir, User, …). */
  config?: ImageConfig;
  /** linux/<host arch> by default. */
  platform?: Platform;
  /** `oci` (default) or `docker` media types; `docker` allows gzip layers only. */
  format?: "oci" | "docker";
  /** Replaces the computed rootfs.diff_ids (to build images whose layers do not match). */
  diffIds?: string[];
  /** Annotations on the manifest. */
  annotations?: Record<string, string>;
  /** The config's creation time (default: the builder's fixed time). */
  created?: Date;
}

/** What `pushImage()` pushed. */
export interface PushedImage {
  /** Digest of the manifest. */
  digest: string;
  /** The manifest's bytes. */
  manifest: Uint8Array;
  /** A descriptor of the manifest, for an index. */
  descriptor: Descriptor;
  /** The image config. */
  config: ImageConfigFile;
  /** Digest of the config blob. */
  configDigest: string;
  /** The layers, base first. */
  layers: BuiltLayer[];
}

/** One entry of an index pushed by `pushIndex()`. */
export type IndexEntry = PushedImage | { attestationFor: PushedImage };

const DEFAULT_MTIME = new Date("2024-01-01T00:00:00Z");
const ENTRY_TYPES = {
  file: "file",
  dir: "directory",
  symlink: "symlink",
  hardlink: "link",
  char: "character-device",
  block: "block-device",
  fifo: "fifo",
} as const;

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Adds one entry to `pack` and waits until it is written. */
function packEntry(pack: tar.Pack, header: tar.Headers, content?: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const callback = (error?: Error | null) => error ? reject(error) : resolve();
    if (content === undefined) pack.entry(header, callback);
    else pack.entry(header, content, callback);
  });
}

/** The name of a placeholder file entry that {@linkcode markPaxHeaders} turns into a PAX header. */
const PAX_PLACEHOLDER = "mydocker-test-pax-header";
const encoder = new TextEncoder();

/**
 * A placeholder for a PAX extended header holding `SCHILY.xattr.*` records for the entry after it.
 * Built by hand: tar-stream counts a record's length in UTF-16 units, which breaks binary values.
 */
function paxPlaceholder(xattrs: Record<string, string | Uint8Array>): [tar.Headers, Buffer] {
  const records: Uint8Array[] = [];
  for (const [name, value] of Object.entries(xattrs)) {
    const key = encoder.encode(` SCHILY.xattr.${name}=`);
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    const body = key.length + bytes.length + 1; // the record without its decimal length
    let length = body + 1;
    while (String(length).length + body !== length) length++;
    records.push(encoder.encode(String(length)), key, bytes, encoder.encode("\n"));
  }
  const data = Buffer.from(concat(records));
  return [{ name: PAX_PLACEHOLDER, type: "file", size: data.length, mtime: DEFAULT_MTIME }, data];
}

/** Turns every placeholder entry of `archive` into a PAX extended header (typeflag `x`). */
function markPaxHeaders(archive: Uint8Array): void {
  const decoder = new TextDecoder();
  for (let offset = 0; offset + 512 <= archive.length;) {
    const block = archive.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) return;
    const name = decoder.decode(block.subarray(0, 100)).replace(/\0.*$/s, "");
    if (name === PAX_PLACEHOLDER) {
      block[156] = "x".charCodeAt(0);
      block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
      const sum = block.reduce((total, byte) => total + byte, 0);
      block.set(encoder.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    }
    const size = Number.parseInt(decoder.decode(block.subarray(124, 136)), 8);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

/** Builds an uncompressed tar archive from entries. */
export async function buildTar(entries: TarEntry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const entry of entries) {
    // tar-stream waits for data on a file entry without content: give files an empty body.
    const content = entry.content === undefined
      ? entry.type === "file" ? Buffer.alloc(0) : undefined
      : Buffer.from(
        typeof entry.content === "string" ? new TextEncoder().encode(entry.content) : entry.content,
      );
    if (entry.xattrs !== undefined) await packEntry(pack, ...paxPlaceholder(entry.xattrs));
    const header: tar.Headers = {
      name: entry.type === "dir" ? `${entry.path.replace(/\/$/, "")}/` : entry.path,
      type: ENTRY_TYPES[entry.type],
      mode: entry.mode ?? (entry.type === "file" ? 0o644 : 0o755),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime ?? DEFAULT_MTIME,
      ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      ...(entry.devmajor === undefined ? {} : { devmajor: entry.devmajor }),
      ...(entry.devminor === undefined ? {} : { devminor: entry.devminor }),
    };
    await packEntry(pack, header, content);
  }
  pack.finalize();
  await collected;
  const archive = concat(chunks);
  markPaxHeaders(archive);
  return archive;
}

async function compress(data: Uint8Array, compression: Compression): Promise<Uint8Array> {
  switch (compression) {
    case "none":
      return data;
    case "zstd":
      return new Uint8Array(zlib.zstdCompressSync(data));
    case "gzip": {
      const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new CompressionStream("gzip"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    }
  }
}

function layerMediaType(compression: Compression, format: "oci" | "docker"): string {
  if (format === "docker") {
    if (compression !== "gzip") {
      throw new TypeError(`Cannot build a Docker-format layer with ${compression} compression`);
    }
    return DOCKER_LAYER_GZIP;
  }
  return { gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD, none: OCI_LAYER_TAR }[compression];
}

/** Builds one layer: tar, compression, digests and descriptor. */
export async function buildLayer(
  spec: LayerSpec,
  format: "oci" | "docker" = "oci",
): Promise<BuiltLayer> {
  const archive = await buildTar(spec.entries);
  const compression = spec.compression ?? "gzip";
  const blob = await compress(archive, compression);
  return {
    tar: archive,
    blob,
    diffId: await sha256Digest(archive),
    descriptor: {
      mediaType: layerMediaType(compression, format),
      digest: await sha256Digest(blob),
      size: blob.length,
    },
  };
}

/** The busybox applets `busyboxEntries()` links by default. */
export const BUSYBOX_APPLETS = [
  "sh",
  "ls",
  "cat",
  "echo",
  "true",
  "false",
  "id",
  "env",
  "pwd",
  "sleep",
  "mkdir",
  "touch",
  "rm",
  "stat",
  "head",
  "wc",
  "hostname",
  "whoami",
  "printf",
  "test",
  "readlink",
  "uname",
  "kill",
  "ps",
  "grep",
  "chmod",
  "ln",
  "mount",
  "cut",
  "tr",
]; // deno-fmt-ignore

/**
 * Entries for Debian's static busybox at `/bin/busybox` plus `/bin/<applet>` links to it, and
 * the usual empty directories (`etc`, `tmp` (1777), `root`), so images are runnable.
 */
export async function busyboxEntries(
  options: { links?: "symlink" | "hardlink"; applets?: string[] } = {},
): Promise<TarEntry[]> {
  const binary = await Deno.readFile("/bin/busybox");
  const entries: TarEntry[] = [
    { path: "bin", type: "dir" },
    { path: "bin/busybox", type: "file", mode: 0o755, content: binary },
    { path: "etc", type: "dir" },
    { path: "root", type: "dir", mode: 0o700 },
    { path: "tmp", type: "dir", mode: 0o1777 },
  ];
  for (const applet of options.applets ?? BUSYBOX_APPLETS) {
    entries.push(
      options.links === "hardlink"
        ? { path: `bin/${applet}`, type: "hardlink", linkname: "bin/busybox" }
        : { path: `bin/${applet}`, type: "symlink", linkname: "busybox" },
    );
  }
  return entries;
}

/** The platform of this machine, as image configs spell it. */
function defaultPlatform(): Platform {
  return Deno.build.arch === "aarch64"
    ? { os: "linux", architecture: "arm64", variant: "v8" }
    : { os: "linux", architecture: "amd64" };
}

/** Pushes blobs and manifests to a test registry with push credentials. */
class Pusher {
  readonly #registry: TestRegistry;
  readonly #client: Deno.HttpClient;
  readonly #tokens = new Map<string, string>();

  constructor(registry: TestRegistry) {
    this.#registry = registry;
    this.#client = Deno.createHttpClient({
      caCerts: registry.caCert === undefined ? [] : [registry.caCert],
    });
  }

  close(): void {
    this.#client.close();
  }

  /** Sends a request, fetching a push token on 401; fails on any non-2xx answer. */
  async request(
    repository: string,
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Response> {
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${this.#registry.url}${pathOrUrl}`;
    const send = () => {
      const headers = new Headers(init.headers);
      const token = this.#tokens.get(repository);
      if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
      return fetch(url, {
        method,
        headers,
        body: (init.body ?? null) as BodyInit | null,
        client: this.#client,
      });
    };
    let response = await send();
    if (response.status === 401) {
      const challenge = parseAuthChallenges(response.headers.get("www-authenticate") ?? "")
        .find((c) => c.scheme === "bearer");
      await response.body?.cancel();
      if (challenge?.params.realm !== undefined) {
        await this.#fetchToken(repository, challenge.params.realm, challenge.params.service);
        response = await send();
      }
    }
    if (!response.ok) {
      throw new Error(
        `Cannot ${method} ${url}: HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return response;
  }

  async #fetchToken(repository: string, realm: string, service: string | undefined) {
    const credentials = this.#registry.pushCredentials;
    if (credentials === undefined) {
      throw new Error(`Cannot push to ${this.#registry.host}: it wants a token, no credentials`);
    }
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set("service", service);
    url.searchParams.set("scope", `repository:${repository}:pull,push`);
    const response = await fetch(url, {
      headers: {
        authorization: `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`,
      },
      client: this.#client,
    });
    if (!response.ok) {
      throw new Error(`Cannot get a push token from ${realm}: HTTP ${response.status}`);
    }
    this.#tokens.set(repository, ((await response.json()) as { token: string }).token);
  }

  /** Uploads a blob monolithically (POST, then PUT with the digest). */
  async putBlob(repository: string, blob: Uint8Array): Promise<string> {
    const digest = await sha256Digest(blob);
    const start = await this.request(repository, "POST", `/v2/${repository}/blobs/uploads/`);
    await start.body?.cancel();
    const location = new URL(start.headers.get("location")!, this.#registry.url);
    location.searchParams.set("digest", digest);
    const done = await this.request(repository, "PUT", location.href, {
      headers: { "content-type": "application/octet-stream" },
      body: blob,
    });
    await done.body?.cancel();
    return digest;
  }

  /** Uploads a manifest under `reference` (a tag or its digest). */
  async putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
  ): Promise<void> {
    const response = await this.request(
      repository,
      "PUT",
      `/v2/${repository}/manifests/${reference}`,
      { headers: { "content-type": mediaType }, body: bytes },
    );
    await response.body?.cancel();
  }
}

async function withPusher<T>(registry: TestRegistry, fn: (p: Pusher) => Promise<T>): Promise<T> {
  const pusher = new Pusher(registry);
  try {
    return await fn(pusher);
  } finally {
    pusher.close();
  }
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Builds an image and pushes its layers, config and manifest to `repository:tag`
 * (`tag` undefined pushes by digest only, e.g. for index children).
 */
export function pushImage(
  registry: TestRegistry,
  repository: string,
  tag: string | undefined,
  spec: ImageSpec,
): Promise<PushedImage> {
  return withPusher(registry, async (pusher) => {
    const format = spec.format ?? "oci";
    const platform = spec.platform ?? defaultPlatform();
    const layers: BuiltLayer[] = [];
    for (const layer of spec.layers) layers.push(await buildLayer(layer, format));
    const config: ImageConfigFile = {
      ...platform,
      created: (spec.created ?? DEFAULT_MTIME).toISOString(),
      config: spec.config ?? {},
      rootfs: { type: "layers", diff_ids: spec.diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: "mydocker test image builder" })),
    };
    const configBytes = encodeJson(config);
    const configDigest = await pusher.putBlob(repository, configBytes);
    for (const layer of layers) await pusher.putBlob(repository, layer.blob);
    const mediaType = format === "oci" ? OCI_MANIFEST : DOCKER_MANIFEST;
    const manifest = encodeJson({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: format === "oci" ? OCI_CONFIG : DOCKER_CONFIG,
        digest: configDigest,
        size: configBytes.length,
      },
      layers: layers.map((l) => l.descriptor),
      ...(spec.annotations === undefined ? {} : { annotations: spec.annotations }),
    });
    const digest = await sha256Digest(manifest);
    await pusher.putManifest(repository, tag ?? digest, mediaType, manifest);
    return {
      digest,
      manifest,
      descriptor: { mediaType, digest, size: manifest.length, platform },
      config,
      configDigest,
      layers,
    };
  });
}

/** Pushes a BuildKit-style attestation manifest for `subject`; returns its index entry. */
async function pushAttestation(
  pusher: Pusher,
  repository: string,
  subject: PushedImage,
): Promise<Descriptor> {
  const statement = encodeJson({ _type: "https://in-toto.io/Statement/v0.1", subject: [] });
  const config = encodeJson({
    architecture: "unknown",
    os: "unknown",
    rootfs: { type: "layers", diff_ids: [] },
  });
  const configDigest = await pusher.putBlob(repository, config);
  const statementDigest = await pusher.putBlob(repository, statement);
  const manifest = encodeJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
    layers: [{
      mediaType: "application/vnd.in-toto+json",
      digest: statementDigest,
      size: statement.length,
      annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
    }],
  });
  const digest = await sha256Digest(manifest);
  await pusher.putManifest(repository, digest, OCI_MANIFEST, manifest);
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size: manifest.length,
    platform: { os: "unknown", architecture: "unknown" },
    annotations: {
      "vnd.docker.reference.digest": subject.digest,
      "vnd.docker.reference.type": "attestation-manifest",
    },
  };
}

/**
 * Pushes an index (OCI, or a Docker manifest list with `format: "docker"`) over images already
 * pushed to `repository`, plus an attestation manifest for each `{ attestationFor }` entry.
 * Returns the index digest and bytes.
 */
export function pushIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  entries: IndexEntry[],
  options: { format?: "oci" | "docker" } = {},
): Promise<{ digest: string; bytes: Uint8Array }> {
  return withPusher(registry, async (pusher) => {
    const manifests: Descriptor[] = [];
    for (const entry of entries) {
      manifests.push(
        "attestationFor" in entry
          ? await pushAttestation(pusher, repository, entry.attestationFor)
          : entry.descriptor,
      );
    }
    const mediaType = options.format === "docker" ? DOCKER_MANIFEST_LIST : OCI_INDEX;
    const bytes = encodeJson({ schemaVersion: 2, mediaType, manifests });
    await pusher.putManifest(repository, tag, mediaType, bytes);
    return { digest: await sha256Digest(bytes), bytes };
  });
}
