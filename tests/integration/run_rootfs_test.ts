/**
 * `mydocker run --rootfs`: real namespaces, mounts and processes, checked byte for byte.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { makeTestBed } from "../../testing/test_bed.ts";
import {
  assertNoContainerDirs,
  hostMounts,
  processesWith,
  readUntil,
  runMydocker,
  type RunMydockerOptions,
  spawnMydocker,
  waitFor,
} from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();

/** Runs `mydocker run --rootfs <busybox> test ARGS` and checks nothing is left behind. */
async function run(args: string[], options: RunMydockerOptions = {}, flags: string[] = []) {
  const before = hostMounts(stateRoot, rootfs);
  const result = await runMydocker(["run", "--rm", ...flags, "--rootfs", rootfs, "test", ...args], {
    ...options,
    env: { ...env, ...options.env },
  });
  assert.deepEqual(hostMounts(stateRoot, rootfs), before, "the host's mounts changed");
  assertNoContainerDirs(stateRoot);
  return result;
}

Deno.test("run passes stdout and stderr through separately, byte for byte", async () => {
  const result = await run(["sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; printf 'x'"]);
  assert.equal(result.stdoutText, "out\nx");
  assert.equal(result.stderrText, "err\n");
  assert.equal(result.code, 0);
});

Deno.test("run returns the command's exit code", async () => {
  assert.equal((await run(["true"])).code, 0);
  assert.equal((await run(["false"])).code, 1);
  const result = await run(["sh", "-c", "exit 32"]);
  assert.equal(result.code, 32);
  assert.equal(result.stderrText, "");
});

Deno.test("run exits 127 with one line for a missing command", async () => {
  const result = await run(["/no/such/command"]);
  assert.equal(result.code, 127);
  assert.equal(result.stdoutText, "");
  assert.equal(
    result.stderrText,
    'mydocker: Cannot run "/no/such/command": no such file or directory\n',
  );
  const byName = await run(["nosuchcommand"]);
  assert.equal(byName.code, 127);
  assert.match(
    byName.stderrText,
    /^mydocker: Cannot run "nosuchcommand": executable file not found in \$PATH\n$/,
  );
});

Deno.test("run exits 126 with one line for a directory", async () => {
  const result = await run(["/etc"]);
  assert.equal(result.code, 126);
  assert.equal(result.stderrText, 'mydocker: Cannot run "/etc": is a directory\n');
});

Deno.test("run makes the command PID 1 and shows only the container's processes", async () => {
  const result = await run([
    "sh",
    "-c",
    "echo $$; for p in /proc/[0-9]*; do echo ${p#/proc/}; done",
  ]);
  const [self, ...pids] = result.stdoutText.trim().split("\n").map(Number);
  assert.equal(self, 1);
  assert.ok(pids.includes(1));
  assert.ok(pids.every((pid) => pid < 10), `host processes visible: ${pids}`);
  assert.ok(!pids.includes(Deno.pid) || Deno.pid < 10);
});

Deno.test("run sets the hostname: 12 hex characters by default, -h overrides", async () => {
  const generated = await run(["hostname"]);
  assert.match(generated.stdoutText, /^[0-9a-f]{12}\n$/);
  const named = await run(["sh", "-c", "hostname; echo $HOSTNAME"], {}, ["-h", "box"]);
  assert.equal(named.stdoutText, "box\nbox\n");
  assert.notEqual(Deno.hostname(), "box");
});

Deno.test("run hides host directories and keeps the container's writes to itself", async () => {
  const secret = await Deno.makeTempDir({ prefix: "mydocker-test-host-only-" });
  const result = await run([
    "sh",
    "-c",
    `test -e ${secret} && echo visible; echo data > /written; mkdir -p /tmp/d; cat /written`,
  ]);
  assert.equal(result.stdoutText, "data\n");
  await assert.rejects(Deno.stat(`${rootfs}/written`));
  await assert.rejects(Deno.stat("/written"));
  await assert.rejects(Deno.stat(`${rootfs}/tmp/d`));
  await Deno.remove(secret);
});

Deno.test("run cuts capabilities to Docker's default set", async () => {
  const status = await run(["grep", "CapEff", "/proc/self/status"]);
  assert.equal(status.stdoutText, "CapEff:\t00000000a80425fb\n");
  const mounted = await run(["mount", "-t", "tmpfs", "none", "/tmp"]);
  assert.notEqual(mounted.code, 0);
  assert.match(mounted.stderrText, /denied|not permitted/i);
});

Deno.test("run mounts /proc, /dev, /sys and masks paths as Docker does", async () => {
  const result = await run([
    "sh",
    "-c",
    "ls /dev; echo --; ls -l /dev/null | cut -c1; readlink /dev/fd; readlink /dev/ptmx; " +
    "grep -E ' /(proc|sys|dev)[^ ]* ' /proc/self/mounts | cut -d' ' -f2,3,4 | cut -d, -f1; " +
    "echo x > /proc/sys/kernel/hostname 2>/dev/null || echo ro-proc-sys; cat /proc/kcore | wc -c",
  ]);
  const [devices, rest] = result.stdoutText.split("--\n");
  assert.equal(
    devices,
    "core\nfd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n",
  );
  const lines = rest!.trim().split("\n");
  assert.equal(lines[0], "c");
  assert.deepEqual(lines.slice(1, 3), ["/proc/self/fd", "pts/ptmx"]);
  for (
    const mount of [
      "/proc proc rw",
      "/dev tmpfs rw",
      "/dev/pts devpts rw",
      "/dev/shm tmpfs rw",
      "/dev/mqueue mqueue rw",
      "/sys sysfs ro",
      "/proc/sys proc ro",
    ]
  ) {
    assert.ok(lines.includes(mount), `missing mount "${mount}" in ${lines}`);
  }
  assert.ok(lines.includes("ro-proc-sys"));
  assert.equal(lines.at(-1), "0");
});

Deno.test("run passes 20 MB of output through intact", async () => {
  const size = 20 * 1024 * 1024;
  const result = await run(["sh", "-c", `yes 0123456789abcdef | head -c ${size}`]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.length, size);
  const expected = new TextEncoder().encode("0123456789abcdef\n".repeat(size / 17 + 1)).slice(
    0,
    size,
  );
  const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
  assert.equal(digest(result.stdout), digest(expected));
});

Deno.test("run passes stdin through, and a closed stdin reads as EOF", async () => {
  const input = new TextEncoder().encode("line one\nline two\n");
  const piped = await run(["sh", "-c", "cat; echo done"], { stdin: input });
  assert.equal(piped.stdoutText, "line one\nline two\ndone\n");
  const closed = await run(["sh", "-c", "cat; echo eof"], { stdin: "null" });
  assert.equal(closed.stdoutText, "eof\n");
});

Deno.test("run sets the environment: PATH, HOSTNAME, HOME, -e and --env-file", async () => {
  const envFile = await Deno.makeTempFile();
  await Deno.writeTextFile(envFile, "# comment\nFROM_FILE=file\nOVERRIDE=file\n\nHOST_VAR\n");
  const result = await run(["env"], { env: { HOST_VAR: "from-host" } }, [
    "-h",
    "envbox",
    "--env-file",
    envFile,
    "-e",
    "OVERRIDE=flag",
    "-e",
    "UNSET_ON_HOST",
    "--env",
    "EMPTY=",
  ]);
  assert.deepEqual(result.stdoutText.trim().split("\n").sort(), [
    "EMPTY=",
    "FROM_FILE=file",
    "HOME=/root",
    "HOSTNAME=envbox",
    "HOST_VAR=from-host",
    "OVERRIDE=flag",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  ]);
  await Deno.remove(envFile);
});

Deno.test("run -w creates and enters the working directory", async () => {
  const result = await run(["pwd"], {}, ["-w", "/new/dir"]);
  assert.equal(result.stdoutText, "/new/dir\n");
  await assert.rejects(Deno.stat(`${rootfs}/new`));
});

Deno.test("run gives the container loopback only (no bridge configured), or the host's network with --network host", async () => {
  const isolated = await run(["sh", "-c", "ls /sys/class/net; cat /sys/class/net/lo/operstate"]);
  assert.equal(isolated.stdoutText, "lo\nunknown\n");
  const host = await run(["ls", "/sys/class/net"], {}, ["--network", "host"]);
  const hostInterfaces = [...Deno.readDirSync("/sys/class/net")].map((e) => e.name).sort();
  assert.deepEqual(host.stdoutText.trim().split("\n").sort(), hostInterfaces);
  const bad = await run(["true"], {}, ["--network", "bridge"]);
  assert.equal(bad.code, 125);
  assert.equal(bad.stderrText, "mydocker: network bridge not found\n");
});

Deno.test("run borrows a static host binary the root lacks, never a dynamic one", async () => {
  const empty = await Deno.makeTempDir();
  const result = await runMydocker([
    "run",
    "--rm",
    "--rootfs",
    empty,
    "x",
    "/bin/busybox",
    "echo",
    "hey",
  ], {
    env,
  });
  assert.equal(result.stdoutText, "hey\n");
  assert.equal(result.code, 0);
  const dynamic = await runMydocker(["run", "--rm", "--rootfs", empty, "x", "/bin/ls"], { env });
  assert.equal(dynamic.code, 127);
  assert.equal(dynamic.stderrText, 'mydocker: Cannot run "/bin/ls": no such file or directory\n');
  assert.deepEqual([...Deno.readDirSync(empty)], []);
  await Deno.remove(empty);
  assertNoContainerDirs(stateRoot);
});

Deno.test("run rejects unknown flags and bad input with 125 and a hint", async () => {
  const unknown = await runMydocker(["run", "--rm", "--frobnicate", "img", "true"], { env });
  assert.equal(unknown.code, 125);
  assert.equal(
    unknown.stderrText,
    "mydocker: unknown flag: --frobnicate\nSee 'mydocker run --help'.\n",
  );
  const noCommand = await runMydocker(["run", "--rm", "--rootfs", rootfs, "img"], { env });
  assert.equal(noCommand.code, 125);
  assert.equal(noCommand.stderrText, 'mydocker: Cannot run "img": no command specified\n');
  const badRoot = await runMydocker(["run", "--rm", "--rootfs", "/no/such/dir", "img", "true"], {
    env,
  });
  assert.equal(badRoot.code, 125);
  assert.equal(
    badRoot.stderrText,
    'mydocker: Cannot use --rootfs "/no/such/dir": not a directory\n',
  );
  const relative = await run(["true"], {}, ["-w", "relative"]);
  assert.equal(relative.code, 125);
});

Deno.test("run treats everything after IMAGE as the command, flags included", async () => {
  const result = await run(["echo", "-e", "a\\tb", "--rm", "-h"]);
  assert.equal(result.stdoutText, "a\tb --rm -h\n");
});

/** Starts a container whose PID 1 is a `sleep` with a unique command line; waits until it runs. */
async function startSleeper() {
  const token = `sleep 30.${Date.now()}`;
  const child = spawnMydocker(
    ["run", "--rm", "--rootfs", rootfs, "x", "sh", "-c", `echo ready; exec ${token}`],
    env,
  );
  assert.match(await readUntil(child.stdout, "ready"), /ready/);
  assert.ok(await waitFor(() => processesWith(token).length === 1));
  return { child, token };
}

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`run ends the container and exits ${code} on ${signal}`, async () => {
    const { child, token } = await startSleeper();
    child.kill(signal);
    const status = await child.status;
    await child.stderr.cancel();
    assert.equal(status.code, code);
    assert.deepEqual(processesWith(token), []);
    assertNoContainerDirs(stateRoot);
  });
}

Deno.test("run forwards signals to a container that handles them", async () => {
  const script = 'trap "echo got USR1; exit 7" USR1; echo ready; while :; do sleep 0.05; done';
  const child = spawnMydocker(["run", "--rm", "--rootfs", rootfs, "x", "sh", "-c", script], env);
  const reader = child.stdout.pipeThrough(new TextDecoderStream());
  const texts: string[] = [];
  const done = (async () => {
    for await (const text of reader) texts.push(text);
  })();
  assert.ok(await waitFor(() => texts.join("").includes("ready")));
  child.kill("SIGUSR1");
  const status = await child.status;
  await done;
  await child.stderr.cancel();
  assert.equal(texts.join(""), "ready\ngot USR1\n");
  assert.equal(status.code, 7);
});

Deno.test("run's container dies with mydocker on SIGKILL, and the next run sweeps its directory", async () => {
  const { child, token } = await startSleeper();
  child.kill("SIGKILL");
  await child.status;
  await child.stderr.cancel();
  assert.ok(
    await waitFor(() => processesWith(token).length === 0),
    "the container outlived mydocker",
  );
  const next = await run(["true"]);
  assert.equal(next.code, 0);
});

Deno.test("the command starts with no signal blocked or ignored, whatever mydocker's were", async () => {
  // A shell that ignores SIGINT and SIGQUIT for what it starts, as `cmd &` in a script does.
  const launcher = new URL("../../mydocker", import.meta.url).pathname;
  const output = await new Deno.Command("sh", {
    args: [
      "-c",
      `trap '' INT QUIT; exec "$0" run --rm --rootfs "$1" test grep -E '^Sig(Blk|Ign)' /proc/self/status`,
      launcher,
      rootfs,
    ],
    env: {
      ...env,
      MYDOCKER_CONFIG: new URL("../../testing/no_bridge_config.json", import.meta.url).pathname,
    },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(
    new TextDecoder().decode(output.stdout),
    "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
  );
});
