import assert from "node:assert/strict";
import { RegistryClient } from "../../registry/distribution/client.ts";
import { ANONYMOUS } from "../../registry/distribution/credentials.ts";
import { type PullEvent, pullImage } from "../../registry/pull/pull.ts";
import { parseReference } from "../../registry/format/reference.ts";
import { loadRegistryConfig } from "../../registry/distribution/registry_config.ts";
import { ImageNotFoundError, ImageStore } from "../../registry/store.ts";
import { lgetxattr } from "../../sys/xattr.ts";
import { type ImageSpec, pushImage, type TarEntry } from "../../testing/image_builder.ts";
import { startRegistry, type TestRegistry } from "../../testing/registry_server.ts";

async function withRegistry(body: (registry: TestRegistry) => Promise<void>): Promise<void> {
  const registry = await startRegistry({ tls: true, tokenAuth: true });
  try {
    await body(registry);
  } finally {
    await registry.stop();
  }
}

async function withStore(body: (store: ImageStore) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "mydocker-store-" });
  try {
    await body(new ImageStore(root));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function clientFor(registry: TestRegistry): Promise<RegistryClient> {
  const config = await loadRegistryConfig((name) => registry.env[name]);
  return await RegistryClient.create(registry.host, { config, credentials: ANONYMOUS });
}

/** Lists every path under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (sub: string) => {
    for await (const entry of Deno.readDir(`${dir}/${sub}`)) {
      const path = sub === "" ? entry.name : `${sub}/${entry.name}`;
      paths.push(path);
      if (entry.isDirectory) await walk(path);
    }
  };
  await walk("");
  return paths.sort();
}

const file = (path: string, content: string, extra: Partial<TarEntry> = {}): TarEntry => ({
  path,
  type: "file",
  content,
  ...extra,
});

const MULTI_LAYER: ImageSpec = {
  layers: [
    {
      compression: "gzip",
      entries: [
        { path: "etc", type: "dir" },
        file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
        file("etc/doomed", "bye"),
        { path: "var/cache", type: "dir" },
        file("var/cache/old", "old"),
        file("bin/su", "su", { mode: 0o4755 }),
      ],
    },
    {
      compression: "zstd",
      entries: [
        file("etc/.wh.doomed", ""),
        { path: "var/cache", type: "dir" },
        file("var/cache/.wh..wh..opq", ""),
        file("var/cache/new", "new"),
        file("home/user/secret", "s", { uid: 1000, gid: 1000, mode: 0o600 }),
      ],
    },
    {
      compression: "none",
      entries: [
        file("app/run", "#!/bin/sh\n", { mode: 0o755 }),
        { path: "app/link", type: "hardlink", linkname: "app/run" },
      ],
    },
  ],
  config: { Cmd: ["/app/run"], Env: ["A=1"] },
};

Deno.test("pullImage() pulls gzip, zstd and plain layers with whiteouts into the store", async () => {
  await withRegistry(async (registry) => {
    const pushed = await pushImage(registry, "test/multi", "v1", MULTI_LAYER);
    const client = await clientFor(registry);
    try {
      await withStore(async (store) => {
        const ref = parseReference(`${registry.host}/test/multi:v1`);
        const events: PullEvent[] = [];
        const result = await pullImage(client, store, ref, { onEvent: (e) => events.push(e) });
        assert.equal(result.manifestDigest, pushed.digest);
        assert.equal(result.id, pushed.configDigest);
        assert.ok(result.downloaded);
        const statuses = events.flatMap((e) => e.type === "layer" ? [e.status] : []);
        assert.equal(statuses.filter((s) => s === "done").length, 3);
        assert.equal(events[0]?.type, "resolved");

        const image = await store.getImage(ref);
        assert.ok(image !== undefined);
        assert.deepEqual(image.config.config?.Cmd, ["/app/run"]);
        assert.equal(image.layers.length, 3);
        const [top, middle, bottom] = image.layers as [string, string, string];
        assert.equal(
          await Deno.readTextFile(`${bottom}/etc/passwd`),
          "root:x:0:0::/root:/bin/sh\n",
        );
        assert.equal((await Deno.lstat(`${bottom}/bin/su`)).mode! & 0o7777, 0o4755);
        const whiteout = await Deno.lstat(`${middle}/etc/doomed`);
        assert.ok(whiteout.isCharDevice);
        assert.equal(whiteout.rdev, 0);
        const opaque = lgetxattr(`${middle}/var/cache`, "trusted.overlay.opaque");
        assert.equal(new TextDecoder().decode(opaque!), "y");
        const secret = await Deno.lstat(`${middle}/home/user/secret`);
        assert.equal(secret.uid, 1000);
        assert.equal(secret.mode! & 0o7777, 0o600);
        assert.equal(
          (await Deno.lstat(`${top}/app/link`)).ino,
          (await Deno.lstat(`${top}/app/run`)).ino,
        );

        const images = await store.listImages();
        assert.equal(images.length, 1);
        assert.equal(images[0]?.tag, "v1");
        assert.equal(images[0]?.repository, "test/multi");
        assert.equal(images[0]?.id, pushed.configDigest);
        const tarBytes = pushed.layers.reduce((sum, layer) => sum + layer.tar.length, 0);
        assert.equal(images[0]?.size, tarBytes);

        // A second pull finds everything in place.
        const again: PullEvent[] = [];
        const second = await pullImage(client, store, ref, { onEvent: (e) => again.push(e) });
        assert.equal(second.downloaded, false);
        assert.ok(again.every((e) => e.type !== "layer" || e.status === "exists"));
        assert.deepEqual(await tree(`${store.root}/tmp`), []);
      });
    } finally {
      client.close();
    }
  });
});

Deno.test("pullImage() rejects a corrupt or escaping layer and leaves the store unchanged", async () => {
  await withRegistry(async (registry) => {
    await pushImage(registry, "test/base", "v1", {
      layers: [{ entries: [file("base", "base")] }],
    });
    const corrupt = await pushImage(registry, "test/corrupt", "v1", {
      layers: [{ entries: [file("base", "base")] }, { entries: [file("x", "x".repeat(10000))] }],
    });
    await registry.corruptBlob(corrupt.layers[1]!.descriptor.digest);
    await pushImage(registry, "test/escape", "v1", {
      layers: [{
        entries: [{ path: "up", type: "symlink", linkname: ".." }, file("up/evil", "evil")],
      }],
    });
    await pushImage(registry, "test/wrongdiff", "v1", {
      layers: [{ entries: [file("f", "f")] }],
      diffIds: [`sha256:${"0".repeat(64)}`],
    });
    const client = await clientFor(registry);
    try {
      await withStore(async (store) => {
        await pullImage(client, store, parseReference(`${registry.host}/test/base:v1`));
        const before = await tree(store.root);
        for (
          const [name, message] of [
            ["test/corrupt:v1", /Digest mismatch for sha256:/],
            ["test/escape:v1", /entry "up\/evil" passes through the symlink "up"/],
            ["test/wrongdiff:v1", /Digest mismatch for sha256:0000/],
          ] as const
        ) {
          await assert.rejects(
            pullImage(client, store, parseReference(`${registry.host}/${name}`)),
            message,
          );
          assert.deepEqual(await tree(store.root), before, `store unchanged after ${name}`);
        }
        await assert.rejects(Deno.lstat(`${store.root}/evil`), Deno.errors.NotFound);
      });
    } finally {
      client.close();
    }
  });
});

Deno.test("pullImage() run twice at once succeeds twice and stores each layer once", async () => {
  await withRegistry(async (registry) => {
    const big = new Uint8Array(4 << 20).map(() => Math.floor(Math.random() * 256));
    await pushImage(registry, "test/concurrent", "v1", {
      layers: [
        { entries: [{ path: "big", type: "file", content: big }], compression: "none" },
        { entries: [file("small", "small")] },
      ],
    });
    const clients = [await clientFor(registry), await clientFor(registry)];
    try {
      await withStore(async (store) => {
        const ref = parseReference(`${registry.host}/test/concurrent:v1`);
        const results = await Promise.all(
          clients.map((client) => pullImage(client, new ImageStore(store.root), ref)),
        );
        assert.equal(results[0]?.id, results[1]?.id);
        assert.equal(
          (await tree(`${store.root}/layers`)).filter((p) => !p.includes("/")).length,
          2,
        );
        assert.deepEqual(await tree(`${store.root}/tmp`), []);
        assert.deepEqual(await Deno.readFile(`${(await store.getImage(ref))!.layers[1]}/big`), big);
      });
    } finally {
      for (const client of clients) client.close();
    }
  });
});

Deno.test("removeImage() collects layers no other image uses", async () => {
  await withRegistry(async (registry) => {
    const shared = { entries: [file("shared", "shared")] };
    await pushImage(registry, "test/one", "v1", {
      layers: [shared, { entries: [file("a", "a")] }],
    });
    await pushImage(registry, "test/two", "v1", {
      layers: [shared, { entries: [file("b", "b")] }],
    });
    const client = await clientFor(registry);
    try {
      await withStore(async (store) => {
        const one = parseReference(`${registry.host}/test/one:v1`);
        const two = parseReference(`${registry.host}/test/two:v1`);
        await pullImage(client, store, one);
        await pullImage(client, store, two);
        assert.equal(Array.from(Deno.readDirSync(`${store.root}/layers`)).length, 3);
        await store.removeImage(one);
        assert.equal(await store.getImage(one), undefined);
        const image = await store.getImage(two);
        assert.ok(image !== undefined);
        assert.equal(Array.from(Deno.readDirSync(`${store.root}/layers`)).length, 2);
        assert.equal(await Deno.readTextFile(`${image.layers[1]}/shared`), "shared");
        assert.equal(Array.from(Deno.readDirSync(`${store.root}/blobs/sha256`)).length, 2);
        await assert.rejects(store.removeImage(one), ImageNotFoundError);
        await store.removeImage(two);
        assert.deepEqual(await tree(`${store.root}/layers`), []);
        assert.deepEqual(await tree(`${store.root}/blobs/sha256`), []);
      });
    } finally {
      client.close();
    }
  });
});

Deno.test("a pull killed with SIGKILL leaves nothing usable and the next pull cleans up", async () => {
  await withRegistry(async (registry) => {
    const layers = Array.from({ length: 4 }, (_, index) => ({
      compression: "none" as const,
      entries: Array.from({ length: 300 }, (_, n) => file(`d${index}/f${n}`, "x".repeat(20000))),
    }));
    await pushImage(registry, "test/killed", "v1", { layers });
    await withStore(async (store) => {
      const script = new URL("../../testing/pull_child.ts", import.meta.url).pathname;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, store.root, `${registry.host}/test/killed:v1`],
        env: registry.env,
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes("downloading")) {
        const { done, value } = await reader.read();
        if (done) break;
        seen += value;
      }
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      assert.notDeepEqual(await tree(`${store.root}/tmp`), [], "the killed pull left work behind");
      assert.equal(
        await store.resolveTag(parseReference(`${registry.host}/test/killed:v1`)),
        undefined,
      );
      const client = await clientFor(registry);
      try {
        const ref = parseReference(`${registry.host}/test/killed:v1`);
        await pullImage(client, store, ref);
        assert.deepEqual(await tree(`${store.root}/tmp`), []);
        const image = await store.getImage(ref);
        assert.equal(image?.layers.length, 4);
        assert.equal(await Deno.readTextFile(`${image!.layers[0]}/d3/f299`), "x".repeat(20000));
      } finally {
        client.close();
      }
    });
  });
});
