/**
 * `mydocker top`, `stats --no-stream` and `rename` as a user runs them, against Docker's columns.
 */

import assert from "node:assert/strict";
import { runMydocker } from "../../testing/mydocker.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const { rootfs, env } = await makeTestBed();
const mydocker = (args: string[]) => runMydocker(args, { env });

const started = await mydocker([
  "run",
  "-d",
  "--name",
  "busy",
  "-m",
  "64m",
  "--rootfs",
  rootfs,
  "x",
  "sh",
  "-c",
  "sleep 300 & while :; do :; done",
]);
assert.equal(started.code, 0, started.stderrText);
const id = started.stdoutText.trim();

Deno.test("top prints ps -ef's columns for the container's processes only", async () => {
  const result = await mydocker(["top", "busy"]);
  assert.equal(result.code, 0, result.stderrText);
  const [title, ...rows] = result.stdoutText.trimEnd().split("\n");
  assert.deepEqual(title!.split(/\s+/), ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
  const commands = rows.map((row) => row.split(/\s{3,}/).at(-1));
  assert.deepEqual(commands.sort(), ["sh -c sleep 300 & while :; do :; done", "sleep 300"]);
  const custom = await mydocker(["top", "busy", "-o", "pid,comm"]);
  assert.match(custom.stdoutText, /^PID\s+COMMAND\n\d+\s+sh\n\d+\s+sleep\n$/);
});

Deno.test("top of a stopped container fails in Docker's words", async () => {
  const ran = await mydocker(["run", "--name", "done", "--rootfs", rootfs, "x", "true"]);
  const result = await mydocker(["top", "done"]);
  assert.equal(result.code, 125);
  assert.match(result.stderrText, /^mydocker: Container [0-9a-f]{64} is not running\n$/);
  assert.equal(ran.code, 0);
});

Deno.test("stats --no-stream samples CPU, memory against the limit, I/O and pids", async () => {
  const result = await mydocker(["stats", "--no-stream", "busy"]);
  assert.equal(result.code, 0, result.stderrText);
  const [title, row, more] = result.stdoutText.trimEnd().split("\n");
  assert.deepEqual(title!.split(/\s{2,}/), [
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
  ]);
  assert.equal(more, undefined);
  const cells = row!.split(/\s{2,}/);
  assert.equal(cells[0], id.slice(0, 12));
  assert.equal(cells[1], "busy");
  assert.ok(Number(cells[2]!.slice(0, -1)) > 20, `a busy loop uses CPU: ${cells[2]}`);
  assert.match(cells[3]!, /^[\d.]+(B|KiB|MiB) \/ 64MiB$/);
  assert.equal(cells[5], "0B / 0B");
  assert.equal(cells[7], "2");
});

Deno.test("rename changes the name; a taken or invalid name is refused", async () => {
  assert.equal((await mydocker(["rename", "busy", "renamed"])).code, 0);
  const ps = await mydocker(["ps", "-a"]);
  assert.match(ps.stdoutText, /\srenamed\n/);
  const taken = await mydocker(["rename", "renamed", "done"]);
  assert.equal(taken.code, 125);
  const invalid = await mydocker(["rename", "renamed", "a/b"]);
  assert.equal(
    invalid.stderrText,
    "mydocker: Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n",
  );
  assert.equal((await mydocker(["rename", "renamed", "busy"])).code, 0);
  const reused = await mydocker(["run", "--name", "renamed", "--rootfs", rootfs, "x", "true"]);
  assert.equal(reused.code, 0, reused.stderrText);
});

// Last, while the state root is still there: the busy container must not outlive the tests.
Deno.test("container_info cleanup: the busy container is removed", async () => {
  assert.equal((await mydocker(["rm", "-f", id])).code, 0);
});
