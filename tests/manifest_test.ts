import assert from "node:assert/strict";
import {
  InvalidDigestError,
  parseDigest,
  sha256Digest,
  sha256Hex,
} from "../registry/format/digest.ts";
import { ManifestError, parseImageConfig, parseManifest } from "../registry/format/manifest.ts";
import {
  DOCKER_MANIFEST,
  layerCompression,
  OCI_INDEX,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from "../registry/format/media_types.ts";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const D = `sha256:${"b".repeat(64)}`;
const manifest = {
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: { mediaType: "application/vnd.docker.container.image.v1+json", digest: D, size: 2 },
  layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", digest: D, size: 3 }],
};

Deno.test("parseManifest() recognises image manifests and indexes", () => {
  const parsed = parseManifest(encode(manifest), DOCKER_MANIFEST);
  assert.equal(parsed.kind, "manifest");
  const index = parseManifest(encode({ schemaVersion: 2, manifests: [] }), "application/json");
  assert.deepEqual(index, {
    kind: "index",
    index: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] },
  });
  const { mediaType: _, ...withoutType } = manifest;
  const oci = parseManifest(encode(withoutType), "");
  assert.ok(oci.kind === "manifest" && oci.manifest.mediaType === OCI_MANIFEST);
});

Deno.test("parseManifest() refuses Docker schema 1 manifests clearly", () => {
  assert.throws(
    () => parseManifest(encode({ schemaVersion: 1, name: "x", fsLayers: [] }), "application/json"),
    { name: "ManifestError", message: /schema 1 is deprecated and not supported/ },
  );
});

Deno.test("parseManifest() names missing or invalid fields", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...manifest, schemaVersion: 3 }, /schemaVersion 3, expected 2/],
    [{ ...manifest, layers: undefined }, /missing layers/],
    [{ ...manifest, config: { ...manifest.config, digest: "md5:x" } }, /unsupported digest/],
    [{ ...manifest, config: { ...manifest.config, size: -1 } }, /size must be/],
    [{ schemaVersion: 2, mediaType: OCI_INDEX }, /missing manifests/],
  ];
  for (const [doc, message] of cases) {
    assert.throws(() => parseManifest(encode(doc), OCI_MANIFEST), (error: unknown) => {
      assert.ok(error instanceof ManifestError);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(() => parseManifest(new TextEncoder().encode("{"), OCI_MANIFEST), ManifestError);
});

Deno.test("parseImageConfig() requires architecture, os and rootfs.diff_ids", () => {
  const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [D] } };
  assert.deepEqual(parseImageConfig(encode(config)), config);
  assert.throws(() => parseImageConfig(encode({ ...config, rootfs: {} })), /diff_ids/);
  assert.throws(() => parseImageConfig(encode({ ...config, os: 1 })), /architecture or os/);
});

Deno.test("parseDigest() accepts sha256 only and explains why", () => {
  assert.deepEqual(parseDigest(D), { algorithm: "sha256", hex: "b".repeat(64) });
  assert.throws(() => parseDigest(`sha512:${"a".repeat(128)}`), {
    name: "InvalidDigestError",
    message: /unsupported digest algorithm "sha512"/,
  });
  assert.throws(() => parseDigest("sha256:abc"), InvalidDigestError);
});

Deno.test("sha256Hex() hashes bytes like sha256sum", async () => {
  const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  assert.equal(await sha256Hex(new Uint8Array()), empty);
  assert.equal(await sha256Digest(new Uint8Array()), `sha256:${empty}`);
});

Deno.test("layerCompression() maps layer media types to their compression", () => {
  assert.equal(layerCompression("application/vnd.docker.image.rootfs.diff.tar.gzip"), "gzip");
  assert.equal(layerCompression(OCI_LAYER_ZSTD), "zstd");
  assert.throws(() => layerCompression("text/plain"), TypeError);
});
