import assert from "node:assert/strict";
import { RegistryClient } from "../../registry/distribution/client.ts";
import { ANONYMOUS, parseDockerConfig } from "../../registry/distribution/credentials.ts";
import { sha256Digest } from "../../registry/format/digest.ts";
import { parseManifest } from "../../registry/format/manifest.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../../registry/format/media_types.ts";
import { hostPlatform, parsePlatform, selectManifest } from "../../registry/format/platform.ts";
import {
  loadRegistryConfig,
  parseRegistryConfig,
} from "../../registry/distribution/registry_config.ts";
import { RegistryError } from "../../registry/distribution/registry_error.ts";
import { busyboxEntries, pushImage, pushIndex } from "../../testing/image_builder.ts";
import {
  type RegistryOptions,
  startRegistry,
  type TestRegistry,
} from "../../testing/registry_server.ts";

const FLAVOURS: [string, RegistryOptions][] = [
  ["plain HTTP", { tls: false, tokenAuth: false }],
  ["TLS + token auth", { tls: true, tokenAuth: true }],
];
const FAST_RETRY = { attempts: 2, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 0 };

async function withRegistry(
  options: RegistryOptions,
  fn: (registry: TestRegistry, client: RegistryClient) => Promise<void>,
): Promise<void> {
  const registry = await startRegistry(options);
  try {
    const config = await loadRegistryConfig((name) => registry.env[name]);
    const client = await RegistryClient.create(registry.host, {
      config,
      credentials: ANONYMOUS,
      retry: FAST_RETRY,
    });
    try {
      await fn(registry, client);
    } finally {
      client.close();
    }
  } finally {
    await registry.stop();
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function pushSmallImage(registry: TestRegistry, tag = "latest") {
  return pushImage(registry, "test/small", tag, {
    layers: [
      { entries: [{ path: "hello.txt", type: "file", content: "hello from layer 1\n" }] },
      {
        entries: [{ path: "etc/motd", type: "file", content: "x".repeat(5000) }],
        compression: "zstd",
      },
    ],
    config: { Cmd: ["/bin/sh"] },
  });
}

for (const [flavour, options] of FLAVOURS) {
  Deno.test(`RegistryClient fetches a manifest by tag and by digest (${flavour})`, async () => {
    await withRegistry(options, async (registry, client) => {
      const image = await pushSmallImage(registry);
      const byTag = await client.getManifest("test/small", "latest");
      assert.equal(byTag.digest, image.digest);
      assert.equal(byTag.mediaType, OCI_MANIFEST);
      assert.deepEqual(byTag.bytes, image.manifest);
      const byDigest = await client.getManifest("test/small", image.digest);
      assert.deepEqual(byDigest, byTag);
      const parsed = parseManifest(byTag.bytes, byTag.mediaType);
      assert.ok(parsed.kind === "manifest");
      assert.deepEqual(parsed.manifest.layers, image.layers.map((l) => l.descriptor));
    });
  });

  Deno.test(`RegistryClient and selectManifest() pick a platform from an index (${flavour})`, async () => {
    await withRegistry(options, async (registry, client) => {
      const host = await pushImage(registry, "test/multi", undefined, {
        layers: [{ entries: await busyboxEntries({ applets: ["sh"] }) }],
        platform: hostPlatform(),
      });
      const s390x = await pushImage(registry, "test/multi", undefined, {
        layers: [{ entries: [{ path: "arch", type: "file", content: "s390x" }] }],
        platform: { os: "linux", architecture: "s390x" },
      });
      const index = await pushIndex(registry, "test/multi", "v1", [
        { attestationFor: host },
        s390x,
        host,
      ]);
      const fetched = await client.getManifest("test/multi", "v1");
      assert.equal(fetched.digest, index.digest);
      assert.equal(fetched.mediaType, OCI_INDEX);
      const parsed = parseManifest(fetched.bytes, fetched.mediaType);
      assert.ok(parsed.kind === "index");
      assert.equal(parsed.index.manifests.length, 3);
      assert.equal(selectManifest(parsed.index, hostPlatform()).digest, host.digest);
      assert.equal(selectManifest(parsed.index, parsePlatform("linux/s390x")).digest, s390x.digest);
      assert.throws(() => selectManifest(parsed.index, parsePlatform("linux/riscv64")), {
        message: "no matching manifest for linux/riscv64 in the manifest list entries",
      });
      const child = await client.getManifest("test/multi", host.digest);
      assert.deepEqual(child.bytes, host.manifest);
    });
  });

  Deno.test(`RegistryClient.getBlob() downloads whole blobs and resumes with Range (${flavour})`, async () => {
    await withRegistry(options, async (registry, client) => {
      const image = await pushSmallImage(registry);
      const layer = image.layers[1]!;
      const whole = await client.getBlob("test/small", layer.descriptor.digest);
      assert.equal(whole.offset, 0);
      assert.equal(whole.size, layer.blob.length);
      const bytes = await readAll(whole.body);
      assert.deepEqual(bytes, layer.blob);
      assert.equal(await sha256Digest(bytes), layer.descriptor.digest);
      const tail = await client.getBlob("test/small", layer.descriptor.digest, { offset: 10 });
      assert.equal(tail.offset, 10);
      assert.equal(tail.size, layer.blob.length - 10);
      assert.deepEqual(await readAll(tail.body), layer.blob.subarray(10));
      const config = await client.getBlob("test/small", image.configDigest);
      assert.deepEqual(
        JSON.parse(new TextDecoder().decode(await readAll(config.body))),
        image.config,
      );
    });
  });

  Deno.test(`RegistryClient reports unknown manifests and blobs as 404 RegistryErrors (${flavour})`, async () => {
    await withRegistry(options, async (registry, client) => {
      await pushSmallImage(registry);
      await assert.rejects(() => client.getManifest("test/small", "nope"), (error: unknown) => {
        assert.ok(error instanceof RegistryError);
        assert.equal(error.httpStatus, 404);
        assert.equal(error.message, "manifest unknown");
        return true;
      });
      await assert.rejects(
        () => client.getBlob("test/small", `sha256:${"0".repeat(64)}`),
        { name: "RegistryError", httpStatus: 404, message: /^blob unknown/ },
      );
      await assert.rejects(() => client.getManifest("test/absent", "latest"), {
        httpStatus: 404,
        message: "manifest unknown",
      });
    });
  });

  Deno.test(`RegistryClient detects a manifest whose bytes do not match its digest (${flavour})`, async () => {
    await withRegistry(options, async (registry, client) => {
      const image = await pushImage(registry, "test/corrupt", "v1", {
        layers: [{ entries: [{ path: "f", type: "file", content: "data" }] }],
        annotations: { note: "aaaa" },
      });
      await registry.rewriteBlob(
        image.digest,
        (bytes) =>
          new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"aaaa"', '"bbbb"')),
      );
      for (const reference of ["v1", image.digest]) {
        await assert.rejects(() => client.getManifest("test/corrupt", reference), {
          name: "RegistryError",
          message: new RegExp(`^manifest digest mismatch .*expected ${image.digest}, got sha256:`),
        });
      }
    });
  });
}

Deno.test("TestRegistry.corruptBlob() makes the registry serve bytes that fail verification", async () => {
  await withRegistry({ tls: false, tokenAuth: false }, async (registry, client) => {
    const image = await pushSmallImage(registry);
    const layer = image.layers[0]!.descriptor;
    await registry.corruptBlob(layer.digest);
    const blob = await client.getBlob("test/small", layer.digest);
    const bytes = await readAll(blob.body);
    assert.equal(bytes.length, layer.size);
    assert.notEqual(await sha256Digest(bytes), layer.digest);
  });
});

Deno.test("RegistryClient reuses one bearer token per repository scope", async () => {
  await withRegistry({ tls: true, tokenAuth: true }, async (registry, client) => {
    const image = await pushSmallImage(registry);
    const before = registry.tokenRequests();
    await client.getManifest("test/small", "latest");
    await client.getManifest("test/small", image.digest);
    for (const layer of image.layers) {
      await readAll((await client.getBlob("test/small", layer.descriptor.digest)).body);
    }
    assert.equal(client.tokenRequests, 1);
    assert.equal(registry.tokenRequests() - before, 1);
    await assert.rejects(() => client.getManifest("test/other", "latest"), { httpStatus: 404 });
    assert.equal(client.tokenRequests, 2);
  });
});

Deno.test("RegistryClient sends configured credentials to the token server", async () => {
  await withRegistry({ tls: true, tokenAuth: true }, async (registry) => {
    await pushSmallImage(registry);
    const config = await loadRegistryConfig((name) => registry.env[name]);
    const credentialsFor = (password: string) =>
      parseDockerConfig(
        JSON.stringify({
          auths: { [registry.host]: { username: registry.pushCredentials!.username, password } },
        }),
        "config.json",
      );
    const good = await RegistryClient.create(registry.host, {
      config,
      credentials: credentialsFor(registry.pushCredentials!.password),
      retry: FAST_RETRY,
    });
    const bad = await RegistryClient.create(registry.host, {
      config,
      credentials: credentialsFor("wrong"),
      retry: FAST_RETRY,
    });
    try {
      assert.equal((await good.getManifest("test/small", "latest")).mediaType, OCI_MANIFEST);
      await assert.rejects(() => bad.getManifest("test/small", "latest"), {
        name: "RegistryError",
        httpStatus: 401,
        message:
          /^cannot get a token from https:\/\/127\.0\.0\.1:\d+: unauthorized: incorrect username or password$/,
      });
    } finally {
      good.close();
      bad.close();
    }
  });
});

Deno.test("RegistryClient refuses a TLS registry whose CA it does not trust", async () => {
  await withRegistry({ tls: true, tokenAuth: false }, async (registry) => {
    await pushSmallImage(registry);
    const untrusting = await RegistryClient.create(registry.host, {
      config: parseRegistryConfig("{}", "/nonexistent/config.json"),
      credentials: ANONYMOUS,
      retry: FAST_RETRY,
    });
    try {
      await assert.rejects(() => untrusting.getManifest("test/small", "latest"), RegistryError);
    } finally {
      untrusting.close();
    }
  });
});

Deno.test("RegistryClient pulls Docker Hub images through a mirror, skipping a dead one", async () => {
  await withRegistry({ tls: false, tokenAuth: false }, async (registry) => {
    const image = await pushImage(registry, "library/alpine", "3.20", {
      layers: [{ entries: [{ path: "etc/alpine-release", type: "file", content: "3.20.0\n" }] }],
    });
    const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadPort = (dead.addr as Deno.NetAddr).port;
    dead.close();
    const config = parseRegistryConfig(
      JSON.stringify({
        "registry-mirrors": [`http://127.0.0.1:${deadPort}`, registry.url],
      }),
      "/nonexistent/config.json",
    );
    const hub = await RegistryClient.create("docker.io", {
      config,
      credentials: ANONYMOUS,
      retry: FAST_RETRY,
    });
    try {
      const manifest = await hub.getManifest("library/alpine", "3.20");
      assert.equal(manifest.digest, image.digest);
      const layer = image.layers[0]!.descriptor;
      const blob = await hub.getBlob("library/alpine", layer.digest);
      assert.equal(await sha256Digest(await readAll(blob.body)), layer.digest);
    } finally {
      hub.close();
    }
  });
});
