/**
 * `mydocker run -t` and `-it`, driven through a pseudo-terminal the test opens (CI has no
 * terminal): the container's own terminal, raw mode and its restoration, window sizes, Ctrl-C,
 * exit codes, TERM, and Docker's error when stdin is not a terminal.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import {
  assertNoContainerDirs,
  processesWith,
  runMydocker,
  waitFor,
} from "../../testing/mydocker.ts";
import { PtySession } from "../../testing/pty.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const PROMPT = /\/ # /;
/** The foreground command of the Ctrl-C test, unique to this run (no other test's sleep matches). */
const SLEEPER = `sleep 30.${Date.now() % 100_000}`;

/**
 * Whether {@linkcode SLEEPER} runs in the foreground process group of its terminal (the shell has
 * handed it the terminal), so that a Ctrl-C typed now reaches it rather than the shell.
 */
function sleepInForeground(): boolean {
  return processesWith(`${SLEEPER} `).some((pid) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return fields[2] === fields[5]; // pgrp === tpgid
    } catch {
      return false;
    }
  });
}

/**
 * Runs `mydocker run FLAGS --rm --rootfs <busybox> tty ARGS` on a 24x80 terminal of the test's,
 * hands the session to `drive` once `ready` has appeared, and closes it on every path.
 */
async function onTerminal(
  flags: string[],
  args: string[],
  drive: (session: PtySession) => Promise<void>,
  ready = PROMPT,
): Promise<void> {
  const session = new PtySession(
    ["run", ...flags, "--rm", "--rootfs", rootfs, "tty", ...args],
    env,
    { rows: 24, columns: 80 },
  );
  try {
    await session.expect(ready);
    await drive(session);
  } finally {
    await session.close();
  }
  assertNoContainerDirs(stateRoot);
}

Deno.test("run -it gives the shell the container's own terminal: prompt, commands, TERM", async () => {
  await onTerminal(["-it"], ["sh"], async (session) => {
    await session.type("echo $((6*7)) $TERM; tty; readlink /proc/self/fd/0\r");
    const end = await session.expect(/42 xterm\r\n/);
    await session.expect(/\/dev\/pts\/0\r\n\/dev\/pts\/0\r\n/, end);
    await session.type("exit\r");
    assert.deepEqual(await session.wait(), { code: 0 });
  });
});

Deno.test("run -it passes the terminal's size and its changes to the container", async () => {
  await onTerminal(["-it"], ["sh"], async (session) => {
    await session.type("stty size\r");
    let offset = await session.expect(/\r\n24 80\r\n/);
    offset = await session.expect(PROMPT, offset);
    session.resize({ rows: 33, columns: 111 });
    await session.type("stty size\r");
    await session.expect(/\r\n33 111\r\n/, offset);
    await session.type("exit\r");
    assert.deepEqual(await session.wait(), { code: 0 });
  });
});

Deno.test("Ctrl-C interrupts the container's foreground process and the shell carries on", async () => {
  await onTerminal(["-it"], ["sh"], async (session) => {
    await session.type(`${SLEEPER}\r`);
    assert.ok(await waitFor(sleepInForeground), "sleep did not start in the foreground");
    const offset = session.output.length;
    await session.type("\x03");
    assert.ok(await waitFor(() => processesWith(`${SLEEPER} `).length === 0), "sleep survived");
    const prompt = await session.expect(PROMPT, offset);
    await session.type("echo alive-$((40+2))\r");
    await session.expect(/alive-42\r\n/, prompt);
    await session.type("exit\r");
    assert.deepEqual(await session.wait(), { code: 0 });
  });
});

Deno.test("exit 3 in the shell makes mydocker exit 3 and restores the terminal's settings", async () => {
  let before: Uint8Array | undefined;
  const session = new PtySession(
    ["run", "-it", "--rm", "--rootfs", rootfs, "tty", "sh"],
    env,
    { rows: 24, columns: 80 },
  );
  try {
    before = session.attributes();
    await session.expect(PROMPT);
    assert.notDeepEqual(session.attributes(), before, "the terminal was not put in raw mode");
    await session.type("exit 3\r");
    assert.deepEqual(await session.wait(), { code: 3 });
    assert.deepEqual(session.attributes(), before, "the terminal's settings were not restored");
  } finally {
    await session.close();
  }
  assertNoContainerDirs(stateRoot);
});

Deno.test("run -it restores the terminal when the command cannot start", async () => {
  const session = new PtySession(
    ["run", "-it", "--rm", "--rootfs", rootfs, "tty", "/no/such/command"],
    env,
    { rows: 24, columns: 80 },
  );
  try {
    const before = session.attributes();
    assert.deepEqual(await session.wait(), { code: 127 });
    await session.expect(/no such file or directory/);
    assert.deepEqual(session.attributes(), before, "the terminal's settings were not restored");
  } finally {
    await session.close();
  }
});

Deno.test("run --init -it gives the command the terminal, with job control", async () => {
  await onTerminal(["--init", "-it"], ["sh"], async (session) => {
    await session.type(`tty; ${SLEEPER}\r`);
    await session.expect(/\/dev\/pts\/0\r\n/);
    assert.ok(await waitFor(sleepInForeground), "sleep did not start in the foreground");
    const offset = session.output.length;
    await session.type("\x03");
    const prompt = await session.expect(PROMPT, offset);
    await session.type("exit 4\r");
    await session.expect(/exit 4/, prompt);
    assert.deepEqual(await session.wait(), { code: 4 });
  });
});

Deno.test("run -it with stdin not a terminal fails with Docker's message", async () => {
  const result = await runMydocker(["run", "-it", "--rm", "--rootfs", rootfs, "tty", "true"], {
    env,
  });
  assert.equal(result.code, 125);
  assert.equal(result.stderrText, "mydocker: the input device is not a TTY\n");
  assert.equal(result.stdoutText, "");
  assertNoContainerDirs(stateRoot);
});

Deno.test("run -t without a terminal still gives the container one and copies its output", async () => {
  const script = "tty; echo TERM=$TERM; [ -t 0 ] && echo stdin-is-a-tty; exit 5";
  const result = await runMydocker([
    "run",
    "-t",
    "--rm",
    "--rootfs",
    rootfs,
    "tty",
    "sh",
    "-c",
    script,
  ], {
    env,
  });
  assert.equal(result.code, 5);
  assert.equal(result.stdoutText, "/dev/pts/0\r\nTERM=xterm\r\nstdin-is-a-tty\r\n");
  assert.equal(result.stderrText, "");
  const own = await runMydocker(
    ["run", "-t", "-e", "TERM=dumb", "--rm", "--rootfs", rootfs, "tty", "sh", "-c", "echo $TERM"],
    { env },
  );
  assert.equal(own.stdoutText, "dumb\r\n");
  assertNoContainerDirs(stateRoot);
});

Deno.test("run without -t on a terminal: stdin is /dev/null unless -i, as in Docker", async () => {
  await onTerminal(
    [],
    ["sh", "-c", "cat; readlink /proc/self/fd/0; echo done"],
    async (session) => {
      await session.expect(/\/dev\/null\r\ndone\r\n/);
      assert.deepEqual(await session.wait(), { code: 0 });
    },
    /done/,
  );
  await onTerminal(
    ["-i"],
    ["sh", "-c", "echo ready; read line; echo got $line"],
    async (session) => {
      await session.type("hello\r");
      await session.expect(/got hello\r\n/);
      assert.deepEqual(await session.wait(), { code: 0 });
    },
    /ready/,
  );
});

Deno.test("exec -it gives a command in a running container a terminal of its own", async () => {
  const started = await runMydocker(
    ["run", "-d", "--rm", "--name", "tty-target", "--rootfs", rootfs, "tty", "sleep", "31"],
    { env },
  );
  assert.equal(started.code, 0);
  const session = new PtySession(["exec", "-it", "tty-target", "sh"], env, {
    rows: 30,
    columns: 90,
  });
  try {
    const before = session.attributes();
    await session.expect(PROMPT);
    await session.type("tty; stty size; echo $TERM; tr '\\0' ' ' < /proc/1/cmdline; echo\r");
    await session.expect(/\/dev\/pts\/\d+\r\n30 90\r\nxterm\r\nsleep 31 \r\n/);
    await session.type("exit 5\r");
    assert.deepEqual(await session.wait(), { code: 5 });
    assert.deepEqual(session.attributes(), before, "the terminal's settings were not restored");
    const noTty = await runMydocker(["exec", "-it", "tty-target", "true"], { env, stdin: "null" });
    assert.equal(noTty.code, 125);
    assert.equal(noTty.stderrText, "mydocker: the input device is not a TTY\n");
  } finally {
    await session.close();
    await runMydocker(["rm", "-f", "tty-target"], { env });
  }
  assertNoContainerDirs(stateRoot);
});
