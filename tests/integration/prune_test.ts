/**
 * `container prune`, `image prune`, `system prune` and `system df` as a user runs them, in
 * Docker's output formats (its prompt, `Deleted …:` sections, `Total reclaimed space:`, the df
 * table), and `stats` streaming until it is interrupted.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { runMydocker, spawnMydocker } from "../../testing/mydocker.ts";
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
const ids = async (...args: string[]) =>
  (await mydocker(["ps", "-q", "--no-trunc", ...args])).stdoutText;

const tagged = await pushImage(registry, "tagged", "v1", {
  layers: [{ entries: await busyboxEntries() }],
});
const byDigest = await pushImage(registry, "bydigest", "v1", {
  layers: [{ entries: [{ path: "file", type: "file", content: new Uint8Array(3000) }] }],
});

Deno.test("container prune asks first, then removes the stopped containers only", async () => {
  assert.equal(
    (await run("--name", "big", "x", "sh", "-c", "head -c 5000 /dev/zero > /big")).code,
    0,
  );
  assert.equal((await run("--name", "small", "x", "true")).code, 0);
  const running = await run("-d", "--name", "runs", "x", "sleep", "30");
  assert.equal(running.code, 0, running.stderrText);
  const stopped = (await ids("-a", "-f", "status=exited")).trim().split("\n");
  assert.equal(stopped.length, 2);

  const declined = await mydocker(["container", "prune"], "n\n");
  assert.equal(
    declined.stdoutText,
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
  );
  assert.equal((await ids("-a")).trim().split("\n").length, 3);

  const pruned = await mydocker(["container", "prune", "-f"]);
  assert.equal(pruned.code, 0, pruned.stderrText);
  const [heading, ...rest] = pruned.stdoutText.split("\n");
  assert.equal(heading, "Deleted Containers:");
  assert.deepEqual(rest.slice(0, 2).sort(), [...stopped].sort());
  assert.deepEqual(rest.slice(2), ["", "Total reclaimed space: 5kB", ""]);
  assert.equal(await ids("-a"), running.stdoutText);

  const nothing = await mydocker(["container", "prune", "-f"]);
  assert.equal(nothing.stdoutText, "Total reclaimed space: 0B\n");
  assert.equal((await mydocker(["rm", "-f", "runs"])).code, 0);
});

Deno.test("image prune removes dangling images; -a every image no container uses", async () => {
  const digestName = `${registry.host}/bydigest@${byDigest.digest}`;
  const taggedName = `${registry.host}/tagged:v1`;
  for (const name of [digestName, taggedName]) {
    assert.equal((await mydocker(["pull", "-q", name])).code, 0);
  }
  const declined = await mydocker(["image", "prune", "-a"], "\n");
  assert.equal(
    declined.stdoutText,
    "WARNING! This will remove all images without at least one container associated to them.\n" +
      "Are you sure you want to continue? [y/N] ",
  );
  const dangling = await mydocker(["image", "prune", "-f"]);
  assert.equal(dangling.code, 0, dangling.stderrText);
  assert.equal(
    dangling.stdoutText,
    `Deleted Images:\nuntagged: ${digestName}\ndeleted: ${byDigest.configDigest}\n\n` +
      // The layer tar's size, as `images` counts it.
      "Total reclaimed space: 4.608kB\n",
  );
  assert.equal((await mydocker(["images", "-q"])).stdoutText.trim().split("\n").length, 1);

  assert.equal((await mydocker(["run", "--name", "user", taggedName, "true"])).code, 0);
  const kept = await mydocker(["image", "prune", "-a", "-f"]);
  assert.equal(kept.stdoutText, "Total reclaimed space: 0B\n");
  assert.equal((await mydocker(["rm", "user"])).code, 0);
  const all = await mydocker(["image", "prune", "-a", "-f"]);
  assert.match(
    all.stdoutText,
    new RegExp(
      `^Deleted Images:\nuntagged: ${taggedName}\ndeleted: ${tagged.configDigest}\n\n` +
        "Total reclaimed space: [1-9][0-9.]*[kM]B\n$",
    ),
  );
  assert.equal((await mydocker(["images", "-q"])).stdoutText, "");
});

Deno.test("system df counts images, containers and volumes; system prune frees them", async () => {
  const taggedName = `${registry.host}/tagged:v1`;
  assert.equal((await mydocker(["pull", "-q", taggedName])).code, 0);
  assert.equal(
    (await run("--name", "kept", "-v", "/scratch", "x", "sh", "-c", "head -c 2000 /dev/zero > /f"))
      .code,
    0,
  );
  const df = await mydocker(["system", "df"]);
  assert.equal(df.code, 0, df.stderrText);
  const rows = df.stdoutText.trimEnd().split("\n").map((line) => line.split(/\s{2,}/));
  assert.deepEqual(rows[0], ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]);
  assert.equal(rows[1]![0], "Images");
  assert.deepEqual(rows[1]!.slice(1, 3), ["1", "0"]);
  assert.match(rows[1]![4]!, / \(100%\)$/);
  assert.deepEqual(rows[2], ["Containers", "1", "0", "2kB", "2kB (100%)"]);
  assert.deepEqual(rows[3], ["Local Volumes", "1", "1", "0B", "0B"]);
  assert.deepEqual(rows[4], ["Build Cache", "0", "0", "0B", "0B"]);

  const declined = await mydocker(["system", "prune", "-a", "--volumes"], "no\n");
  assert.equal(
    declined.stdoutText,
    "WARNING! This will remove:\n  - all stopped containers\n" +
      "  - all anonymous volumes not used by at least one container\n" +
      "  - all images without at least one container associated to them\n\n" +
      "Are you sure you want to continue? [y/N] ",
  );
  const container = (await ids("-a")).trim();
  const volume = (await mydocker(["volume", "ls", "-q"])).stdoutText.trim();
  const pruned = await mydocker(["system", "prune", "-a", "--volumes"], "y\n");
  assert.equal(pruned.code, 0, pruned.stderrText);
  assert.match(
    pruned.stdoutText,
    new RegExp(
      `Deleted Containers:\n${container}\n\nDeleted Volumes:\n${volume}\n\n` +
        `Deleted Images:\nuntagged: ${taggedName}\ndeleted: ${tagged.configDigest}\n\n` +
        "Total reclaimed space: [1-9][0-9.]*[kM]B\n$",
    ),
  );
  const empty = await mydocker(["system", "df"]);
  assert.match(empty.stdoutText, /\nImages +0 +0 +0B +0B\nContainers +0 +0 +0B +0B\n/);
});

Deno.test("stats without --no-stream redraws its table every second until interrupted", async () => {
  const started = await run("-d", "--name", "watched", "x", "sleep", "30");
  assert.equal(started.code, 0, started.stderrText);
  const child = spawnMydocker(["stats"], env);
  const reader = child.stdout.getReader();
  let text = "";
  const began = Date.now();
  while (text.split("\x1b[H").length <= 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const elapsed = Date.now() - began;
  child.kill("SIGINT");
  reader.releaseLock();
  await child.stdout.cancel();
  await child.stderr.cancel();
  await child.status;
  assert.ok(text.startsWith("\x1b[2J\x1b[H"), JSON.stringify(text.slice(0, 40)));
  assert.ok(elapsed >= 1500, `three tables in ${elapsed} ms`);
  const tables = text.split("\x1b[H").slice(1);
  for (const table of tables.slice(0, 2)) {
    const lines = table.split("\n");
    assert.ok(lines[0]!.endsWith("\x1b[K"), JSON.stringify(lines[0]));
    assert.match(lines[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O/);
    assert.match(lines[1]!, new RegExp(`^${started.stdoutText.slice(0, 12)} +watched +`));
    assert.equal(lines.at(-1), "\x1b[J");
  }
  assert.equal((await mydocker(["rm", "-f", "watched"])).code, 0);
});

Deno.test("prune cleanup", async () => {
  await registry.stop();
});
