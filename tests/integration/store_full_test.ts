/**
 * A pull into a store whose file system fills up: one clear line, nothing half-written, and the
 * store works once there is space again.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { fileTree } from "../../testing/file_tree.ts";
import { startRegistry } from "../../testing/registry_server.ts";

async function mount(args: string[]): Promise<void> {
  const result = await new Deno.Command("mount", { args }).output();
  assert.ok(result.success, new TextDecoder().decode(result.stderr));
}

Deno.test("a pull that fills the store's file system exits 125, leaves nothing, works with space", async () => {
  const registry = await startRegistry({ tls: false, tokenAuth: false });
  const root = await Deno.makeTempDir({ prefix: "mydocker-test-full-" });
  // 1 MiB holds neither layer (busybox is about 2 MB), so both fail whichever finishes first.
  await mount(["-t", "tmpfs", "-o", "size=1m,mode=700", "tmpfs", root]);
  try {
    const noise = crypto.getRandomValues(new Uint8Array(65536));
    const big = new Uint8Array(6 << 20).map((_, index) => noise[index % noise.length]! ^ index);
    await pushImage(registry, "big", "v1", {
      layers: [
        { entries: await busyboxEntries() },
        { entries: [{ path: "big", type: "file", content: big }], compression: "none" },
      ],
    });
    const image = `${registry.host}/big:v1`;
    const env = { ...registry.env, MYDOCKER_ROOT: root };

    const full = await runMydocker(["pull", "-q", image], { env });
    assert.equal(full.code, 125);
    assert.match(
      full.stderrText,
      /^mydocker: Cannot pull ".*\/big:v1": Cannot unpack layer sha256:[0-9a-f]{64}: entry "[^"]+" cannot be written: no space left on device\n$/,
    );
    assert.deepEqual(fileTree(root).filter((path) => path !== "/lock"), [
      "/blobs",
      "/blobs/sha256",
      "/layers",
      "/leases",
      "/refs",
      "/tmp",
    ]);

    await mount(["-o", "remount,size=64m", root]);
    const pulled = await runMydocker(["pull", "-q", image], { env });
    assert.equal(pulled.stderrText, "");
    assert.equal(pulled.code, 0);
    const run = await runMydocker(["run", "--rm", image, "wc", "-c", "/big"], { env });
    assert.equal(run.stderrText, "");
    assert.equal(run.stdoutText, `${big.length} /big\n`);
    assert.deepEqual(fileTree(`${root}/tmp`), []);
  } finally {
    await registry.stop();
    await new Deno.Command("umount", { args: [root] }).output();
    await Deno.remove(root, { recursive: true });
  }
});
