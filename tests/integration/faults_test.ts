/**
 * What faults leave behind: a state root that fills up (a run fails with one line and leaves
 * nothing; `ps -a` keeps working), container state files that cannot be read, owner records of
 * dead mydockers with no cgroup, and `rm` of a container whose monitor was SIGKILLed.
 */

import assert from "node:assert/strict";
import { OWNERS_DIR } from "../../runtime/cgroups/owner.ts";
import { isAlive, processIdentity } from "../../sys/process_identity.ts";
import { makeTestBed } from "../../testing/test_bed.ts";
import { containerCgroups, HIERARCHY_MOUNT_POINTS } from "../../testing/container_cgroups.ts";
import { pathExists } from "../../sys/path_exists.ts";
import { assertNoContainerDirs, runMydocker, waitFor } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Every file under `dir` whose name ends with `.tmp`. */
function temporaryFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...temporaryFiles(path));
    else if (entry.name.endsWith(".tmp")) found.push(path);
  }
  return found;
}

/** Runs `body` with a state root on a tmpfs of `size` bytes, unmounted and removed after. */
async function withSmallStateRoot(size: number, body: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "mydocker-test-full-" });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", root],
  }).output();
  assert.equal(mount.code, 0, new TextDecoder().decode(mount.stderr));
  try {
    await body(root);
  } finally {
    await new Deno.Command("umount", { args: ["-l", root] }).output();
    Deno.removeSync(root, { recursive: true });
  }
}

/** Fills the file system of `dir` with a file `dir/filler`, all but `spare` bytes. */
function fill(dir: string, spare: number): void {
  const size = Math.max(0, freeBytes(dir) - spare);
  const { code } = new Deno.Command("fallocate", { args: ["-l", String(size), `${dir}/filler`] })
    .outputSync();
  assert.equal(code, 0, "fallocate failed");
  assert.ok(freeBytes(dir) <= spare, "the file system is not full");
}

/** Free bytes on the file system of `dir`. */
function freeBytes(dir: string): number {
  const df = new Deno.Command("df", { args: ["-B1", "--output=avail", dir] }).outputSync();
  return Number(new TextDecoder().decode(df.stdout).split("\n")[1]);
}

/** Asserts a failed run: exit 125 and one line naming the full disk. */
function assertNoSpace(result: { code: number; stderrText: string }): void {
  assert.equal(result.code, 125, result.stderrText);
  assert.match(result.stderrText, /^mydocker: [^\n]*: no space left on device\n$/);
}

/** The ids of the containers that have a cgroup on this host now, in any hierarchy. */
function containerCgroupIds(): Set<string> {
  const ids = new Set<string>();
  for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
    try {
      for (const entry of Deno.readDirSync(`${mountPoint}/mydocker`)) {
        if (/^[0-9a-f]{64}$/.test(entry.name)) ids.add(entry.name);
      }
    } catch {
      // No container ever had a cgroup in this hierarchy.
    }
  }
  return ids;
}

/**
 * Asserts that a state root on a full disk holds nothing of failed runs (no cgroup or owner
 * record besides those in `before`), and ps -a works.
 */
async function assertClean(root: string, before: Set<string>) {
  const runIn = (...args: string[]) => runMydocker(args, { env: { MYDOCKER_ROOT: root } });
  assert.deepEqual(temporaryFiles(root), []);
  assertNoContainerDirs(root);
  const added = [...containerCgroupIds()].filter((id) => !before.has(id));
  assert.deepEqual(added.flatMap(containerCgroups), []);
  for (const id of added) assert.equal(pathExists(`${OWNERS_DIR}/${id}`), false);
  const ps = await runIn("ps", "-a");
  assert.equal(ps.code, 0, ps.stderrText);
  assert.equal(ps.stdoutText.trim().split("\n").length, 1, ps.stdoutText);
}

Deno.test("run on a full state root exits 125 with one line and leaves nothing", async () => {
  await withSmallStateRoot(1024 * 1024, async (root) => {
    const runIn = (...args: string[]) => runMydocker(args, { env: { MYDOCKER_ROOT: root } });
    fill(root, 0);
    for (const detach of [[], ["-d"]]) {
      const before = containerCgroupIds();
      const result = await runIn("run", ...detach, "--rootfs", rootfs, "img", "true");
      assertNoSpace(result);
      await assertClean(root, before);
    }
    Deno.removeSync(`${root}/filler`);
    const ok = await runIn("run", "--name", "after", "--rootfs", rootfs, "img", "echo", "ok");
    assert.equal(ok.stdoutText, "ok\n");
    assert.equal(ok.code, 0, ok.stderrText);
    const ps = await runIn("ps", "-a");
    assert.match(ps.stdoutText, / Exited \(0\) .* after\n/);
  });
});

Deno.test("a run whose container fills the state root exits 125 and leaves nothing", async () => {
  await withSmallStateRoot(2 * 1024 * 1024, async (root) => {
    const runIn = (...args: string[]) => runMydocker(args, { env: { MYDOCKER_ROOT: root } });
    fill(root, 256 * 1024);
    const before = containerCgroupIds();
    const result = await runIn(
      "run",
      "--rootfs",
      rootfs,
      "img",
      "sh",
      "-c",
      "cat /dev/zero >/fill 2>/dev/null; exit 3",
    );
    assertNoSpace(result);
    await assertClean(root, before);
    const ok = await runIn("run", "--rm", "--rootfs", rootfs, "img", "echo", "ok");
    assert.equal(ok.stdoutText, "ok\n");
    assert.equal(ok.code, 0, ok.stderrText);
  });
});

Deno.test("a container whose state cannot be read is listed as Unknown and can be removed", async () => {
  for (const [name, text] of [["empty", ""], ["torn", '{"status":"exi']]) {
    const run = await mydocker("run", "--name", name!, "--rootfs", rootfs, "img", "true");
    assert.equal(run.code, 0, run.stderrText);
    const id = (await mydocker("ps", "-a", "-q")).stdoutText.split("\n")[0]!;
    const [dir] = [...Deno.readDirSync(`${stateRoot}/containers`)]
      .filter((entry) => entry.name.startsWith(id));
    Deno.writeTextFileSync(`${stateRoot}/containers/${dir!.name}/state.json`, text!);
    const ps = await mydocker("ps", "-a");
    assert.equal(ps.code, 0, ps.stderrText);
    assert.match(ps.stdoutText, new RegExp(` Unknown +${name}\n`));
    const wait = await mydocker("wait", name!);
    assert.equal(wait.code, 125);
    assert.equal(
      wait.stderrText,
      `mydocker: Cannot wait for container ${name}: its state cannot be read\n`,
    );
    const rm = await mydocker("rm", name!);
    assert.equal(rm.stdoutText, `${name}\n`, rm.stderrText);
  }
  assertNoContainerDirs(stateRoot);
});

Deno.test("a sweep clears owner records of dead mydockers that have no cgroup, and keeps live ones", async () => {
  const dead = "d".repeat(64);
  const live = "e".repeat(64);
  Deno.mkdirSync(OWNERS_DIR, { recursive: true, mode: 0o700 });
  // Pid 1 with a start time it never had: a process that is gone.
  Deno.writeTextFileSync(`${OWNERS_DIR}/${dead}`, "1 999999999999");
  Deno.writeTextFileSync(`${OWNERS_DIR}/${live}`, processIdentity());
  try {
    const ps = await mydocker("ps", "-a");
    assert.equal(ps.code, 0, ps.stderrText);
    assert.equal(pathExists(`${OWNERS_DIR}/${dead}`), false, "the dead owner's record was kept");
    assert.equal(pathExists(`${OWNERS_DIR}/${live}`), true, "a live owner's record was swept");
  } finally {
    for (const id of [dead, live]) {
      if (pathExists(`${OWNERS_DIR}/${id}`)) Deno.removeSync(`${OWNERS_DIR}/${id}`);
    }
  }
});

Deno.test("rm removes the cgroups, owner record and processes of a container whose monitor was SIGKILLed", async () => {
  for (const force of [[], ["-f"]]) {
    const started = await mydocker("run", "-d", "--rootfs", rootfs, "img", "sleep", "100");
    assert.equal(started.code, 0, started.stderrText);
    const id = started.stdoutText.trim();
    const state = JSON.parse(Deno.readTextFileSync(`${stateRoot}/containers/${id}/state.json`));
    const container = processIdentity(state.pid);
    assert.ok(containerCgroups(id).length > 0, "the container has no cgroup");
    Deno.kill(Number(state.monitor.split(" ")[0]), "SIGKILL");
    assert.ok(await waitFor(() => !isAlive(state.monitor)), "the monitor did not die");
    const rm = await mydocker("rm", ...force, id);
    assert.equal(rm.code, 0, rm.stderrText);
    assert.deepEqual(containerCgroups(id), []);
    assert.equal(pathExists(`${OWNERS_DIR}/${id}`), false, "the owner record was kept");
    assert.equal(isAlive(container), false, "the container's process survived");
  }
  assertNoContainerDirs(stateRoot);
});
