/**
 * `images --filter` and `--no-trunc` as a user runs them, with Docker's filter keys: dangling,
 * reference (shell patterns), before, since, label; and Docker's errors for bad filters.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const bed = await makeTestBed();
const registry = await startRegistry({ tls: false, tokenAuth: false });
const env = { ...registry.env, ...bed.env };
const mydocker = (...args: string[]) => runMydocker(args, { env });
const entries = await busyboxEntries();
const push = (repository: string, tag: string | undefined, year: number, labels = {}) =>
  pushImage(registry, repository, tag, {
    layers: [{ entries }],
    created: new Date(`${year}-01-01T00:00:00Z`),
    config: { Labels: labels, Cmd: [`${year}`] },
  });
await push("filtered/old", "v1", 2020, { tier: "base" });
const middle = await push("filtered/middle", undefined, 2022);
const newest = await push("filtered/new", "v1", 2024, { tier: "app", team: "x" });
const host = registry.host;
for (const name of [`${host}/filtered/old:v1`, `${host}/filtered/middle@${middle.digest}`]) {
  assert.equal((await mydocker("pull", "-q", name)).code, 0);
}
assert.equal((await mydocker("pull", "-q", `${host}/filtered/new:v1`)).code, 0);

/** The names `images --filter` lets through, each `REPOSITORY:TAG` without the host, sorted. */
async function filtered(...filters: string[]): Promise<string[]> {
  const args = filters.flatMap((filter) => ["--filter", filter]);
  const result = await mydocker("images", ...args, "--format", "{{.Repository}}:{{.Tag}}");
  assert.equal(result.code, 0, result.stderrText);
  return result.stdoutText.split("\n").filter((line) => line !== "")
    .map((line) => line.slice(host.length + 1)).sort();
}

Deno.test("images --filter dangling: images known only by digest", async () => {
  assert.deepEqual(await filtered("dangling=true"), ["filtered/middle:<none>"]);
  assert.deepEqual(await filtered("dangling=false"), ["filtered/new:v1", "filtered/old:v1"]);
});

Deno.test("images --filter reference: shell patterns over the name, with or without tag", async () => {
  assert.deepEqual(await filtered(`reference=${host}/filtered/old`), ["filtered/old:v1"]);
  assert.deepEqual(await filtered("reference=*/filtered/*:v1"), [
    "filtered/new:v1",
    "filtered/old:v1",
  ]);
  assert.deepEqual(await filtered("reference=*/filtered/[mn]*"), [
    "filtered/middle:<none>",
    "filtered/new:v1",
  ]);
  // Values of one key: either may match.
  assert.deepEqual(await filtered("reference=*/*/old", "reference=*/*/new"), [
    "filtered/new:v1",
    "filtered/old:v1",
  ]);
  assert.deepEqual(await filtered("reference=filtered/*"), []); // `*` stops at a slash.
});

Deno.test("images --filter before/since: created before or after an image", async () => {
  assert.deepEqual(await filtered(`before=${host}/filtered/new:v1`), [
    "filtered/middle:<none>",
    "filtered/old:v1",
  ]);
  assert.deepEqual(await filtered(`since=${host}/filtered/old:v1`), [
    "filtered/middle:<none>",
    "filtered/new:v1",
  ]);
  const id = newest.configDigest.slice("sha256:".length, "sha256:".length + 12);
  assert.deepEqual(await filtered(`before=${id}`, "dangling=false"), ["filtered/old:v1"]);
  const missing = await mydocker("images", "--filter", "since=nothing:here");
  assert.deepEqual([missing.code, missing.stderrText], [
    125,
    "mydocker: No such image: nothing:here\n",
  ]);
});

Deno.test("images --filter label: KEY or KEY=VALUE, every one given", async () => {
  assert.deepEqual(await filtered("label=tier"), ["filtered/new:v1", "filtered/old:v1"]);
  assert.deepEqual(await filtered("label=tier=app"), ["filtered/new:v1"]);
  assert.deepEqual(await filtered("label=tier", "label=team=x"), ["filtered/new:v1"]);
  assert.deepEqual(await filtered("label=tier=none"), []);
});

Deno.test("images --no-trunc shows whole ids; bad filters get Docker's errors", async () => {
  const full = newest.configDigest;
  const quiet = await mydocker("images", "-q", "--no-trunc", "--filter", "label=team");
  assert.equal(quiet.stdoutText, `${full}\n`);
  const table = (await mydocker("images", "--no-trunc", "-f", "label=team")).stdoutText;
  assert.match(table.split("\n")[1]!, new RegExp(`^${host}/filtered/new +v1 +${full} +`));
  const short = (await mydocker("images", "-q", "-f", "label=team")).stdoutText;
  assert.equal(short, `${full.slice(7, 19)}\n`);
  for (
    const [filter, message] of [
      ["colour=red", "invalid filter 'colour'"],
      ["dangling", "bad format of filter (expected name=value)"],
      ["dangling=maybe", "Invalid filter 'dangling=maybe'"],
    ]
  ) {
    const result = await mydocker("images", "--filter", filter!);
    assert.deepEqual([result.code, result.stderrText], [125, `mydocker: ${message}\n`]);
  }
});
