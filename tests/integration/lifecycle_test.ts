/**
 * Containers that outlive `mydocker run`: names, `-d`, `ps`, `logs`, `stop`, `kill`, `wait`,
 * `exec` and `rm`, all through the CLI, with no daemon.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import {
  assertNoContainerDirs,
  readUntil,
  runMydocker,
  spawnMydocker,
  waitFor,
} from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Starts `sh -c script` detached under `name`; returns the printed id. */
async function detached(name: string, script: string): Promise<string> {
  const result = await mydocker(
    "run",
    "-d",
    "--name",
    name,
    "--rootfs",
    rootfs,
    "img",
    "sh",
    "-c",
    script,
  );
  assert.equal(result.stderrText, "");
  assert.equal(result.code, 0);
  assert.match(result.stdoutText, /^[0-9a-f]{64}\n$/);
  return result.stdoutText.trim();
}

function psLine(ps: string, name: string): string | undefined {
  return ps.split("\n").find((line) => line.trimEnd().endsWith(` ${name}`));
}

Deno.test("run -d returns at once, the container keeps running, and logs keeps both streams", async () => {
  const id = await detached("logger", "echo out; echo err >&2; touch /tmp/ready; sleep 30");
  const ps = await mydocker("ps");
  assert.match(
    psLine(ps.stdoutText, "logger") ?? "",
    new RegExp(`^${id.slice(0, 12)} +img +.* Up `),
  );
  const ready = await waitFor(() => {
    try {
      return Deno.readTextFileSync(`${stateRoot}/containers/${id}/${id}-json.log`).includes("err");
    } catch {
      return false;
    }
  });
  assert.ok(ready, "the container's output never reached its log");
  const logs = await mydocker("logs", "logger");
  assert.equal(logs.stdoutText, "out\n");
  assert.equal(logs.stderrText, "err\n");
  assert.equal((await mydocker("rm", "-f", "logger")).stdoutText, "logger\n");
});

Deno.test("stop sends SIGTERM, escalates to SIGKILL after -t, and wait reports 137", async () => {
  await detached("stubborn", "sleep 30");
  const started = Date.now();
  const stopped = await mydocker("stop", "-t", "1", "stubborn");
  assert.equal(stopped.stdoutText, "stubborn\n");
  assert.ok(Date.now() - started >= 1000, "stop did not wait for the timeout");
  assert.equal((await mydocker("wait", "stubborn")).stdoutText, "137\n");
  const ps = await mydocker("ps", "-a");
  assert.match(psLine(ps.stdoutText, "stubborn") ?? "", / Exited \(137\) /);
  assert.equal(psLine((await mydocker("ps")).stdoutText, "stubborn"), undefined);
  await mydocker("rm", "stubborn");
});

Deno.test("stop lets a container that handles SIGTERM exit by itself", async () => {
  await detached("polite", 'trap "echo bye; exit 0" TERM; while :; do sleep 0.05; done');
  const started = Date.now();
  await mydocker("stop", "-t", "10", "polite");
  assert.ok(Date.now() - started < 5000, "stop waited for the timeout");
  assert.equal((await mydocker("wait", "polite")).stdoutText, "0\n");
  assert.equal((await mydocker("logs", "polite")).stdoutText, "bye\n");
  await mydocker("rm", "polite");
});

Deno.test("kill sends the signal asked for", async () => {
  await detached("signalled", 'trap "exit 42" USR1; while :; do sleep 0.05; done');
  assert.equal((await mydocker("kill", "-s", "USR1", "signalled")).code, 0);
  assert.equal((await mydocker("wait", "signalled")).stdoutText, "42\n");
  const again = await mydocker("kill", "signalled");
  assert.equal(again.code, 125);
  assert.equal(again.stderrText, "mydocker: Cannot kill container signalled: it is not running\n");
  await mydocker("rm", "signalled");
});

Deno.test("exec runs in the same container: its PID 1, hostname and files", async () => {
  const id = await detached("target", "echo inside > /tmp/marker; exec sleep 30");
  assert.ok(
    await waitFor(() => {
      try {
        return Deno.readTextFileSync(`${stateRoot}/containers/${id}/upper/tmp/marker`) ===
          "inside\n";
      } catch {
        return false;
      }
    }),
  );
  const result = await mydocker(
    "exec",
    "target",
    "sh",
    "-c",
    "cat /proc/1/cmdline | tr '\\0' ' '; echo; hostname; cat /tmp/marker; echo $$",
  );
  const [cmdline, hostname, marker, pid] = result.stdoutText.trim().split("\n");
  assert.equal(cmdline, "sleep 30 ");
  assert.equal(hostname, id.slice(0, 12));
  assert.equal(marker, "inside");
  assert.ok(Number(pid) > 1);
  assert.equal((await mydocker("exec", "target", "sh", "-c", "exit 7")).code, 7);
  const missing = await mydocker("exec", "target", "/no/such/command");
  assert.equal(missing.code, 127);
  assert.equal(
    missing.stderrText,
    'mydocker: Cannot run "/no/such/command": no such file or directory\n',
  );
  const user = await mydocker(
    "exec",
    "-u",
    "nobody",
    "-e",
    "X=1",
    "target",
    "sh",
    "-c",
    "id -u; echo $X",
  );
  assert.equal(user.stdoutText, "65534\n1\n");
  await mydocker("rm", "-f", "target");
  const gone = await mydocker("exec", "target", "true");
  assert.equal(gone.code, 125);
  assert.equal(gone.stderrText, "mydocker: No such container: target\n");
});

Deno.test("a foreground container without --rm is kept: ps -a lists it, rm removes it", async () => {
  const run = await mydocker(
    "run",
    "--name",
    "kept",
    "--rootfs",
    rootfs,
    "img",
    "sh",
    "-c",
    "exit 3",
  );
  assert.equal(run.code, 3);
  const ps = await mydocker("ps", "-a");
  assert.match(psLine(ps.stdoutText, "kept") ?? "", / Exited \(3\) /);
  const taken = await mydocker("run", "--name", "kept", "--rootfs", rootfs, "img", "true");
  assert.equal(taken.code, 125);
  assert.equal(
    taken.stderrText,
    'mydocker: Cannot use name "kept": it is already in use by a container\n',
  );
  assert.equal((await mydocker("rm", "kept")).stdoutText, "kept\n");
  assert.equal(psLine((await mydocker("ps", "-a")).stdoutText, "kept"), undefined);
});

Deno.test("rm refuses a running container unless -f; --rm removes a detached one when it ends", async () => {
  await detached("busy", "sleep 30");
  const refused = await mydocker("rm", "busy");
  assert.equal(refused.code, 125);
  assert.match(refused.stderrText, /^mydocker: Cannot remove container busy: it is running/);
  assert.equal((await mydocker("rm", "-f", "busy")).code, 0);
  const quick = await mydocker("run", "-d", "--rm", "--rootfs", rootfs, "img", "true");
  assert.equal(quick.code, 0);
  assert.ok(
    await waitFor(() =>
      !Deno.statSync(`${stateRoot}/containers`).isFile &&
      [...Deno.readDirSync(`${stateRoot}/containers`)].length === 0
    ),
  );
  assertNoContainerDirs(stateRoot);
});

Deno.test("run -d of a missing command reports it like a foreground run", async () => {
  const result = await mydocker(
    "run",
    "-d",
    "--name",
    "broken",
    "--rootfs",
    rootfs,
    "img",
    "/no/such/command",
  );
  assert.equal(result.code, 127);
  assert.equal(result.stdoutText, "");
  assert.equal(
    result.stderrText,
    'mydocker: Cannot run "/no/such/command": no such file or directory\n',
  );
  assert.equal((await mydocker("rm", "broken")).code, 0);
  assertNoContainerDirs(stateRoot);
});

Deno.test("a container whose mydocker was SIGKILLed is recorded as exited (137)", async () => {
  const child = spawnMydocker(
    [
      "run",
      "--name",
      "orphaned",
      "--rootfs",
      rootfs,
      "img",
      "sh",
      "-c",
      "echo ready; exec sleep 30",
    ],
    env,
  );
  assert.match(await readUntil(child.stdout, "ready"), /ready/);
  child.kill("SIGKILL");
  await child.status;
  await child.stderr.cancel();
  const ps = await mydocker("ps", "-a");
  assert.match(psLine(ps.stdoutText, "orphaned") ?? "", / Exited \(137\) /);
  assert.equal((await mydocker("wait", "orphaned")).stdoutText, "137\n");
  assert.equal((await mydocker("rm", "orphaned")).code, 0);
  assertNoContainerDirs(stateRoot);
});
