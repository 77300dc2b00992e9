/**
 * `--restart` on a foreground `run`, as Docker does it: the run returns with the container's
 * exit code, and the container is restarted in the background after the back-off, as its policy
 * says, until `stop`; `--restart` with `--rm` is refused.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker, waitFor } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Runs `sh -c script` in the foreground as `name` with `options`. */
function foreground(name: string, script: string, ...options: string[]) {
  return mydocker("run", "--name", name, ...options, "--rootfs", rootfs, "img", "sh", "-c", script);
}

/** The id of container `name`. */
async function idOf(name: string): Promise<string> {
  return (await mydocker("inspect", "-f", "{{.Id}}", name)).stdoutText.trim();
}

/** The stored state of the container whose id is `id`. */
function state(id: string): { status: string; restartCount?: number } {
  return JSON.parse(Deno.readTextFileSync(`${stateRoot}/containers/${id}/state.json`));
}

Deno.test("run --restart on-failure:2 (foreground): returns its code, then restarts it twice", async () => {
  const run = await foreground("fg_flaky", "echo try; exit 4", "--restart", "on-failure:2");
  assert.deepEqual([run.code, run.stdoutText], [4, "try\n"]);
  const id = await idOf("fg_flaky");
  assert.ok(
    await waitFor(() => state(id).status === "exited" && state(id).restartCount === 2, 10_000),
    `still ${JSON.stringify(state(id))}`,
  );
  // Its monitor may still be writing the last run's output to the log.
  let logs = "";
  for (let tries = 0; tries < 100 && logs !== "try\ntry\ntry\n"; tries++) {
    logs = (await mydocker("logs", "fg_flaky")).stdoutText;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(logs, "try\ntry\ntry\n");
  assert.equal(
    (await mydocker("inspect", "-f", "{{.RestartCount}}", "fg_flaky")).stdoutText,
    "2\n",
  );
  assert.equal((await mydocker("rm", "fg_flaky")).code, 0);
});

Deno.test("run --restart always (foreground): runs on in the background until stop", async () => {
  const run = await foreground("fg_forever", "echo round; sleep 0.2", "--restart", "always");
  assert.deepEqual([run.code, run.stdoutText], [0, "round\n"]);
  const id = await idOf("fg_forever");
  assert.ok(await waitFor(() => (state(id).restartCount ?? 0) >= 2, 10_000));
  assert.ok(["running", "restarting"].includes(state(id).status));
  assert.equal((await mydocker("stop", "fg_forever")).stdoutText, "fg_forever\n");
  assert.equal(state(id).status, "exited");
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(state(id).status, "exited");
  // The foreground run's round, and at least one in the background (the count is recorded as a
  // restart is due, before it runs).
  assert.match((await mydocker("logs", "fg_forever")).stdoutText, /^round\nround\n/);
  assert.equal((await mydocker("rm", "fg_forever")).code, 0);
});

Deno.test("run --restart no, or on-failure after success (foreground): nothing restarts", async () => {
  const run = await foreground("fg_done", "exit 0", "--restart", "on-failure");
  assert.equal(run.code, 0);
  const id = await idOf("fg_done");
  assert.equal(state(id).status, "exited");
  assert.equal(state(id).restartCount, undefined);
  assert.equal((await mydocker("rm", "fg_done")).code, 0);
  const rm = await mydocker("run", "--rm", "--restart", "always", "--rootfs", rootfs, "x", "true");
  assert.deepEqual([rm.code, rm.stderrText], [
    125,
    "mydocker: Conflicting options: --restart and --rm\n",
  ]);
});
