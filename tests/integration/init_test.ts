/**
 * `mydocker run --init`: a minimal init stays PID 1, reaps orphans, forwards signals to the
 * command and exits with its status. Real containers, through the CLI.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import {
  assertNoContainerDirs,
  processesWith,
  runMydocker,
  spawnMydocker,
  waitFor,
} from "../../testing/mydocker.ts";
import { maskHas } from "../../runtime/host/signal_forwarding.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const SIGTERM = 15;

/** Runs `mydocker run [--init] --rm --rootfs <busybox> test ARGS`. */
async function run(args: string[], init = true) {
  const flags = init ? ["--init"] : [];
  const result = await runMydocker(["run", ...flags, "--rm", "--rootfs", rootfs, "test", ...args], {
    env,
  });
  assertNoContainerDirs(stateRoot);
  return result;
}

/** A /proc/PID/status field of a host process. */
function statusField(pid: number, name: string): string {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return status.match(new RegExp(`^${name}:\\s*(\\S+)`, "m"))?.[1] ?? "";
}

// PID 1 execs `sleep 1`, which never waits, while a background subshell orphans a short sleep
// (reparented to PID 1) and lists the processes once that sleep has ended.
const ORPHAN_SCRIPT = '(sh -c "sleep 0.1 &"; sleep 0.5; ps -o pid,stat,comm) & exec sleep 1';
const zombies = (ps: string) => ps.split("\n").filter((line) => /^\s*\d+\s+Z/.test(line));

Deno.test("run --init reaps orphaned zombies that a plain PID 1 leaves", async () => {
  const withInit = await run(["sh", "-c", ORPHAN_SCRIPT]);
  assert.equal(withInit.code, 0, withInit.stderrText);
  assert.match(withInit.stdoutText, /^\s*1 /m);
  assert.deepEqual(zombies(withInit.stdoutText), []);
  const without = await run(["sh", "-c", ORPHAN_SCRIPT], false);
  assert.equal(without.code, 0, without.stderrText);
  assert.equal(zombies(without.stdoutText).length, 1, without.stdoutText);
});

Deno.test("run --init forwards SIGTERM to a command that would ignore it as PID 1", async () => {
  const token = `30.${Date.now()}`;
  const child = spawnMydocker(
    ["run", "--init", "--rm", "--rootfs", rootfs, "x", "sleep", token],
    env,
  );
  assert.ok(await waitFor(() => processesWith(`sleep ${token}`).length === 1));
  const [sleep] = processesWith(`sleep ${token}`);
  const init = Number(statusField(sleep!, "PPid"));
  // A PID 1 ignores a signal it has no handler for; --init's PID 1 waits for every signal
  // (rt_sigtimedwait, as tini; through the init stage, it catches them once its signal worker
  // runs), so the command itself gets the SIGTERM.
  const takes = () =>
    Deno.readTextFileSync(`/proc/${init}/wchan`).startsWith("do_sigtimedwait") ||
    maskHas(statusField(init, "SigCgt"), SIGTERM);
  assert.ok(await waitFor(takes));
  child.kill("SIGTERM");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.equal(status.code, 128 + SIGTERM);
  assert.deepEqual(processesWith(`sleep ${token}`), []);
  assertNoContainerDirs(stateRoot);
});

Deno.test("run --init keeps PID 1 and runs the command as another process", async () => {
  const withInit = await run(["sh", "-c", "echo $$"]);
  assert.equal(withInit.code, 0, withInit.stderrText);
  assert.notEqual(withInit.stdoutText.trim(), "1");
  assert.ok(Number(withInit.stdoutText) > 1, withInit.stdoutText);
  assert.equal((await run(["sh", "-c", "echo $$"], false)).stdoutText, "1\n");
});

Deno.test("run --init exits with the command's code, or 128 plus its signal", async () => {
  assert.equal((await run(["sh", "-c", "exit 3"])).code, 3);
  assert.equal((await run(["true"])).code, 0);
  assert.equal((await run(["sh", "-c", "kill -USR1 $$"])).code, 128 + 10);
});

Deno.test("run --init fails like a plain run for a command it cannot start", async () => {
  const missing = await run(["nosuchcommand"]);
  assert.equal(missing.code, 127);
  assert.equal(missing.stdoutText, "");
  assert.match(
    missing.stderrText,
    /^mydocker: Cannot run "nosuchcommand": executable file not found in \$PATH\n$/,
  );
  const directory = await run(["/etc"]);
  assert.equal(directory.code, 126);
  assert.equal(directory.stderrText, 'mydocker: Cannot run "/etc": is a directory\n');
});

Deno.test("run --init's PID 1 is the start trampoline: under 1 MiB, inside the container's limits", async () => {
  const script =
    "grep VmRSS /proc/1/status; grep -cE '^[0-9]+:(memory|pids):.*/mydocker/' /proc/1/cgroup";
  const result = await runMydocker(
    ["run", "--rm", "--init", "-m", "6m", "--pids-limit", "5", "--rootfs", rootfs, "x"]
      .concat(["sh", "-c", script]),
    { env },
  );
  assert.equal(result.code, 0, result.stderrText);
  const [rss, cgroups] = result.stdoutText.trim().split("\n");
  const kib = Number(rss?.match(/(\d+) kB/)?.[1]);
  assert.ok(kib > 0 && kib < 1024, `PID 1's ${rss}`);
  assert.equal(cgroups, "2"); // its memory and pids cgroups are the container's
});

Deno.test("run --init through the init stage keeps PID 1 (a Deno process) out of the container's limits", async () => {
  // PID 1 is a Deno process of some 40 MB with a dozen threads: inside the container's cgroups it
  // would not fit -m 6m, and its threads alone would exceed --pids-limit 5.
  const script = "grep -E '^[0-9]+:(memory|pids):' /proc/1/cgroup /proc/self/cgroup";
  const result = await runMydocker(
    ["run", "--rm", "--init", "-m", "6m", "--pids-limit", "5", "--rootfs", rootfs, "x"]
      .concat(["sh", "-c", script]),
    { env: { ...env, MYDOCKER_INIT_PROCESS: "1" } },
  );
  const text = result.stdoutText;
  assert.equal(result.code, 0, result.stderrText);
  const lines = text.trim().split("\n");
  const own = lines.filter((line) => line.startsWith("/proc/self/cgroup:"));
  const init = lines.filter((line) => line.startsWith("/proc/1/cgroup:"));
  assert.ok(own.length > 0 && own.every((line) => line.includes("/mydocker/")), text);
  assert.ok(init.every((line) => !line.includes("/mydocker/")), text);
});
