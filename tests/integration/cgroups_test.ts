/**
 * Container cgroups for real: limits the kernel enforces, the host-side cgroups holding the
 * container's processes with the limit values written, and nothing left behind, even after
 * mydocker is SIGKILLed. Runs on whatever layout the host has (v2, hybrid or v1).
 */

import assert from "node:assert/strict";
import { createCgroupsIn } from "../../runtime/cgroups/mod.ts";
import { detectCgroupLayout } from "../../runtime/cgroups/layout.ts";
import { ExitCodeError } from "../../sys/exit_codes.ts";
import { makeTestBed } from "../../testing/test_bed.ts";
import { containerCgroups, HIERARCHY_MOUNT_POINTS } from "../../testing/container_cgroups.ts";
import { pathExists } from "../../sys/path_exists.ts";
import { readUntil, runMydocker, spawnMydocker, waitFor } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const layout = detectCgroupLayout();

/** The ids of the containers running under the test's state root. */
function containerIds(): string[] {
  try {
    return [...Deno.readDirSync(`${stateRoot}/containers`)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Where controller `name`'s cgroup of container `id` is, and whether that is a v1 one. */
function controllerCgroup(name: string, id: string): { path: string; v1: boolean } {
  const v1 = layout.v1.find((hierarchy) => hierarchy.controllers.includes(name));
  if (v1 !== undefined) return { path: `${v1.mountPoint}/mydocker/${id}`, v1: true };
  assert.ok(layout.v2MountPoint !== undefined, `no ${name} controller on this host`);
  return { path: `${layout.v2MountPoint}/mydocker/${id}`, v1: false };
}

const read = (path: string) => Deno.readTextFileSync(path).trim();

/** Runs a container on the busybox root with `flags` and checks it leaves no cgroup. */
async function run(flags: string[], args: string[]) {
  const result = await runMydocker(["run", "--rm", ...flags, "--rootfs", rootfs, "test", ...args], {
    env,
  });
  assert.deepEqual(containerIds(), []);
  return result;
}

/** No `mydocker/<64 hex>` cgroup of any container of this test's state root is left. */
function assertNoCgroupsLeft(ids: string[]) {
  for (const id of ids) assert.deepEqual(containerCgroups(id), [], `cgroups of ${id} left behind`);
}

Deno.test("run --memory: a container allocating beyond it is OOM-killed, exit 137", async () => {
  const result = await run(["--memory", "32m"], [
    "sh",
    "-c",
    'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo ${#x}',
  ]);
  assert.equal(result.code, 137, result.stderrText);
  assert.equal(result.stdoutText, "");
  const fits = await run(["--memory", "32m"], [
    "sh",
    "-c",
    'x=$(head -c 1000000 /dev/zero | tr "\\0" a); echo ${#x}',
  ]);
  assert.equal(fits.code, 0, fits.stderrText);
  assert.equal(fits.stdoutText, "1000000\n");
  // The init stage (a Deno process) joins the cgroup before it execs: it fits Docker's minimum.
  assert.equal((await run(["--memory", "6m"], ["true"])).code, 0);
});

Deno.test("run --pids-limit: a fork loop hits the limit and the container survives", async () => {
  const result = await run(["--pids-limit", "20"], [
    "sh",
    "-c",
    "sh -c 'for i in $(seq 50); do sleep 5 & done; wait'; echo survived",
  ]);
  assert.match(result.stderrText, /can't fork/);
  assert.equal(result.stdoutText, "survived\n");
  assert.equal(result.code, 0);
});

Deno.test("run puts the container in mydocker/<id> of every hierarchy, with the limits", async () => {
  const child = spawnMydocker([
    "run",
    "--rm",
    "--memory",
    "64m",
    "--memory-swap",
    "96m",
    "--cpus",
    "0.5",
    "--cpu-shares",
    "512",
    "--pids-limit",
    "50",
    "--rootfs",
    rootfs,
    "test",
    "sh",
    "-c",
    "echo ready; exec sleep 37",
  ], env);
  assert.equal(await readUntil(child.stdout, "ready"), "ready\n");
  const [id] = containerIds();
  assert.ok(id !== undefined);
  assert.equal(
    containerCgroups(id).length,
    HIERARCHY_MOUNT_POINTS.length,
    "a hierarchy lacks the container",
  );
  const procs = (cgroup: string) => read(`${cgroup}/cgroup.procs`).split("\n");
  const [sleepPid] = procs(controllerCgroup("pids", id).path);
  const execed = await waitFor(() => read(`/proc/${sleepPid}/cmdline`) === "sleep\x0037\x00");
  assert.ok(execed, "the container's process is not the sleep");
  for (const cgroup of containerCgroups(id)) assert.deepEqual(procs(cgroup), [sleepPid], cgroup);
  const ownCgroups = read(`/proc/${sleepPid}/cgroup`).split("\n");
  if (layout.v2MountPoint !== undefined) assert.ok(ownCgroups.includes(`0::/mydocker/${id}`));

  const memory = controllerCgroup("memory", id);
  if (memory.v1) {
    assert.equal(read(`${memory.path}/memory.limit_in_bytes`), String(64 << 20));
    assert.equal(read(`${memory.path}/memory.memsw.limit_in_bytes`), String(96 << 20));
  } else {
    assert.equal(read(`${memory.path}/memory.max`), String(64 << 20));
    assert.equal(read(`${memory.path}/memory.swap.max`), String(32 << 20));
  }
  const cpu = controllerCgroup("cpu", id);
  if (cpu.v1) {
    assert.equal(read(`${cpu.path}/cpu.cfs_quota_us`), "50000");
    assert.equal(read(`${cpu.path}/cpu.cfs_period_us`), "100000");
    assert.equal(read(`${cpu.path}/cpu.shares`), "512");
  } else {
    assert.equal(read(`${cpu.path}/cpu.max`), "50000 100000");
    assert.equal(read(`${cpu.path}/cpu.weight`), "20");
  }
  assert.equal(read(`${controllerCgroup("pids", id).path}/pids.max`), "50");

  child.kill("SIGTERM");
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 143);
  assertNoCgroupsLeft([id]);
  assert.deepEqual(containerIds(), []);
});

Deno.test("run without limits still gets its cgroups, and removes them", async () => {
  const child = spawnMydocker(
    ["run", "--rm", "--rootfs", rootfs, "test", "sh", "-c", "echo ready; exec sleep 38"],
    env,
  );
  await readUntil(child.stdout, "ready");
  const [id] = containerIds();
  assert.ok(id !== undefined);
  assert.equal(containerCgroups(id).length, HIERARCHY_MOUNT_POINTS.length);
  // `sh -c` catches SIGINT until it execs: signal the sleep, not the shell.
  const [pid] = read(`${controllerCgroup("pids", id).path}/cgroup.procs`).split("\n");
  const execed = await waitFor(() => read(`/proc/${pid}/cmdline`) === "sleep\x0038\x00");
  assert.ok(execed, "the container's process is not the sleep");
  child.kill("SIGINT");
  assert.equal((await child.status).code, 130);
  await child.stderr.cancel();
  assertNoCgroupsLeft([id]);
});

Deno.test("a SIGKILLed mydocker's cgroups are swept by the next run", async () => {
  const child = spawnMydocker(
    [
      "run",
      "--rm",
      "--pids-limit",
      "30",
      "--rootfs",
      rootfs,
      "test",
      "sh",
      "-c",
      "echo ready; sleep 39",
    ],
    env,
  );
  await readUntil(child.stdout, "ready");
  const [id] = containerIds();
  assert.ok(id !== undefined);
  child.kill("SIGKILL");
  await child.status;
  await child.stderr.cancel();
  const procs = `${controllerCgroup("pids", id).path}/cgroup.procs`;
  assert.ok(await waitFor(() => read(procs) === ""), "the container lives on");
  // Another mydocker running meanwhile (a parallel test run) may sweep them first: that voids
  // this test, which therefore needs to run alone.
  assert.equal(
    containerCgroups(id).length,
    HIERARCHY_MOUNT_POINTS.length,
    "nothing to sweep: the test is void",
  );
  const next = await runMydocker(["run", "--rm", "--rootfs", rootfs, "test", "true"], { env });
  assert.equal(next.code, 0, next.stderrText);
  assertNoCgroupsLeft([id]);
  assert.deepEqual(containerIds(), []);
});

Deno.test("run rejects a malformed limit with 125 and one line, creating nothing", async () => {
  const result = await run(["--memory", "12q"], ["true"]);
  assert.equal(result.code, 125);
  assert.equal(result.stderrText, 'mydocker: Cannot use --memory "12q": invalid size\n');
});

Deno.test("createCgroupsIn() on the v2 hierarchy alone: create, join, remove", async () => {
  const v2 = layout.v2MountPoint;
  assert.ok(v2 !== undefined, "this host has no cgroup v2 hierarchy");
  const v2Only = { v2MountPoint: v2, v1: [] };
  const id = "f".repeat(63) + "0";
  const cgroup = createCgroupsIn(v2Only, id, {});
  assert.deepEqual(cgroup.paths, [`${v2}/mydocker/${id}`]);
  assert.deepEqual(cgroup.procsFiles, [`${v2}/mydocker/${id}/cgroup.procs`]);
  const joined = await new Deno.Command("/bin/sh", {
    args: ["-c", 'echo 0 > "$1" && grep "^0::" /proc/self/cgroup', "sh", cgroup.procsFiles[0]!],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(joined.stdout), `0::/mydocker/${id}\n`);
  cgroup.remove();
  assert.equal(pathExists(`${v2}/mydocker/${id}`), false);

  const controllers = read(`${v2}/cgroup.controllers`).split(" ");
  if (controllers.includes("pids")) {
    const limited = createCgroupsIn(v2Only, id, { pidsLimit: 7 });
    assert.equal(read(`${v2}/mydocker/${id}/pids.max`), "7");
    limited.remove();
  } else {
    assert.throws(
      () => createCgroupsIn(v2Only, id, { pidsLimit: 7 }),
      new ExitCodeError("Cannot apply --pids-limit: no pids cgroup controller is mounted"),
    );
  }
  assert.equal(pathExists(`${v2}/mydocker/${id}`), false);
});
