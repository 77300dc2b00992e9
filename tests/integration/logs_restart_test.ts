/**
 * Logs as Docker's json-file driver, `start`, `restart` and `--restart`, run as a user runs them.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker, waitFor } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Runs `sh -c script` detached as `name` with `options`; returns its id. */
async function detached(name: string, script: string, ...options: string[]): Promise<string> {
  const result = await mydocker(
    "run",
    "-d",
    "--name",
    name,
    ...options,
    "--rootfs",
    rootfs,
    "img",
    "sh",
    "-c",
    script,
  );
  assert.equal(result.code, 0, result.stderrText);
  return result.stdoutText.trim();
}

async function state(id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(`${stateRoot}/containers/${id}/state.json`));
}

async function exited(name: string): Promise<void> {
  assert.equal((await mydocker("wait", name)).code, 0);
}

Deno.test("the json-file log keeps both streams in order, with stream and time per line", async () => {
  const id = await detached("ordered", "echo a; sleep 0.1; echo b >&2; sleep 0.1; echo c");
  await exited("ordered");
  const lines = (await Deno.readTextFile(`${stateRoot}/containers/${id}/${id}-json.log`))
    .trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(lines.map(({ log, stream }) => [stream, log]), [
    ["stdout", "a\n"],
    ["stderr", "b\n"],
    ["stdout", "c\n"],
  ]);
  assert.ok(lines.every(({ time }) => !Number.isNaN(Date.parse(time))));
  const logs = await mydocker("logs", "ordered");
  assert.equal(logs.stdoutText, "a\nc\n");
  assert.equal(logs.stderrText, "b\n");
  assert.equal((await mydocker("logs", "--tail", "1", "ordered")).stdoutText, "c\n");
  assert.equal((await mydocker("logs", "-n", "0", "ordered")).stdoutText, "");
  const stamped = await mydocker("logs", "-t", "ordered");
  assert.match(stamped.stdoutText, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z a\n.*Z c\n$/);
  assert.equal((await mydocker("logs", "--since", "1m", "ordered")).stdoutText, "a\nc\n");
  assert.equal((await mydocker("logs", "--until", "1m", "ordered")).stdoutText, "");
  const future = String(Math.floor(Date.now() / 1000) + 3600);
  assert.equal((await mydocker("logs", "--since", future, "ordered")).stdoutText, "");
  const bad = await mydocker("logs", "--since", "soon", "ordered");
  assert.equal(bad.code, 125);
  assert.equal(
    bad.stderrText,
    'mydocker: invalid value for "since": failed to parse value as time or duration: "soon"\n',
  );
  await mydocker("rm", "ordered");
});

Deno.test("a foreground container's output is shown and kept for logs (not with --rm)", async () => {
  const run = await mydocker(
    "run",
    "--name",
    "fg",
    "--rootfs",
    rootfs,
    "x",
    "sh",
    "-c",
    "echo o; echo e >&2",
  );
  assert.equal(run.stdoutText, "o\n");
  assert.equal(run.stderrText, "e\n");
  const logs = await mydocker("logs", "fg");
  assert.equal(logs.stdoutText, "o\n");
  assert.equal(logs.stderrText, "e\n");
  await mydocker("rm", "fg");
});

Deno.test("logs -f follows a running container and ends when it does", async () => {
  await detached("followed", "echo first; sleep 1; echo second");
  const started = Date.now();
  const logs = await mydocker("logs", "-f", "followed");
  assert.equal(logs.stdoutText, "first\nsecond\n");
  assert.ok(Date.now() - started >= 500, "logs -f did not wait for the end");
  await mydocker("rm", "followed");
});

Deno.test("--log-opt caps the log: rotated files, logs reads them all", async () => {
  const id = await detached(
    "capped",
    "i=0; while [ $i -lt 40 ]; do echo line $i; i=$((i+1)); done",
    "--log-opt",
    "max-size=1k",
    "--log-opt",
    "max-file=2",
  );
  await exited("capped");
  const dir = `${stateRoot}/containers/${id}`;
  assert.ok(Deno.statSync(`${dir}/${id}-json.log`).size <= 1024);
  assert.ok(Deno.statSync(`${dir}/${id}-json.log.1`).size <= 1024);
  const lines = (await mydocker("logs", "capped")).stdoutText.trimEnd().split("\n");
  assert.equal(lines.at(-1), "line 39");
  assert.ok(lines.length < 40, "nothing was dropped");
  const bad = await mydocker("run", "--log-opt", "max-file=0", "--rootfs", rootfs, "x", "true");
  assert.equal(bad.code, 125);
  await mydocker("rm", "capped");
});

Deno.test("start runs a stopped container again in the background; start -a attaches and exits with it", async () => {
  const id = await detached("again", "echo run; exit 3");
  await mydocker("wait", "again");
  const start = await mydocker("start", "again");
  assert.equal(start.stdoutText, "again\n");
  assert.equal((await mydocker("wait", "again")).stdoutText, "3\n");
  const attached = await mydocker("start", "-a", "again");
  assert.equal(attached.stdoutText, "run\n");
  assert.equal(attached.code, 3);
  assert.equal((await mydocker("logs", "again")).stdoutText, "run\nrun\nrun\n");
  assert.equal((await state(id)).status, "exited");
  const missing = await mydocker("start", "nothing-here");
  assert.equal(missing.code, 125);
  assert.equal(missing.stderrText, "mydocker: No such container: nothing-here\n");
  await mydocker("rm", "again");
});

Deno.test("restart stops a running container and starts it again", async () => {
  const id = await detached("cycled", "echo up; sleep 30");
  const firstStart = (await state(id)).startedAt;
  const restarted = await mydocker("restart", "-t", "1", "cycled");
  assert.equal(restarted.stdoutText, "cycled\n");
  const now = await state(id);
  assert.equal(now.status, "running");
  assert.notEqual(now.startedAt, firstStart);
  await mydocker("rm", "-f", "cycled");
});

Deno.test("--restart on-failure:2 restarts a failing container twice, counting", async () => {
  const id = await detached("flaky", "echo try; exit 4", "--restart", "on-failure:2");
  assert.ok(
    await waitFor(() => {
      const text = Deno.readTextFileSync(`${stateRoot}/containers/${id}/state.json`);
      const { status, restartCount } = JSON.parse(text);
      return status === "exited" && restartCount === 2;
    }, 10_000),
  );
  assert.equal((await mydocker("logs", "flaky")).stdoutText, "try\ntry\ntry\n");
  assert.equal((await mydocker("wait", "flaky")).stdoutText, "4\n");
  await mydocker("rm", "flaky");
});

Deno.test("--restart always restarts a container that exits; stop ends it for good", async () => {
  const id = await detached("forever", "echo round; sleep 0.2", "--restart", "always");
  assert.ok(
    await waitFor(() => {
      const text = Deno.readTextFileSync(`${stateRoot}/containers/${id}/state.json`);
      return (JSON.parse(text).restartCount ?? 0) >= 2;
    }, 10_000),
  );
  const ps = await mydocker("ps");
  assert.match(ps.stdoutText, / (Up|Restarting \(0\)) .* forever\n/);
  assert.equal((await mydocker("stop", "forever")).stdoutText, "forever\n");
  const stopped = await state(id);
  assert.equal(stopped.status, "exited");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await state(id)).status, "exited");
  assert.equal((await mydocker("rm", "forever")).code, 0);
});

Deno.test("--restart refuses a bad policy and --rm, in Docker's words", async () => {
  const bad = await mydocker("run", "--restart", "sometimes", "--rootfs", rootfs, "x", "true");
  assert.equal(bad.code, 125);
  assert.match(bad.stderrText, /^mydocker: invalid restart policy: unknown policy 'sometimes'/);
  const rm = await mydocker("run", "--rm", "--restart", "always", "--rootfs", rootfs, "x", "true");
  assert.equal(rm.stderrText, "mydocker: Conflicting options: --restart and --rm\n");
});
