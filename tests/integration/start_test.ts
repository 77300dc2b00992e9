/**
 * How a container starts, on both paths (a thread of mydocker's, and the init stage process with
 * MYDOCKER_INIT_PROCESS=1): the spec never shows in a command line, large environments work, a
 * non-root user can reopen its stdio, and `run -d --init` returns once the command runs.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker, waitFor } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();

const PATHS: readonly [string, Record<string, string>][] = [
  ["thread", {}],
  ["init stage", { MYDOCKER_INIT_PROCESS: "1" }],
];

/** Host processes whose command line contains `text`. */
function commandLinesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes(text)) {
        found.push(Number(entry.name));
      }
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

for (const [path, extraEnv] of PATHS) {
  const mydocker = (...args: string[]) => runMydocker(args, { env: { ...env, ...extraEnv } });

  Deno.test(`a non-root user reopens /dev/stdout and /dev/stderr (${path})`, async () => {
    const script = "echo out >/dev/stdout; echo err >/dev/stderr; id -u";
    const run = await mydocker(
      "run",
      "--rm",
      "-u",
      "nobody",
      "--rootfs",
      rootfs,
      "x",
      "sh",
      "-c",
      script,
    );
    assert.equal(run.code, 0, run.stderrText);
    assert.equal(run.stdoutText, "out\n65534\n");
    assert.equal(run.stderrText, "err\n");
    const detached = await mydocker(
      "run",
      "-d",
      "--name",
      "nonroot",
      "-u",
      "nobody",
      "--rootfs",
      rootfs,
      "x",
      "sh",
      "-c",
      `${script}; sleep 30`,
    );
    assert.equal(detached.code, 0, detached.stderrText);
    const id = detached.stdoutText.trim();
    const read = () => Deno.readTextFileSync(`${stateRoot}/containers/${id}/${id}-json.log`);
    assert.ok(await waitFor(() => read().split("\n").length === 4), read());
    const logs = await mydocker("logs", "nonroot");
    assert.equal(logs.stdoutText, "out\n65534\n");
    assert.equal(logs.stderrText, "err\n");
    const exec = await mydocker("exec", "-u", "nobody", "nonroot", "sh", "-c", script);
    assert.equal(exec.code, 0, exec.stderrText);
    assert.equal(exec.stdoutText, "out\n65534\n");
    assert.equal(exec.stderrText, "err\n");
    assert.equal((await mydocker("rm", "-f", "nonroot")).code, 0);
  });

  Deno.test(`/sys/fs/cgroup shows the container's own limits, read-only (${path})`, async () => {
    const script = "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes " +
      "2>/dev/null; touch /sys/fs/cgroup/x 2>/dev/null || echo read-only";
    const result = await mydocker(
      "run",
      "--rm",
      "-m",
      "64m",
      "--rootfs",
      rootfs,
      "x",
      "sh",
      "-c",
      script,
    );
    assert.equal(result.code, 0, result.stderrText);
    assert.equal(result.stdoutText, "67108864\nread-only\n");
  });

  Deno.test(`three 50 KB variables reach the command (${path})`, async () => {
    const value = "v".repeat(50_000);
    const result = await mydocker(
      "run",
      "--rm",
      "-e",
      `A=${value}`,
      "-e",
      `B=${value}`,
      "-e",
      `C=${value}`,
      "--rootfs",
      rootfs,
      "x",
      "sh",
      "-c",
      'echo "${#A} ${#B} ${#C}"',
    );
    assert.equal(result.code, 0, result.stderrText);
    assert.equal(result.stdoutText, "50000 50000 50000\n");
  });
}

Deno.test("no -e or --env-file value shows in any command line; run -d --init returns at once", async () => {
  const secret = `hunter2-${Date.now()}`;
  const envFile = await Deno.makeTempFile();
  await Deno.writeTextFile(envFile, `FROM_FILE=${secret}-file\n`);
  try {
    for (const [path, extraEnv] of PATHS) {
      const started = Date.now();
      const result = await runMydocker([
        "run",
        "-d",
        "--init",
        "--name",
        `secret-${path.replace(" ", "-")}`,
        "-e",
        `SECRET=${secret}`,
        "--env-file",
        envFile,
        "--rootfs",
        rootfs,
        "x",
        "sh",
        "-c",
        "echo ready; sleep 30",
      ], { env: { ...env, ...extraEnv } });
      assert.equal(result.code, 0, result.stderrText);
      // Far less than the 30 s after which a wait for a changed command line used to give up.
      assert.ok(Date.now() - started < 10_000, "run -d --init did not return once started");
      assert.deepEqual(commandLinesWith(secret), [], `${path}: the secret is in a command line`);
      const ps = await runMydocker(["ps"], { env });
      assert.match(ps.stdoutText, new RegExp(`Up .* secret-${path.replace(" ", "-")}`));
    }
  } finally {
    await Deno.remove(envFile);
    for (const [path] of PATHS) {
      await runMydocker(["rm", "-f", `secret-${path.replace(" ", "-")}`], { env });
    }
  }
  assert.deepEqual([...Deno.readDirSync(`${stateRoot}/containers`)], []);
});
