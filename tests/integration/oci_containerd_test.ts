/**
 * mydocker driven by containerd: a containerd of the test's own runs busybox containers through
 * its runc shim with `--runc-binary` (the shim's BinaryName) pointed at `mydocker-runc`: exit
 * codes, a failed create's error, a detached task with exec, ps, pause and resume, kill and
 * delete, a memory limit, and nothing left behind.
 */

import assert from "node:assert/strict";
import { startContainerd } from "../../testing/containerd.ts";
import { writeBusyboxArchive } from "../../testing/docker_archive.ts";
import { HIERARCHY_MOUNT_POINTS } from "../../testing/container_cgroups.ts";

const LAUNCHER = new URL("../../mydocker-runc", import.meta.url).pathname;
const IMAGE = "docker.io/library/mydocker-oci-test:latest";
const containerd = await startContainerd();
const { ctr } = containerd;
const work = await Deno.makeTempDir({ prefix: "mydocker-test-oci-" });
await writeBusyboxArchive(`${work}/busybox.tar`, IMAGE);
const imported = await ctr(["image", "import", `${work}/busybox.tar`]);
assert.equal(imported.code, 0, imported.stderrText);

/** `ctr run` with mydocker as the runtime. */
const run = (...args: string[]) => ctr(["run", "--runc-binary", LAUNCHER, ...args]);
/** The runc shim's state root of the test's namespace, where mydocker keeps its state. */
const stateRoot = `/run/containerd/runc/${containerd.namespace}`;

Deno.test("ctr run --rm: the command's output and exit code", async () => {
  const result = await run("--rm", IMAGE, "c-exit", "sh", "-c", "echo hi; echo oops >&2; exit 3");
  assert.equal(result.stdoutText, "hi\n");
  assert.equal(result.code, 3, result.stderrText);
  const ok = await run("--rm", IMAGE, "c-true", "true");
  assert.equal(ok.code, 0, ok.stderrText);
});

Deno.test("ctr run: the command is PID 1 with containerd's capabilities", async () => {
  const result = await run(
    "--rm",
    IMAGE,
    "c-inside",
    "sh",
    "-c",
    "echo $$; grep CapBnd /proc/self/status; cat /proc/1/cmdline; true",
  );
  assert.equal(result.code, 0, result.stderrText);
  const [pid, caps, cmdline] = result.stdoutText.split("\n");
  assert.equal(pid, "1");
  assert.equal(caps, "CapBnd:\t00000000a80425fb"); // containerd's default set
  assert.match(cmdline!, /^sh\0-c\0/);
});

Deno.test("a command that is not there fails the create, with the reason in ctr's error", async () => {
  const result = await run("--rm", IMAGE, "c-missing", "/no/such/command");
  assert.notEqual(result.code, 0);
  assert.match(result.stderrText, /\/no\/such\/command/);
  assert.match(result.stderrText, /no such file or directory/);
  assert.equal((await ctr(["container", "ls", "-q"])).stdoutText, "");
});

Deno.test("ctr run -d, task exec, ps, pause and resume, kill and delete", async () => {
  const id = "c-detached";
  const started = await run("-d", IMAGE, id, "sleep", "1000");
  assert.equal(started.code, 0, started.stderrText);
  const tasks = await ctr(["task", "ls"]);
  assert.match(tasks.stdoutText, new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, "m"));
  const exec = await ctr([
    "task",
    "exec",
    "--exec-id",
    "e1",
    id,
    "sh",
    "-c",
    "cat /proc/1/cmdline; exit 4",
  ]);
  assert.equal(exec.stdoutText, "sleep\x001000\x00");
  assert.equal(exec.code, 4, exec.stderrText);
  const ps = await ctr(["task", "ps", id]);
  assert.equal(ps.code, 0, ps.stderrText);
  assert.equal(ps.stdoutText.trim().split("\n").length, 2); // the header and sleep
  assert.equal((await ctr(["task", "pause", id])).code, 0);
  assert.match((await ctr(["task", "ls"])).stdoutText, new RegExp(`^${id}\\s+\\d+\\s+PAUSED`, "m"));
  assert.equal((await ctr(["task", "resume", id])).code, 0);
  assert.match(
    (await ctr(["task", "ls"])).stdoutText,
    new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, "m"),
  );
  assert.equal((await ctr(["task", "kill", "-s", "KILL", id])).code, 0);
  while (!/STOPPED/.test((await ctr(["task", "ls"])).stdoutText)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal((await ctr(["task", "delete", id])).code, 0);
  assert.equal((await ctr(["container", "rm", id])).code, 0);
});

Deno.test("ctr run --memory-limit: the limit is in the container's cgroup at containerd's cgroupsPath", async () => {
  const id = "c-memory";
  const started = await run("-d", "--memory-limit", "33554432", IMAGE, id, "sleep", "1000");
  assert.equal(started.code, 0, started.stderrText);
  try {
    const limits = HIERARCHY_MOUNT_POINTS.flatMap((mountPoint) =>
      ["memory.limit_in_bytes", "memory.max"].flatMap((file) => {
        try {
          return [Deno.readTextFileSync(`${mountPoint}/${containerd.namespace}/${id}/${file}`)];
        } catch {
          return [];
        }
      })
    );
    assert.deepEqual(limits, ["33554432\n"]);
  } finally {
    assert.equal((await ctr(["task", "delete", "--force", id])).code, 0);
    assert.equal((await ctr(["container", "rm", id])).code, 0);
  }
});

Deno.test("nothing is left: no state directories, containers, or cgroups of the test's", async () => {
  const tasks = (await ctr(["task", "ls", "-q"])).stdoutText.split("\n").filter(Boolean);
  const containers = (await ctr(["container", "ls", "-q"])).stdoutText.split("\n").filter(Boolean);
  let states: string[] = [];
  try {
    states = [...Deno.readDirSync(stateRoot)].map((entry) => entry.name);
  } catch {
    // Never made, or gone.
  }
  const cgroups = HIERARCHY_MOUNT_POINTS.flatMap((mountPoint) => {
    try {
      return [...Deno.readDirSync(`${mountPoint}/${containerd.namespace}`)]
        .filter((entry) => entry.isDirectory).map((entry) => `${mountPoint}/${entry.name}`);
    } catch {
      return [];
    }
  });
  // Clean up first, whatever a failed test left, then say what was left.
  for (const id of tasks) await ctr(["task", "delete", "--force", id]);
  for (const id of containers) await ctr(["container", "rm", id]);
  await containerd.stop();
  for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
    await Deno.remove(`${mountPoint}/${containerd.namespace}`).catch(() => {});
  }
  await Deno.remove(work, { recursive: true });
  assert.deepEqual({ tasks, containers, states, cgroups }, {
    tasks: [],
    containers: [],
    states: [],
    cgroups: [],
  });
});
