/**
 * A pull with no network but loopback: Docker Hub and the npm registry out of reach, a mirror on
 * loopback. mydocker needs nothing from the network but the registry (it uses no npm package), so
 * it pulls with a Deno cache that starts empty, and a tag the mirror lacks fails at once with each
 * endpoint's own answer.
 */

import assert from "node:assert/strict";

const child = new URL("../../testing/offline_pull_child.ts", import.meta.url).pathname;

Deno.test("pull works offline through a loopback mirror; a tag it lacks names each endpoint's answer", async () => {
  // A Deno cache that starts empty: mydocker needs nothing fetched but the image.
  const denoDir = await Deno.makeTempDir({ prefix: "mydocker-deno-dir-" });
  try {
    await offlinePull(denoDir);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

/** Runs the offline child in a namespace with only loopback; mydocker uses `denoDir`'s cache. */
async function offlinePull(denoDir: string): Promise<void> {
  const output = await new Deno.Command("unshare", {
    args: [
      "--net",
      "--",
      "sh",
      "-c",
      'ip link set lo up && exec deno run --allow-all --no-prompt --cached-only "$0" "$1"',
      child,
      denoDir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const { mirror, results } = JSON.parse(new TextDecoder().decode(output.stdout));
  const [found, missing] = results;
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, "docker.io/library/alpine:3.20\n");
  assert.match(found.stderr, /^3\.20: Pulling from alpine\n/);
  assert.equal(missing.code, 125);
  assert.match(
    missing.stderr,
    new RegExp(
      `^missing: Pulling from alpine\\nmydocker: Cannot pull "alpine:missing": mirror ${
        mirror.replace(/\./g, "\\.")
      }: manifest unknown; registry-1\\.docker\\.io: cannot reach registry-1\\.docker\\.io: .+\\n$`,
    ),
  );
}
