/**
 * `run -dit`, `attach` and `start -a -i` as a user runs them from a terminal (a pseudo-terminal
 * the test opens): a detached container's terminal, attached to and detached from with Docker's
 * keys while it runs on, exit codes, window sizes, the terminal's output in `logs`; `exec -dt`;
 * `attach` to a container without a terminal, with and without `--sig-proxy`.
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
import { PtySession } from "../../testing/pty.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const PROMPT = /\/ # /;
/** ICANON in `c_lflag` (at byte 12 of `struct termios`): clear once attach has made it raw. */
const ICANON = 0o2;

const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Whether the terminal `session` runs on is raw: attach has connected and takes keys. */
function isRaw(session: PtySession): boolean {
  const attributes = session.attributes();
  return (new DataView(attributes.buffer).getUint32(12, true) & ICANON) === 0;
}

/** Runs mydocker with `args` on a terminal of `rows` x 80; resolves once it takes keys. */
async function onTerminal(args: string[], rows: number): Promise<PtySession> {
  const session = new PtySession(args, env, { rows, columns: 80 });
  if (!await waitFor(() => isRaw(session), 10_000)) {
    await session.close();
    throw new Error(`mydocker ${args.join(" ")} never made its terminal raw: ${session.output}`);
  }
  return session;
}

/** The state of container `name`. */
async function status(name: string): Promise<string> {
  return (await mydocker("inspect", "-f", "{{.State.Status}}", name)).stdoutText.trim();
}

Deno.test("run -dit from a pipe, attach, detach with ctrl-p ctrl-q, attach again, exit", async () => {
  const started = await mydocker("run", "-dit", "--name", "shell", "--rootfs", rootfs, "tty", "sh");
  assert.equal(started.code, 0, started.stderrText);
  assert.match(started.stdoutText, /^[0-9a-f]{64}\n$/);
  assert.equal(await status("shell"), "running");
  const config = "{{.Config.Tty}} {{.Config.OpenStdin}} {{.Config.AttachStdin}}";
  assert.equal((await mydocker("inspect", "-f", config, "shell")).stdoutText, "true true false\n");

  const first = await onTerminal(["attach", "shell"], 24);
  try {
    const raw = first.attributes();
    await first.type("echo $((6*7)); stty size; tty\r");
    const offset = await first.expect(/42\r\n24 80\r\n\/dev\/pts\/0\r\n/);
    await first.expect(PROMPT, offset);
    const shown = first.output.length;
    await first.type("\x10\x11");
    assert.deepEqual(await first.wait(), { code: 0 });
    assert.equal(first.output.slice(shown), "", "attach printed something on detach");
    assert.ok(!isRaw(first), "the terminal's settings were not restored");
    assert.notDeepEqual(first.attributes(), raw);
  } finally {
    await first.close();
  }
  assert.equal(await status("shell"), "running");

  const second = await onTerminal(["attach", "shell"], 33);
  try {
    await second.type("stty size; exit 7\r");
    await second.expect(/33 80\r\n/);
    assert.deepEqual(await second.wait(), { code: 7 });
  } finally {
    await second.close();
  }
  assert.equal(await status("shell"), "exited");
  const logs = await mydocker("logs", "shell");
  assert.match(logs.stdoutText, /echo \$\(\(6\*7\)\); stty size; tty\r\n42\r\n24 80\r\n/);
  assert.match(logs.stdoutText, /stty size; exit 7\r\n33 80\r\n/);
  assert.equal(logs.stderrText, "");
  assert.equal((await mydocker("rm", "shell")).code, 0);
});

Deno.test("attach --detach-keys: the user's keys, a broken sequence passed on, bad keys refused", async () => {
  await mydocker("run", "-dit", "--name", "keys", "--rootfs", rootfs, "tty", "sh");
  const session = await onTerminal(["attach", "--detach-keys", "ctrl-x,y", "keys"], 24);
  try {
    // ctrl-x then "echo …": the sequence breaks, so both reach the shell (ctrl-x is ignored).
    await session.type("\x18echo broken-$((1+1))\r");
    await session.expect(/broken-2\r\n/);
    await session.type("\x10\x11"); // Docker's default keys mean nothing now.
    await session.type("\x18y");
    assert.deepEqual(await session.wait(), { code: 0 });
  } finally {
    await session.close();
  }
  assert.equal(await status("keys"), "running");
  const bad = await mydocker("attach", "--detach-keys", "ctrl-1", "keys");
  assert.equal(bad.code, 125);
  assert.equal(bad.stderrText, "mydocker: Invalid detach keys (ctrl-1) provided\n");
  const notTty = await runMydocker(["attach", "keys"], { env, stdin: new Uint8Array() });
  assert.equal(notTty.code, 125);
  assert.equal(notTty.stderrText, "mydocker: the input device is not a TTY\n");
  assert.equal((await mydocker("rm", "-f", "keys")).code, 0);
});

Deno.test("start -a -i on a -it container: its terminal from the start, its exit code", async () => {
  const run = new PtySession(
    ["run", "-it", "--name", "again", "--rootfs", rootfs, "tty", "sh"],
    env,
    { rows: 24, columns: 80 },
  );
  try {
    await run.expect(PROMPT);
    await run.type("exit 2\r");
    assert.deepEqual(await run.wait(), { code: 2 });
  } finally {
    await run.close();
  }
  const start = await onTerminal(["start", "-a", "-i", "again"], 24);
  try {
    await start.expect(/BusyBox.*\r\n(.|\r\n)*\/ # /); // The banner it printed before we came.
    await start.type("echo started-$((2+3)); exit 5\r");
    await start.expect(/started-5\r\n/);
    assert.deepEqual(await start.wait(), { code: 5 });
  } finally {
    await start.close();
  }
  const quick = await mydocker(
    "run",
    "-dt",
    "--name",
    "quick",
    "--rootfs",
    rootfs,
    "tty",
    "echo",
    "hi",
  );
  assert.equal(quick.code, 0);
  assert.equal((await mydocker("wait", "quick")).stdoutText, "0\n");
  const attached = await mydocker("start", "-a", "quick");
  assert.deepEqual([attached.code, attached.stdoutText], [0, "hi\r\n"]);
  assert.equal((await mydocker("rm", "again", "quick")).code, 0);
});

Deno.test("run -t (foreground, kept): logs shows the terminal's output as stdout", async () => {
  const run = new PtySession(
    ["run", "-t", "--name", "logged", "--rootfs", rootfs, "tty", "sh", "-c", "echo one; echo two"],
    env,
    { rows: 24, columns: 80 },
  );
  try {
    assert.deepEqual(await run.wait(), { code: 0 });
  } finally {
    await run.close();
  }
  const logs = await mydocker("logs", "logged");
  assert.deepEqual([logs.stdoutText, logs.stderrText], ["one\r\ntwo\r\n", ""]);
  assert.equal((await mydocker("rm", "logged")).code, 0);
});

Deno.test("exec -dt: the command gets a terminal of its own, its output goes nowhere", async () => {
  await mydocker("run", "-d", "--name", "execd", "--rootfs", rootfs, "tty", "sleep", "60");
  const script = "tty > /tty.txt; echo $TERM >> /tty.txt; echo lost";
  const exec = await mydocker("exec", "-dt", "execd", "sh", "-c", script);
  assert.deepEqual([exec.code, exec.stdoutText, exec.stderrText], [0, "", ""]);
  let shown = "";
  for (let tries = 0; tries < 100 && !shown.endsWith("xterm\n"); tries++) {
    shown = (await mydocker("exec", "execd", "cat", "/tty.txt")).stdoutText;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(shown, /^\/dev\/pts\/\d+\nxterm\n$/);
  const missing = await mydocker("exec", "-dt", "execd", "/no/such/command");
  assert.equal(missing.code, 127);
  assert.equal(
    missing.stderrText,
    'mydocker: Cannot run "/no/such/command": no such file or directory\n',
  );
  assert.equal((await mydocker("rm", "-f", "execd")).code, 0);
});

Deno.test("attach to a container without a terminal: its output from now, signals proxied", async () => {
  const script = 'trap "echo got INT; exit 9" INT; while :; do echo tick; sleep 0.1; done';
  await mydocker("run", "-d", "--name", "ticker", "--rootfs", rootfs, "tty", "sh", "-c", script);
  const attach = spawnMydocker(["attach", "ticker"], env);
  const seen = await readUntil(attach.stdout, "tick\n");
  assert.match(seen, /tick\n/);
  attach.kill("SIGINT");
  const [code, rest] = await Promise.all([
    attach.status.then((status) => status.code),
    readUntil(attach.stdout, "\0"), // To its end.
  ]);
  await attach.stderr.cancel();
  assert.equal(code, 9);
  assert.match(rest, /got INT\n$/);

  await mydocker("run", "-d", "--name", "unproxied", "--rootfs", rootfs, "tty", "sh", "-c", script);
  const plain = spawnMydocker(["attach", "--sig-proxy=false", "unproxied"], env);
  await readUntil(plain.stdout, "tick\n");
  plain.kill("SIGINT");
  assert.equal((await plain.status).signal, "SIGINT");
  await plain.stdout.cancel();
  await plain.stderr.cancel();
  assert.equal(await status("unproxied"), "running");

  const stopped = await mydocker("attach", "ticker");
  assert.equal(stopped.code, 125);
  assert.equal(
    stopped.stderrText,
    "mydocker: You cannot attach to a stopped container, start it first\n",
  );
  assert.equal((await mydocker("rm", "-f", "ticker", "unproxied")).code, 0);
});

Deno.test("attach tests leave nothing behind (what a failed one left is removed here)", async () => {
  const left = (await mydocker("ps", "-aq", "--no-trunc")).stdoutText.split("\n").filter(Boolean);
  if (left.length > 0) await mydocker("rm", "-f", ...left);
  assert.deepEqual(left, []);
  assertNoContainerDirs(stateRoot);
});
