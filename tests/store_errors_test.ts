import assert from "node:assert/strict";
import { sha256Digest } from "../registry/format/digest.ts";
import { parseReference } from "../registry/format/reference.ts";
import { ImageStore, StoreWriteError } from "../registry/store.ts";

/** Runs `body` with a store on a 1 MiB tmpfs that a filler file has filled up. */
async function withFullStore(body: (store: ImageStore, filler: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "mydocker-store-full-" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", root],
  }).output();
  assert.ok(mount.success, new TextDecoder().decode(mount.stderr));
  try {
    const store = new ImageStore(root);
    await store.init();
    const filler = `${root}/filler`;
    await assert.rejects(Deno.writeFile(filler, new Uint8Array(2 << 20)), /No space left/);
    await body(store, filler);
  } finally {
    await new Deno.Command("umount", { args: [root] }).output();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("ImageStore writes on a full file system fail with one line and leave no temp files", async () => {
  await withFullStore(async (store, filler) => {
    const bytes = new TextEncoder().encode("x".repeat(65536));
    const digest = await sha256Digest(bytes);
    const message = `Cannot write to the image store at ${
      JSON.stringify(store.root)
    }: no space left on device`;
    await assert.rejects(store.putBlob(digest, bytes), (error: Error) => {
      assert.ok(error instanceof StoreWriteError);
      assert.equal(error.message, message);
      return true;
    });
    const ref = parseReference("127.0.0.1:5000/full:v1");
    await assert.rejects(store.setTag(ref, digest), { name: "StoreWriteError", message });
    assert.deepEqual([...Deno.readDirSync(`${store.root}/tmp`)], []);
    assert.equal(await store.hasBlob(digest), false);
    assert.equal(await store.resolveTag(ref), undefined);

    await Deno.remove(filler);
    await store.putBlob(digest, bytes);
    await store.setTag(ref, digest);
    assert.equal(await store.resolveTag(ref), digest);
    assert.deepEqual([...Deno.readDirSync(`${store.root}/tmp`)], []);
  });
});
