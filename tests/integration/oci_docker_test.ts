/**
 * mydocker driven by Docker: a dockerd of the test's own with mydocker's OCI runtime added
 * (`--add-runtime mydocker=mydocker-runc`) runs busybox loaded from a docker-archive with
 * `docker run --runtime mydocker`: output and exit codes (127 for a missing command), `-d`
 * with `exec` and `stop`, `-m`, `--read-only`, `-v`, `--cap-drop ALL`, `--init`, `-it` through
 * a pseudo-terminal, `exec -it` and `update -m`.
 */

import assert from "node:assert/strict";
import { HIERARCHY_MOUNT_POINTS } from "../../testing/container_cgroups.ts";
import { writeBusyboxArchive } from "../../testing/docker_archive.ts";
import { DOCKER_CLIENT, startDockerd } from "../../testing/dockerd.ts";
import { PtySession } from "../../testing/pty.ts";

const LAUNCHER = new URL("../../mydocker-runc", import.meta.url).pathname;
const IMAGE = "mydocker-oci-test:latest";
/** Docker's cgroup parent below each hierarchy, which the test removes if it made it. */
const hadDockerCgroups = HIERARCHY_MOUNT_POINTS.filter((mountPoint) => {
  try {
    Deno.statSync(`${mountPoint}/docker`);
    return true;
  } catch {
    return false;
  }
});
const dockerd = await startDockerd({ mydocker: LAUNCHER });
const { docker } = dockerd;
const work = await Deno.makeTempDir({ prefix: "mydocker-test-oci-docker-" });
await writeBusyboxArchive(`${work}/busybox.tar`, IMAGE);
const loaded = await docker(["load", "-i", `${work}/busybox.tar`]);
assert.equal(loaded.code, 0, loaded.stderrText);

/** `docker run --rm --runtime mydocker OPTIONS… IMAGE COMMAND…`. */
const run = (options: string[], ...command: string[]) =>
  docker(["run", "--rm", "--runtime", "mydocker", ...options, IMAGE, ...command]);

Deno.test("docker run --runtime mydocker: output and exit codes as with runc", async () => {
  const hi = await run([], "echo", "hi");
  assert.equal(hi.stdoutText, "hi\n");
  assert.equal(hi.code, 0, hi.stderrText);
  assert.equal((await run([], "sh", "-c", "exit 42")).code, 42);
  const missing = await run([], "/no/such/command");
  assert.equal(missing.code, 127);
  assert.match(missing.stderrText, /"\/no\/such\/command": no such file or directory/);
});

/** `docker run -d --runtime mydocker --name NAME IMAGE sleep 1000`. */
function runSleeper(name: string) {
  return docker(["run", "-d", "--runtime", "mydocker", "--name", name, IMAGE, "sleep", "1000"]);
}

Deno.test("docker run -d, exec, top and stop", async () => {
  const started = await runSleeper("d1");
  assert.equal(started.code, 0, started.stderrText);
  try {
    const exec = await docker([
      "exec",
      "d1",
      "sh",
      "-c",
      "echo $$; tr '\\0' ' ' < /proc/1/cmdline",
    ]);
    assert.equal(exec.code, 0, exec.stderrText);
    assert.match(exec.stdoutText, /^\d+\nsleep 1000 $/);
    const top = await docker(["top", "d1"]);
    assert.match(top.stdoutText, /sleep 1000/);
    const stopped = await docker(["stop", "-t", "1", "d1"]);
    assert.equal(stopped.code, 0, stopped.stderrText);
    const state = await docker(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "d1"]);
    assert.equal(state.stdoutText, "exited 137\n");
  } finally {
    assert.equal((await docker(["rm", "-f", "d1"])).code, 0);
  }
});

Deno.test("docker run -m, --read-only, -v and --cap-drop ALL", async () => {
  const memory = await run(
    ["-m", "64m"],
    "sh",
    "-c",
    "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
  );
  assert.equal(memory.stdoutText, "67108864\n", memory.stderrText);
  const readonly = await run(["--read-only"], "sh", "-c", "touch /x || echo refused");
  assert.equal(readonly.stdoutText, "refused\n");
  assert.match(readonly.stderrText, /Read-only file system/);
  await Deno.writeTextFile(`${work}/in`, "from the host\n");
  const volume = await run(
    ["-v", `${work}:/data`],
    "sh",
    "-c",
    "cat /data/in; echo back > /data/out",
  );
  assert.equal(volume.stdoutText, "from the host\n");
  assert.equal(await Deno.readTextFile(`${work}/out`), "back\n");
  const caps = await run(["--cap-drop", "ALL"], "grep", "CapBnd", "/proc/self/status");
  assert.equal(caps.stdoutText, "CapBnd:\t0000000000000000\n");
});

Deno.test("docker run --init: Docker's init is PID 1, the command its child", async () => {
  const result = await run(["--init"], "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$");
  assert.equal(result.code, 0, result.stderrText);
  assert.match(result.stdoutText, /^\/sbin\/docker-init -- sh -c .*\n(\d+)\n$/);
  assert.notEqual(result.stdoutText.split("\n")[1], "1");
});

Deno.test("docker run -it: a terminal through the console socket", async () => {
  const session = new PtySession(
    [...dockerd.host, "run", "--rm", "-it", "--runtime", "mydocker", IMAGE, "sh"],
    {},
    { rows: 24, columns: 80 },
    DOCKER_CLIENT,
  );
  try {
    await session.expect(/\/ # /);
    await session.type("echo $((6*7)) $TERM; tty\r");
    await session.expect(/42 xterm\r\n\/dev\/pts\/0\r\n/);
    await session.type("exit 5\r");
    assert.deepEqual(await session.wait(), { code: 5 });
  } finally {
    await session.close();
  }
});

Deno.test("docker exec -it and docker update -m on a running container", async () => {
  const started = await runSleeper("d2");
  assert.equal(started.code, 0, started.stderrText);
  try {
    const session = new PtySession(
      [...dockerd.host, "exec", "-it", "d2", "sh"],
      {},
      { rows: 24, columns: 80 },
      DOCKER_CLIENT,
    );
    try {
      await session.expect(/\/ # /);
      await session.type("echo $((6*7)); tty\r");
      await session.expect(/42\r\n\/dev\/pts\/\d+\r\n/);
      await session.type("exit 3\r");
      assert.deepEqual(await session.wait(), { code: 3 });
    } finally {
      await session.close();
    }
    const updated = await docker(["update", "-m", "48m", "--memory-swap", "96m", "d2"]);
    assert.equal(updated.code, 0, updated.stderrText);
    const limit = await docker([
      "exec",
      "d2",
      "sh",
      "-c",
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
    ]);
    assert.equal(limit.stdoutText, `${48 * 1024 * 1024}\n`, limit.stderrText);
  } finally {
    assert.equal((await docker(["rm", "-f", "d2"])).code, 0);
  }
});

Deno.test("nothing is left: containers, state, cgroups", async () => {
  const containers = (await docker(["ps", "-aq"])).stdoutText.split("\n").filter(Boolean);
  for (const id of containers) await docker(["rm", "-f", id]);
  await dockerd.stop();
  const cgroups = HIERARCHY_MOUNT_POINTS.flatMap((mountPoint) => {
    try {
      return [...Deno.readDirSync(`${mountPoint}/docker`)].filter((entry) => entry.isDirectory)
        .map((entry) => `${mountPoint}/docker/${entry.name}`);
    } catch {
      return [];
    }
  });
  for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
    if (!hadDockerCgroups.includes(mountPoint)) {
      await Deno.remove(`${mountPoint}/docker`).catch(() => {});
    }
  }
  await Deno.remove(work, { recursive: true });
  assert.deepEqual({ containers, cgroups }, { containers: [], cgroups: [] });
});
