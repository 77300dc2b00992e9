/**
 * How a container is stopped, as Docker does it: `run --stop-signal` and `--stop-timeout` kept in
 * its record and used by `stop` and `restart`, `stop -s` and `stop -t` (a negative one waits
 * forever), and `exec -d`, which starts a command in the background and returns at once.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Starts `sh -c script` detached under `name` with the `run` options `options`. */
async function detached(name: string, options: string[], script: string): Promise<void> {
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
  assert.equal(result.stderrText, "");
  assert.equal(result.code, 0);
}

/** Whether the container `name` has file `path`. */
async function hasFile(name: string, path: string): Promise<boolean> {
  return (await mydocker("exec", name, "test", "-f", path)).code === 0;
}

/** Polls `check` until it holds or `ms` have passed; whether it held. */
async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return await check();
}

// A trap runs only between commands: the container waits on a background sleep.
const TRAP = (signal: string, then: string) =>
  `trap '${then}' ${signal}; touch /tmp/ready; while true; do sleep 1 & wait; done`;

Deno.test("run --stop-signal: stop sends that signal, inspect shows it", async () => {
  await detached("usr1", ["--stop-signal", "SIGUSR1"], TRAP("USR1", "exit 42"));
  assert.ok(await until(() => hasFile("usr1", "/tmp/ready")));
  const started = Date.now();
  const stopped = await mydocker("stop", "usr1");
  assert.equal(stopped.stdoutText, "usr1\n");
  assert.ok(Date.now() - started < 5000, "stop waited for the timeout");
  assert.equal((await mydocker("wait", "usr1")).stdoutText, "42\n");
  const inspect = await mydocker("inspect", "-f", "{{.Config.StopSignal}}", "usr1");
  assert.equal(inspect.stdoutText, "SIGUSR1\n");
  await mydocker("rm", "usr1");
});

Deno.test("stop -s sends the signal asked for instead of the container's", async () => {
  await detached("rtmin", [], TRAP("37", "exit 43")); // busybox traps SIGRTMIN+3 by number
  assert.ok(await until(() => hasFile("rtmin", "/tmp/ready")));
  const stopped = await mydocker("stop", "-s", "SIGRTMIN+3", "rtmin");
  assert.equal(stopped.code, 0);
  assert.equal((await mydocker("wait", "rtmin")).stdoutText, "43\n");
  await mydocker("rm", "rtmin");
});

Deno.test("run --stop-timeout: stop kills after the container's own timeout, -t -1 waits for it", async () => {
  await detached("short", ["--stop-timeout", "1"], TRAP("TERM", ""));
  assert.ok(await until(() => hasFile("short", "/tmp/ready")));
  const started = Date.now();
  assert.equal((await mydocker("stop", "short")).code, 0);
  const took = Date.now() - started;
  assert.ok(took >= 1000 && took < 5000, `stop took ${took} ms, not about 1 s`);
  assert.equal((await mydocker("wait", "short")).stdoutText, "137\n");
  assert.equal(
    (await mydocker("inspect", "-f", "{{.Config.StopTimeout}}", "short")).stdoutText,
    "1\n",
  );
  await mydocker("rm", "short");

  // Ends 3 s after SIGTERM: past its 1 s timeout, so only a stop that waits sees it exit by itself.
  await detached("patient", ["--stop-timeout", "1"], TRAP("TERM", "sleep 3; exit 7"));
  assert.ok(await until(() => hasFile("patient", "/tmp/ready")));
  assert.equal((await mydocker("stop", "-t", "-1", "patient")).code, 0);
  assert.equal((await mydocker("wait", "patient")).stdoutText, "7\n");
  await mydocker("rm", "patient");
});

Deno.test("stop, restart and run refuse a bad signal or timeout in Docker's words", async () => {
  const time = await mydocker("stop", "-t", "1.5", "x");
  assert.equal(time.code, 125);
  assert.equal(
    time.stderrText,
    'mydocker: invalid argument "1.5" for "-t, --time" flag: strconv.ParseInt: parsing "1.5": invalid syntax\n' +
      "See 'mydocker stop --help'.\n",
  );
  const restart = await mydocker("restart", "-t", "soon", "x");
  assert.equal(restart.code, 125);
  assert.match(restart.stderrText, /See 'mydocker restart --help'\.\n$/);
  const signal = await mydocker("run", "--stop-signal", "SIGNOPE", "--rootfs", rootfs, "i", "true");
  assert.equal(signal.code, 125);
  assert.equal(signal.stderrText, "mydocker: Invalid signal: SIGNOPE\n");
  const timeout = await mydocker("run", "--stop-timeout", "ten", "--rootfs", rootfs, "i", "true");
  assert.equal(timeout.code, 125);
  assert.match(timeout.stderrText, /^mydocker: invalid argument "ten" for "--stop-timeout" flag/);
});

Deno.test("exec -d returns at once and the command runs on in the container", async () => {
  await detached("host", [], "sleep 60");
  const started = Date.now();
  const exec = await mydocker("exec", "-d", "host", "sh", "-c", "echo gone; sleep 2; touch /done");
  assert.ok(Date.now() - started < 2000, "exec -d waited for the command");
  assert.equal(exec.code, 0);
  assert.equal(exec.stdoutText, "");
  assert.equal(exec.stderrText, "");
  assert.equal(await hasFile("host", "/done"), false);
  assert.ok(await until(() => hasFile("host", "/done"), 10_000), "the command did not finish");
  const missing = await mydocker("exec", "-d", "host", "/no/such/command");
  assert.equal(missing.code, 127);
  assert.equal(
    missing.stderrText,
    'mydocker: Cannot run "/no/such/command": no such file or directory\n',
  );
  await mydocker("rm", "-f", "host");
});
