import assert from "node:assert/strict";
import {
  familiarName,
  formatReference,
  InvalidReferenceError,
  parseReference,
  registryApiHost,
} from "../registry/format/reference.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;

Deno.test("parseReference() adds library/ to official images", () => {
  assert.deepEqual(parseReference("alpine"), {
    registry: "docker.io",
    repository: "library/alpine",
    tag: "latest",
    digest: undefined,
  });
});

Deno.test("parseReference() puts user repositories on Docker Hub", () => {
  assert.deepEqual(parseReference("user/app:1.0"), {
    registry: "docker.io",
    repository: "user/app",
    tag: "1.0",
    digest: undefined,
  });
});

Deno.test("parseReference() treats a first component with a dot, a port or localhost as a registry", () => {
  assert.equal(parseReference("quay.io/coreos/etcd").registry, "quay.io");
  assert.equal(parseReference("host:5000/app").registry, "host:5000");
  assert.equal(parseReference("host:5000/app").repository, "app");
  assert.equal(parseReference("localhost/app:dev").registry, "localhost");
  assert.equal(parseReference("127.0.0.1:41234/a/b/c:t").repository, "a/b/c");
  assert.equal(parseReference("[::1]:5000/app").registry, "[::1]:5000");
});

Deno.test("parseReference() maps index.docker.io to docker.io", () => {
  const ref = parseReference("index.docker.io/busybox");
  assert.equal(ref.registry, "docker.io");
  assert.equal(ref.repository, "library/busybox");
});

Deno.test("parseReference() keeps the tag next to a digest and adds no default tag", () => {
  assert.deepEqual(parseReference(`alpine:3.20@${DIGEST}`), {
    registry: "docker.io",
    repository: "library/alpine",
    tag: "3.20",
    digest: DIGEST,
  });
  assert.equal(parseReference(`alpine@${DIGEST}`).tag, undefined);
});

Deno.test("parseReference() accepts separators allowed by the grammar", () => {
  assert.equal(parseReference("a__b/c.d-e---f_g:T_a.g-1").repository, "a__b/c.d-e---f_g");
});

Deno.test("parseReference() rejects malformed references with a message naming the cause", () => {
  const cases: [string, string][] = [
    ["Alpine", "repository name must be lowercase"],
    ["docker.io/Library/alpine", "repository name must be lowercase"],
    ["", "reference is empty"],
    ["alpine:", 'invalid tag ""'],
    ["alpine:-bad", 'invalid tag "-bad"'],
    [`alpine:${"t".repeat(129)}`, "invalid tag"],
    ["alpine@sha256:abc", 'invalid digest "sha256:abc"'],
    [`alpine@sha256:${"A".repeat(64)}`, "invalid sha256 digest"],
    ["user//app", "empty path component"],
    ["user/-app", 'invalid repository name component "-app"'],
    ["user/app_", 'invalid repository name component "app_"'],
    ["a___b", 'invalid repository name component "a___b"'],
    [`host/${"a".repeat(260)}`, "longer than 255"],
    ["bad_host.com/app", 'invalid registry host "bad_host.com"'],
  ];
  for (const [input, cause] of cases) {
    assert.throws(() => parseReference(input), (error: unknown) => {
      assert.ok(error instanceof InvalidReferenceError, input);
      assert.ok(
        error.message.startsWith(`Cannot parse image reference "${input}": `),
        error.message,
      );
      assert.ok(error.message.includes(cause), `${input}: ${error.message}`);
      return true;
    });
  }
});

Deno.test("formatReference() prints the full normalised name", () => {
  assert.equal(formatReference(parseReference("alpine")), "docker.io/library/alpine:latest");
  assert.equal(
    formatReference(parseReference(`host:5000/app@${DIGEST}`)),
    `host:5000/app@${DIGEST}`,
  );
});

Deno.test("familiarName() drops docker.io/library/ like docker images does", () => {
  assert.equal(familiarName(parseReference("alpine")), "alpine:latest");
  assert.equal(familiarName(parseReference("docker.io/user/app:v1")), "user/app:v1");
  assert.equal(familiarName(parseReference("host:5000/app:v1")), "host:5000/app:v1");
  assert.equal(familiarName(parseReference("library/a/b")), "library/a/b:latest");
});

Deno.test("registryApiHost() sends Docker Hub traffic to registry-1.docker.io", () => {
  assert.equal(registryApiHost("docker.io"), "registry-1.docker.io");
  assert.equal(registryApiHost("quay.io"), "quay.io");
});
