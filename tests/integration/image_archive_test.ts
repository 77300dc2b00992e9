/**
 * `mydocker tag`, `save` and `load` as a user runs them: an image pulled from a registry, saved,
 * removed, loaded back and run; the archive loaded by podman too, and podman's own archives
 * (docker-archive and OCI layout) loaded by mydocker.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage, type TarEntry } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";

const registry = await startRegistry({ tls: false, tokenAuth: false });
const root = await Deno.makeTempDir({ prefix: "mydocker-test-archive-" });
const work = await Deno.makeTempDir({ prefix: "mydocker-test-archive-files-" });
globalThis.addEventListener("unload", () => {
  for (const dir of [root, work]) Deno.removeSync(dir, { recursive: true });
});
const env = { ...registry.env, MYDOCKER_ROOT: root };
const mydocker = (...args: string[]) => runMydocker(args, { env });
const text = (content: string) => new TextEncoder().encode(content);
const image = `${registry.host}/archived:v1`;
await pushImage(registry, "archived", "v1", {
  layers: [
    {
      entries: [...await busyboxEntries(), { path: "etc/gone", type: "file", content: text("x") }],
    },
    {
      entries: [
        { path: "etc/.wh.gone", type: "file" },
        { path: "app", type: "dir" },
        { path: "app/data", type: "file", content: text("saved\n") },
      ] satisfies TarEntry[],
    },
  ],
  config: { Cmd: ["cat", "/app/data"] },
});
assert.equal((await mydocker("pull", "-q", image)).code, 0);

Deno.test("tag gives an image a second name; an unknown source is refused", async () => {
  const tagged = await mydocker("tag", image, "local/copy:2");
  assert.equal(tagged.code, 0, tagged.stderrText);
  assert.equal(tagged.stdoutText, "");
  const images = await mydocker("images");
  assert.match(images.stdoutText, /^local\/copy\s+2\s/m);
  const run = await mydocker("run", "--rm", "local/copy:2");
  assert.equal(run.stdoutText, "saved\n");
  const missing = await mydocker("tag", "nothing:here", "x:y");
  assert.equal(missing.stderrText, "mydocker: No such image: nothing:here\n");
  assert.equal(missing.code, 125);
});

Deno.test("save writes a docker-archive; load brings it back after rmi, whiteouts kept", async () => {
  const archive = `${work}/saved.tar`;
  const saved = await mydocker("save", "-o", archive, image);
  assert.equal(saved.code, 0, saved.stderrText);
  const listing = await new Deno.Command("tar", { args: ["-tf", archive], stdout: "piped" })
    .output();
  assert.match(new TextDecoder().decode(listing.stdout), /^manifest\.json$/m);
  assert.equal((await mydocker("rmi", image)).code, 0);
  const loaded = await runMydocker(["load"], { env, stdin: await Deno.readFile(archive) });
  assert.equal(loaded.code, 0, loaded.stderrText);
  assert.equal(loaded.stdoutText, `Loaded image: ${image}\n`);
  const run = await mydocker(
    "run",
    "--rm",
    image,
    "sh",
    "-c",
    "cat /app/data; test -e /etc/gone || echo gone",
  );
  assert.equal(run.stdoutText, "saved\ngone\n");
});

const podman = (root: string, ...args: string[]) =>
  new Deno.Command("podman", {
    args: ["--root", `${root}/storage`, "--runroot", `${root}/run`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();

Deno.test("podman loads mydocker's archive, and mydocker loads podman's (both formats)", async () => {
  const archive = `${work}/for-podman.tar`;
  assert.equal((await mydocker("save", "-o", archive, image)).code, 0);
  const podmanRoot = await Deno.makeTempDir({ prefix: "mydocker-test-podman-" });
  try {
    // The archive is an OCI image layout too (index.json, oci-layout), as Docker 25's are.
    const pulled = await podman(podmanRoot, "pull", `oci-archive:${archive}`);
    assert.ok(pulled.success, new TextDecoder().decode(pulled.stderr));
    const listed = await podman(podmanRoot, "images", "--format", "{{.Repository}}:{{.Tag}}");
    assert.match(new TextDecoder().decode(listed.stdout), /archived:v1\n/);
    assert.ok((await podman(podmanRoot, "rmi", "--all", "--force")).success);
    const loaded = await podman(podmanRoot, "load", "-i", archive);
    const out = new TextDecoder().decode(loaded.stdout) + new TextDecoder().decode(loaded.stderr);
    assert.ok(loaded.success, out);
    assert.match(out, /Loaded image.*archived:v1/);
    for (const format of ["docker-archive", "oci-archive"]) {
      const file = `${work}/from-podman.${format}.tar`;
      const name = `localhost/from/${format}:v1`;
      assert.ok((await podman(podmanRoot, "tag", image, name)).success);
      const saved = await podman(podmanRoot, "save", "--format", format, "-o", file, name);
      assert.ok(saved.success, new TextDecoder().decode(saved.stderr));
      const back = await mydocker("load", "-i", file);
      assert.equal(back.code, 0, back.stderrText);
      const run = await mydocker("run", "--rm", name.replace(/^localhost\//, "localhost/"));
      assert.equal(run.stdoutText, "saved\n", `${format}: ${back.stdoutText}${run.stderrText}`);
    }
  } finally {
    await podman(podmanRoot, "system", "reset", "-f");
    await Deno.remove(podmanRoot, { recursive: true }).catch(() => {});
  }
});
