/**
 * `mydocker pull` against a hostile registry of the tests' own (`testing/hostile_registry.ts`):
 * endless manifests, configs and layers, a manifest at one byte a second, requests that get no
 * answer, a host that accepts and never speaks. Each ends with one clear line naming the
 * registry, memory stays flat (the pulling process's peak RSS, from GNU time, against a normal
 * pull's), and nothing is stored. The timeouts are set low through mydocker's config file.
 */

import assert from "node:assert/strict";
import { fileTree } from "../../testing/file_tree.ts";
import { startHostileRegistry } from "../../testing/hostile_registry.ts";
import { MYDOCKER } from "../../testing/mydocker.ts";

const hostile = await startHostileRegistry();
const dir = await Deno.makeTempDir({ prefix: "mydocker-hostile-" });
const configFile = `${dir}/config.json`;
await Deno.writeTextFile(
  configFile,
  JSON.stringify({ "registry-response-timeout": 1, "registry-idle-timeout": 0.5 }),
);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

/** Pulls `image` into a fresh store; returns how it ended and the pull's peak RSS in MiB. */
async function pull(image: string) {
  const root = await Deno.makeTempDir({ dir, prefix: "root-" });
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "peak-rss-kib=%M", MYDOCKER, "pull", "-q", image],
    env: { MYDOCKER_ROOT: root, MYDOCKER_CONFIG: configFile },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const peak = /peak-rss-kib=(\d+)\n$/.exec(stderr);
  assert.ok(peak !== null, stderr);
  const layers = fileTree(`${root}/layers`);
  return {
    code: output.code,
    stderr: stderr.slice(0, peak.index).replace(/Command exited with non-zero status \d+\n$/, ""),
    peakMiB: Number(peak[1]) / 1024,
    layers,
  };
}

const normal = await pull(`${hostile.host}/ok`);

Deno.test("a normal pull from the test server works (the baseline for memory)", () => {
  assert.equal(normal.code, 0, normal.stderr);
  assert.ok(normal.layers.length > 0);
});

const CASES: [string, RegExp][] = [
  [
    "endless-manifest",
    /manifest of endless-manifest:latest from 127\.0\.0\.1:\d+ is larger than 4194304 bytes/,
  ],
  ["endless-config", /blob sha256:[0-9a-f]{64} is larger than the 1000 bytes its descriptor gives/],
  ["endless-layer", /blob sha256:[0-9a-f]{64} is larger than the 1000 bytes its descriptor gives/],
  ["slow-manifest", /127\.0\.0\.1:\d+ sent nothing for 0\.5 s/],
  ["stall", /127\.0\.0\.1:\d+ did not answer within 1 s/],
];

for (const [repository, message] of CASES) {
  Deno.test(`pull from a registry serving ${repository} fails clearly, memory flat, nothing stored`, async () => {
    const result = await pull(`${hostile.host}/${repository}`);
    assert.equal(result.code, 125);
    assert.match(result.stderr, new RegExp(`^mydocker: Cannot pull ".*/${repository}:latest": `));
    assert.match(result.stderr, message);
    assert.equal(result.stderr.split("\n").length, 2, result.stderr);
    assert.ok(result.peakMiB < normal.peakMiB + 64, `${result.peakMiB} MiB`);
    assert.deepEqual(result.layers, []);
  });
}

Deno.test("pull from a host that accepts and never answers (TLS or HTTP) names it after the timeouts", async () => {
  const result = await pull(`${hostile.silentHost}/app`);
  assert.equal(result.code, 125);
  assert.match(
    result.stderr,
    new RegExp(
      `^mydocker: Cannot pull ".*/app:latest": ${hostile.silentHost} did not answer within 1 s\n$`,
    ),
  );
});

Deno.test("hostile registry: stop the servers", async () => {
  await hostile.stop();
});
