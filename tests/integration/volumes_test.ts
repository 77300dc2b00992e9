/**
 * Volumes as a user meets them: `volume create/ls/inspect/rm/prune` in Docker's formats, named
 * and anonymous volumes (`-v NAME:/path`, `-v /path`, the image's `VOLUME`, filled from the image
 * on first use), `--volumes-from`, `rm -v` and `--rm` taking anonymous volumes with them.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage, type TarEntry } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const bed = await makeTestBed();
const registry = await startRegistry({ tls: false, tokenAuth: false });
const env = { ...registry.env, ...bed.env };
const mydocker = (args: string[], stdin?: string) =>
  runMydocker(args, {
    env,
    ...(stdin === undefined ? {} : { stdin: new TextEncoder().encode(stdin) }),
  });
const run = (...args: string[]) => mydocker(["run", "--rootfs", bed.rootfs, ...args]);
const text = (content: string) => new TextEncoder().encode(content);
const volumeNames = async () => (await mydocker(["volume", "ls", "-q"])).stdoutText;

const image = `${registry.host}/withvolume:v1`;
await pushImage(registry, "withvolume", "v1", {
  layers: [
    {
      entries: [
        ...await busyboxEntries(),
        ...["dev", "proc", "sys", "etc"].map((path): TarEntry => ({ path, type: "dir" })),
        { path: "data", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
        { path: "data/seed.txt", type: "file", content: text("seed\n"), uid: 1000 },
        { path: "data/old.txt", type: "file", content: text("old\n") },
        { path: "data/sub", type: "dir" },
        { path: "data/sub/deep.txt", type: "file", content: text("deep\n") },
      ],
    },
    {
      entries: [
        { path: "data", type: "dir", mode: 0o750, uid: 1000, gid: 1000 },
        { path: "data/.wh.old.txt", type: "file" },
        { path: "data/link", type: "symlink", linkname: "seed.txt" },
      ],
    },
  ],
  config: { Cmd: ["sh"], Volumes: { "/data": {} } },
});

Deno.test("volume create, ls, inspect and rm print what Docker prints", async () => {
  const created = await mydocker(["volume", "create", "--label", "team=a", "vol1"]);
  assert.deepEqual([created.code, created.stdoutText], [0, "vol1\n"]);
  assert.equal((await mydocker(["volume", "create", "vol1"])).stdoutText, "vol1\n");
  const listed = await mydocker(["volume", "ls"]);
  assert.equal(listed.stdoutText, "DRIVER   VOLUME NAME\nlocal    vol1\n");
  const inspected = await mydocker(["volume", "inspect", "vol1"]);
  const [volume] = JSON.parse(inspected.stdoutText);
  assert.deepEqual(Object.keys(volume), [
    "CreatedAt",
    "Driver",
    "Labels",
    "Mountpoint",
    "Name",
    "Options",
    "Scope",
  ]);
  assert.match(volume.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(volume.Labels, { team: "a" });
  assert.equal(volume.Mountpoint, `${bed.stateRoot}/volumes/vol1/_data`);
  assert.equal(volume.Scope, "local");
  const missing = await mydocker(["volume", "inspect", "nope"]);
  assert.deepEqual([missing.code, missing.stdoutText, missing.stderrText], [
    125,
    "[]\n",
    "mydocker: No such volume: nope\n",
  ]);
  const bad = await mydocker(["volume", "create", "a/b"]);
  assert.equal(bad.code, 125);
  assert.match(bad.stderrText, /^mydocker: create a\/b: "a\/b" includes invalid characters/);
  assert.equal((await mydocker(["volume", "rm", "vol1"])).stdoutText, "vol1\n");
  const gone = await mydocker(["volume", "rm", "vol1"]);
  assert.deepEqual([gone.code, gone.stderrText], [125, "mydocker: get vol1: no such volume\n"]);
  assert.equal((await mydocker(["volume", "rm", "-f", "vol1"])).code, 0);
  assert.equal(await volumeNames(), "");
});

Deno.test("-v NAME:/path keeps data between containers; an in-use volume is refused", async () => {
  const write = await run(
    "--name",
    "writer",
    "-v",
    "keep:/keep",
    "x",
    "sh",
    "-c",
    "echo hi > /keep/f",
  );
  assert.equal(write.code, 0, write.stderrText);
  const read = await run("--rm", "-v", "keep:/k:ro", "x", "sh", "-c", "cat /k/f; touch /k/g");
  assert.equal(read.stdoutText, "hi\n");
  assert.match(read.stderrText, /Read-only file system/);
  const refused = await mydocker(["volume", "rm", "keep"]);
  const id = (await mydocker(["ps", "-aq"])).stdoutText.trim();
  assert.equal(refused.code, 125);
  assert.match(
    refused.stderrText,
    /^mydocker: remove keep: volume is in use - \[[0-9a-f]{64}\]\n$/,
  );
  assert.match(id, /^[0-9a-f]{12}$/);
  assert.ok(refused.stderrText.includes(`[${id}`), refused.stderrText);
  assert.equal((await mydocker(["rm", "-v", "writer"])).code, 0);
  assert.equal(await volumeNames(), "keep\n", "rm -v keeps named volumes");
  assert.equal((await mydocker(["volume", "rm", "keep"])).code, 0);
});

Deno.test("the image's VOLUME gets an anonymous volume filled from the image, writable with --read-only", async () => {
  const first = await mydocker([
    "run",
    "--name",
    "vol-image",
    "--read-only",
    image,
    "sh",
    "-c",
    "cd /data && ls -A && cat seed.txt sub/deep.txt link && stat -c '%u %a' . seed.txt && echo new > new.txt",
  ]);
  assert.equal(first.code, 0, first.stderrText);
  assert.equal(first.stdoutText, "link\nseed.txt\nsub\nseed\ndeep\nseed\n1000 750\n1000 644\n");
  const names = (await volumeNames()).trim().split("\n");
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^[0-9a-f]{64}$/);
  const [volume] = JSON.parse((await mydocker(["volume", "inspect", names[0]!])).stdoutText);
  assert.deepEqual(volume.Labels, { "com.docker.volume.anonymous": "" });
  const from = await run(
    "--rm",
    "--volumes-from",
    "vol-image:ro",
    "x",
    "sh",
    "-c",
    "cat /data/new.txt; touch /data/x",
  );
  assert.equal(from.stdoutText, "new\n");
  assert.match(from.stderrText, /Read-only file system/);
  assert.equal((await mydocker(["rm", "-v", "vol-image"])).code, 0);
  assert.equal(await volumeNames(), "", "rm -v removes the anonymous volume");
});

Deno.test("-v /path with --rm leaves no volume; volume prune removes unused anonymous ones", async () => {
  const removed = await run("--rm", "-v", "/scratch", "x", "sh", "-c", "touch /scratch/a");
  assert.equal(removed.code, 0, removed.stderrText);
  assert.equal(await volumeNames(), "");
  assert.equal((await run("--name", "kept", "-v", "/scratch", "x", "true")).code, 0);
  assert.equal((await mydocker(["volume", "create", "named"])).code, 0);
  const anonymous = (await volumeNames()).split("\n").find((name) => name.length === 64)!;
  const inUse = await mydocker(["volume", "prune", "-f"]);
  assert.equal(inUse.stdoutText, "Total reclaimed space: 0B\n");
  assert.equal((await mydocker(["rm", "kept"])).code, 0);
  const declined = await mydocker(["volume", "prune"], "n\n");
  assert.equal(
    declined.stdoutText,
    "WARNING! This will remove anonymous local volumes not used by at least one container.\n" +
      "Are you sure you want to continue? [y/N] ",
  );
  assert.equal((await volumeNames()).split("\n").length, 3);
  const pruned = await mydocker(["volume", "prune"], "y\n");
  assert.match(
    pruned.stdoutText,
    new RegExp(`Deleted Volumes:\n${anonymous}\n\nTotal reclaimed space: 0B\n$`),
  );
  assert.equal(await volumeNames(), "named\n");
  const all = await mydocker(["volume", "prune", "-a", "-f"]);
  assert.equal(all.stdoutText, "Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n");
});

Deno.test("volumes cleanup", async () => {
  await mydocker(["rmi", image]);
  await registry.stop();
});
