/**
 * A mydocker killed with SIGKILL at any moment of a start or a run leaves nothing running that
 * nobody tracks: the container dies with it, or the next mydocker command (here `ps -a`, then
 * `rm`) finds what is left, kills it and removes it. Kills are spread over the whole start, on
 * both start paths (a thread of mydocker's, and the init stage process).
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, NO_BRIDGE_CONFIG, runMydocker, waitFor } from "../../testing/mydocker.ts";
import { containerCgroups } from "../../testing/container_cgroups.ts";

const { rootfs, stateRoot, env } = await makeTestBed();

/**
 * Processes of this test's runs: those whose environment names the test's state root (mydocker
 * itself, a stage, a command's process still waiting to exec) or whose command line carries
 * `token` (the container's command).
 */
function leftovers(token: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      if (cmdline.includes(token) || environ.includes(`MYDOCKER_ROOT=${stateRoot}\0`)) {
        found.push(Number(entry.name));
      }
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** The ids of the containers of the test's state root. */
function containerIds(): string[] {
  try {
    return [...Deno.readDirSync(`${stateRoot}/containers`)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

const PATHS: readonly [string, Record<string, string>][] = [
  ["thread", {}],
  ["init stage", { MYDOCKER_INIT_PROCESS: "1" }],
];

for (const [path, extraEnv] of PATHS) {
  Deno.test(`a SIGKILL at any moment of a start (${path}) leaves no untracked process`, async () => {
    const token = `30.${Date.now()}`;
    const delays = [0, 20, 40, 60, 80, 100, 120, 150, 180, 220, 260, 320, 400, 600];
    const ids = new Set<string>();
    for (const [index, delay] of delays.entries()) {
      const child = new Deno.Command(MYDOCKER, {
        args: ["run", "--name", `k${index}`, "--rootfs", rootfs, "x", "sleep", token],
        env: { MYDOCKER_CONFIG: NO_BRIDGE_CONFIG, ...env, ...extraEnv },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill("SIGKILL");
      await child.status;
      for (const id of containerIds()) ids.add(id);
    }
    // The next command sweeps up.
    assert.equal((await runMydocker(["ps", "-a"], { env })).code, 0);
    for (const id of containerIds()) {
      assert.equal((await runMydocker(["rm", "-f", id], { env })).code, 0);
    }
    assert.ok(
      await waitFor(() => leftovers(token).length === 0),
      `processes left: ${leftovers(token).join(", ")}`,
    );
    assert.deepEqual(containerIds(), []);
    for (const id of ids) assert.deepEqual(containerCgroups(id), [], `cgroups of ${id} left`);
  });
}

/**
 * Whether process `pid` has a child (of any of its threads) waiting at a start gate: the process
 * of a container's command, spawned, in the container's root, not yet let go.
 */
function childAtGate(pid: number): boolean {
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const children = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      for (const child of children === "" ? [] : children.split(" ")) {
        try {
          Deno.lstatSync(`/proc/${child}/root/dev/.mydocker-start`);
          return true;
        } catch {
          // Not at the gate.
        }
      }
    }
  } catch {
    // Gone.
  }
  return false;
}

Deno.test("a SIGKILL while the command waits at its start gate leaves no untracked process", async () => {
  const token = `30.${Date.now()}`;
  let caught = 0;
  for (let attempt = 0; attempt < 10 && caught < 3; attempt++) {
    const child = new Deno.Command(MYDOCKER, {
      args: ["run", "--rootfs", rootfs, "x", "sleep", token],
      env: { MYDOCKER_CONFIG: NO_BRIDGE_CONFIG, ...env },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Freeze mydocker the moment its command's process waits at the gate, then kill it there.
    const deadline = Date.now() + 10_000;
    while (!childAtGate(child.pid) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (!childAtGate(child.pid)) {
      child.kill("SIGKILL");
      await child.status;
      continue; // Missed the moment this time.
    }
    caught++;
    Deno.kill(child.pid, "SIGSTOP");
    child.kill("SIGKILL");
    await child.status;
  }
  assert.ok(caught > 0, "never caught a command's process at its gate");
  assert.equal((await runMydocker(["ps", "-a"], { env })).code, 0);
  assert.ok(
    await waitFor(() => leftovers(token).length === 0),
    `processes left: ${leftovers(token).join(", ")}`,
  );
  for (const id of containerIds()) {
    assert.equal((await runMydocker(["rm", "-f", id], { env })).code, 0);
  }
});
