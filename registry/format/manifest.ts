/**
 * The documents a registry serves, as types with validating parsers: image indexes (OCI index,
 * Docker manifest list), single-platform manifests (OCI, Docker schema 2) and image configs. A
 * malformed or unsupported document (schema 1 included) throws {@linkcode ManifestError}. Pure.
 *
 * @module
 */

import { parseDigest } from "./digest.ts";
import {
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  INDEX_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media_types.ts";

/** Platform of an index entry or image config. */
export interface Platform {
  /** The operating system, `linux`. */
  os: string;
  /** The CPU architecture in Go's names: `amd64`, `arm64`, `arm`, `s390x`, … */
  architecture: string;
  /** The CPU variant, e.g. `v8` for arm64, `v7` for arm. */
  variant?: string;
}

/** A content descriptor: what a manifest says about a blob or a child manifest. */
export interface Descriptor {
  /** The media type of the content described. */
  mediaType: string;
  /** The content's digest, `sha256:<hex>`. */
  digest: string;
  /** The content's size in bytes. */
  size: number;
  /** Other places the content may be downloaded from (foreign layers). */
  urls?: string[];
  /** Free-form metadata, e.g. `vnd.docker.reference.type` on attestation entries. */
  annotations?: Record<string, string>;
  /** In an index: the platform the described manifest is for. */
  platform?: Platform & { "os.version"?: string; "os.features"?: string[] };
}

/** An OCI image index or Docker manifest list. */
export interface ImageIndex {
  /** Always 2. */
  schemaVersion: 2;
  /** {@linkcode OCI_INDEX} or the Docker manifest list type. */
  mediaType: string;
  /** One descriptor per platform manifest (and attestation manifests). */
  manifests: Descriptor[];
  /** Free-form metadata. */
  annotations?: Record<string, string>;
}

/** An OCI image manifest or Docker v2 schema 2 manifest. */
export interface ImageManifest {
  /** Always 2. */
  schemaVersion: 2;
  /** {@linkcode OCI_MANIFEST} or the Docker schema 2 type. */
  mediaType: string;
  /** The image config blob. */
  config: Descriptor;
  /** The layer blobs, base layer first. */
  layers: Descriptor[];
  /** Free-form metadata. */
  annotations?: Record<string, string>;
}

/** The runtime part of an image config (`config` key), as the OCI image spec's `ImageConfig`. */
export interface ImageConfig {
  /** The user to run as: `name`, `uid`, `name:group`, `uid:gid`. */
  User?: string;
  /** `KEY=VALUE` environment entries. */
  Env?: string[];
  /** The program run before `Cmd` (or before the command given to `run`). */
  Entrypoint?: string[] | null;
  /** The default command, or the default arguments of `Entrypoint`. */
  Cmd?: string[] | null;
  /** The working directory, absolute. */
  WorkingDir?: string;
  /** Free-form labels. */
  Labels?: Record<string, string> | null;
  /** The signal `stop` sends, e.g. `SIGQUIT`. */
  StopSignal?: string;
  /** Ports the image listens on (`"80/tcp": {}`); unused by mydocker. */
  ExposedPorts?: Record<string, unknown>;
  /** Paths the image expects volumes at; unused by mydocker. */
  Volumes?: Record<string, unknown> | null;
}

/** An image config blob (go-containerregistry calls it `ConfigFile`). */
export interface ImageConfigFile {
  /** The CPU architecture the image was built for. */
  architecture: string;
  /** The operating system the image was built for. */
  os: string;
  /** The CPU variant, if any. */
  variant?: string;
  /** When the image was created (RFC 3339). */
  created?: string;
  /** The defaults a container of this image runs with. */
  config?: ImageConfig;
  /** The DiffIDs (digests of the uncompressed layers), base layer first. */
  rootfs: { type: "layers"; diff_ids: string[] };
  /** How each layer was made. */
  history?: { created?: string; created_by?: string; empty_layer?: boolean; comment?: string }[];
}

/** A parsed manifest document: either an index or a single-platform manifest. */
export type ManifestDocument =
  | { kind: "index"; index: ImageIndex }
  | { kind: "manifest"; manifest: ImageManifest };

/** Thrown when a manifest or config is malformed or of an unsupported kind. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ManifestError(`Cannot parse ${what}: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ManifestError(`Cannot parse ${what}: expected a JSON object`);
  }
  return json as Record<string, unknown>;
}

function checkDescriptor(value: unknown, what: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== "object" || d === null) {
    throw new ManifestError(`Invalid ${what}: not an object`);
  }
  if (typeof d.mediaType !== "string") {
    throw new ManifestError(`Invalid ${what}: missing mediaType`);
  }
  if (typeof d.digest !== "string") throw new ManifestError(`Invalid ${what}: missing digest`);
  try {
    parseDigest(d.digest);
  } catch (error) {
    throw new ManifestError(`Invalid ${what}: ${(error as Error).message}`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new ManifestError(`Invalid ${what}: size must be a non-negative integer`);
  }
  return d as Descriptor;
}

/**
 * Parses and validates a manifest or index. `mediaType` is the response's Content-Type; when it
 * is generic the document's own `mediaType` (or its shape) decides.
 * @throws {ManifestError} for malformed JSON, missing fields, or schema 1 / unknown media types.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string): ManifestDocument {
  const json = parseJson(bytes, "manifest");
  if (
    json.schemaVersion === 1 || mediaType === DOCKER_MANIFEST_V1 ||
    mediaType === DOCKER_MANIFEST_V1_SIGNED
  ) {
    throw new ManifestError(
      "Unsupported manifest: Docker image manifest schema 1 is deprecated and not supported",
    );
  }
  if (json.schemaVersion !== 2) {
    throw new ManifestError(
      `Unsupported manifest: schemaVersion ${JSON.stringify(json.schemaVersion)}, expected 2`,
    );
  }
  let type = typeof json.mediaType === "string" ? json.mediaType : mediaType;
  if (!INDEX_MEDIA_TYPES.includes(type) && !MANIFEST_MEDIA_TYPES.includes(type)) {
    if (Array.isArray(json.manifests)) type = OCI_INDEX;
    else if (Array.isArray(json.layers)) type = OCI_MANIFEST;
    else throw new ManifestError(`Unsupported manifest media type "${type}"`);
  }
  if (INDEX_MEDIA_TYPES.includes(type)) {
    if (!Array.isArray(json.manifests)) {
      throw new ManifestError("Invalid image index: missing manifests");
    }
    json.manifests.forEach((m, i) => checkDescriptor(m, `image index entry ${i}`));
    return { kind: "index", index: { ...json, mediaType: type } as unknown as ImageIndex };
  }
  checkDescriptor(json.config, "image manifest config");
  if (!Array.isArray(json.layers)) {
    throw new ManifestError("Invalid image manifest: missing layers");
  }
  json.layers.forEach((l, i) => checkDescriptor(l, `image manifest layer ${i}`));
  return { kind: "manifest", manifest: { ...json, mediaType: type } as unknown as ImageManifest };
}

/**
 * Parses and validates an image config blob.
 * @throws {ManifestError} when it is not JSON or lacks architecture, os or rootfs.diff_ids.
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfigFile {
  const json = parseJson(bytes, "image config");
  if (typeof json.architecture !== "string" || typeof json.os !== "string") {
    throw new ManifestError("Invalid image config: missing architecture or os");
  }
  const rootfs = json.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (
    rootfs?.type !== "layers" || !Array.isArray(rootfs.diff_ids) ||
    rootfs.diff_ids.some((d) => typeof d !== "string")
  ) {
    throw new ManifestError("Invalid image config: rootfs.diff_ids must be a list of digests");
  }
  return json as unknown as ImageConfigFile;
}
