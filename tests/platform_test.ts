import assert from "node:assert/strict";
import type { Descriptor, ImageIndex } from "../registry/format/manifest.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../registry/format/media_types.ts";
import {
  formatPlatform,
  hostPlatform,
  parsePlatform,
  PlatformError,
  selectManifest,
} from "../registry/format/platform.ts";

function entry(n: number, platform: Descriptor["platform"], annotations?: Record<string, string>) {
  const d: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${String(n).repeat(64)}`,
    size: 100,
  };
  if (platform !== undefined) d.platform = platform;
  if (annotations !== undefined) d.annotations = annotations;
  return d;
}

const attestation = entry(0, { os: "unknown", architecture: "unknown" }, {
  "vnd.docker.reference.type": "attestation-manifest",
});
const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    attestation,
    entry(1, { os: "linux", architecture: "amd64" }),
    entry(2, { os: "linux", architecture: "arm", variant: "v6" }),
    entry(3, { os: "linux", architecture: "arm", variant: "v7" }),
    entry(4, { os: "linux", architecture: "arm64" }),
  ],
};

Deno.test("selectManifest() picks the entry for the wanted os and architecture", () => {
  assert.equal(selectManifest(index, parsePlatform("linux/amd64")), index.manifests[1]);
});

Deno.test("selectManifest() matches an arm64 entry without variant to v8", () => {
  assert.equal(selectManifest(index, parsePlatform("linux/arm64/v8")), index.manifests[4]);
  assert.equal(selectManifest(index, parsePlatform("linux/arm64")), index.manifests[4]);
});

Deno.test("selectManifest() distinguishes arm variants and defaults arm to v7", () => {
  assert.equal(selectManifest(index, parsePlatform("linux/arm/v6")), index.manifests[2]);
  assert.equal(selectManifest(index, parsePlatform("linux/arm")), index.manifests[3]);
});

Deno.test("selectManifest() skips unknown/unknown attestation entries", () => {
  const onlyAttestation: ImageIndex = { ...index, manifests: [attestation] };
  assert.throws(
    () => selectManifest(onlyAttestation, { os: "unknown", architecture: "unknown" }),
    PlatformError,
  );
});

Deno.test("selectManifest() names the wanted platform when nothing matches", () => {
  const amd64Only: ImageIndex = { ...index, manifests: [attestation, index.manifests[1]!] };
  assert.throws(() => selectManifest(amd64Only, parsePlatform("linux/arm64")), {
    name: "PlatformError",
    message: "no matching manifest for linux/arm64 in the manifest list entries",
  });
});

Deno.test("parsePlatform() reads os/arch[/variant] and rejects other shapes", () => {
  assert.deepEqual(parsePlatform("linux/arm64/v8"), {
    os: "linux",
    architecture: "arm64",
    variant: "v8",
  });
  assert.deepEqual(parsePlatform("Linux/AMD64"), { os: "linux", architecture: "amd64" });
  for (const bad of ["linux", "linux/", "a/b/c/d", "/amd64"]) {
    assert.throws(() => parsePlatform(bad), PlatformError, bad);
  }
});

Deno.test("hostPlatform() uses Docker's architecture names", () => {
  const platform = hostPlatform();
  assert.equal(platform.os, "linux");
  const expected = Deno.build.arch === "x86_64" ? "linux/amd64" : "linux/arm64/v8";
  assert.equal(formatPlatform(platform), expected);
});
