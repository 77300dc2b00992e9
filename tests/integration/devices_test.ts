/**
 * The device allowlist for real: a container's root may mknod any node, as under Docker, but
 * opens only the standard devices, the ones `--device` grants, and (with `--privileged`) all of
 * the host's. Each enforcement mechanism (the v1 devices controller, the cgroup v2 device
 * program) is also tested alone, on a cgroup that only it confines.
 */

import assert from "node:assert/strict";
import { createCgroupsIn } from "../../runtime/cgroups/mod.ts";
import { detectCgroupLayout } from "../../runtime/cgroups/layout.ts";
import { MYDOCKER, runMydocker } from "../../testing/mydocker.ts";

/** The checkout, where the launcher is. */
const CHECKOUT = MYDOCKER.slice(0, MYDOCKER.lastIndexOf("/"));
import { makeTestBed } from "../../testing/test_bed.ts";
import { pathExists } from "../../sys/path_exists.ts";

const { rootfs, env } = await makeTestBed();
const layout = detectCgroupLayout();

/**
 * A block device of this host that the test (root on the host) can open for reading, such as
 * a loop device: what a container must not open. Chosen from `/sys/dev/block`.
 */
function readableBlockDevice(): { path: string; major: number; minor: number } {
  for (const entry of Deno.readDirSync("/sys/dev/block")) {
    const [major, minor] = entry.name.split(":").map(Number);
    const name = Deno.readTextFileSync(`/sys/dev/block/${entry.name}/uevent`)
      .match(/^DEVNAME=(.+)$/m)?.[1];
    if (major === undefined || minor === undefined || name === undefined) continue;
    try {
      Deno.openSync(`/dev/${name}`, { read: true }).close();
      return { path: `/dev/${name}`, major, minor };
    } catch {
      // Not openable even on the host (or not in /dev): no use for the test.
    }
  }
  throw new Error("this host has no block device the test can open");
}

const block = readableBlockDevice();

/** Runs `script` in a container on the busybox root with `flags`. */
function run(flags: string[], script: string) {
  return runMydocker(["run", "--rm", ...flags, "--rootfs", rootfs, "devices", "sh", "-c", script], {
    env,
  });
}

Deno.test("a container may mknod a host block device but not read it", async () => {
  const result = await run(
    [],
    `mknod /tmp/l b ${block.major} ${block.minor} && dd if=/tmp/l of=/dev/null bs=512 count=1`,
  );
  assert.equal(result.code, 1, result.stderrText);
  assert.equal(result.stderrText, "dd: can't open '/tmp/l': Operation not permitted\n");
});

Deno.test("a container may not write the host's /dev/kmsg through a node of its own", async () => {
  const result = await run([], "mknod /tmp/k c 1 11 && echo mydocker-device-test > /tmp/k");
  assert.equal(result.code, 1, result.stderrText);
  assert.equal(result.stderrText, "sh: can't create /tmp/k: Operation not permitted\n");
});

Deno.test("the standard devices work: null, zero, full, urandom, tty and a pty", async () => {
  const script = [
    "echo x > /dev/null",
    "head -c 3 /dev/zero | od -An -tx1",
    "head -c 16 /dev/urandom | wc -c",
    "echo x > /dev/full || true",
    'echo "to the pty" > "$(tty)"',
    "echo 'to the tty' > /dev/tty",
  ].join(" && ");
  const result = await run(["-t"], script);
  assert.equal(result.code, 0, result.stdoutText);
  assert.equal(
    result.stdoutText,
    " 00 00 00\r\n16\r\nsh: write error: No space left on device\r\nto the pty\r\nto the tty\r\n",
  );
});

Deno.test("--device grants exactly the device named, with the permissions named", async () => {
  const script = [
    "ls -ln /dev/xvda",
    "dd if=/dev/xvda of=/dev/null bs=512 count=1 2>/dev/null && echo read",
    "dd if=/dev/null of=/dev/xvda count=0 conv=notrunc 2>&1",
    `mknod /tmp/other c 1 11 && head -c 1 /tmp/other`,
  ].join("; ");
  const result = await run(["--device", `${block.path}:/dev/xvda:r`], script);
  const host = Deno.statSync(block.path);
  const permissions = [...(host.mode! & 0o777).toString(2).padStart(9, "0")]
    .map((bit, index) => bit === "1" ? "rwx"[index % 3] : "-").join("");
  const [listing] = result.stdoutText.split("\n");
  assert.match(
    listing ?? "",
    new RegExp(`^b${permissions} +1 +${host.uid} +${host.gid} +${block.major}, +${block.minor} `),
  );
  assert.ok(result.stdoutText.includes("\nread\n"), result.stdoutText);
  assert.ok(
    result.stdoutText.includes("dd: can't open '/dev/xvda': Operation not permitted"),
    result.stdoutText,
  );
  assert.equal(result.stderrText, "head: /tmp/other: Operation not permitted\n");
});

Deno.test("--device of a missing host device fails before anything runs, in Docker's words", async () => {
  const result = await run(["--device", "/dev/mydocker-nope"], "true");
  assert.equal(result.code, 125);
  assert.equal(
    result.stderrText,
    'mydocker: error gathering device information while adding custom device "/dev/mydocker-nope": no such file or directory\n',
  );
});

Deno.test("--privileged sees and opens the host's devices", async () => {
  const result = await run(
    ["--privileged"],
    `ls -ln ${block.path} && dd if=${block.path} of=/dev/null bs=512 count=1 2>/dev/null && echo read; ` +
      "[ -c /dev/kmsg ] && echo kmsg; [ -L /dev/ptmx ] && echo ptmx-link",
  );
  assert.equal(result.code, 0, result.stderrText);
  assert.match(
    result.stdoutText,
    new RegExp(`^b.* ${block.major}, +${block.minor} .*\nread\nkmsg\nptmx-link\n$`),
  );
});

/**
 * Creates a cgroup confined by one mechanism only (`createCgroupsIn` on a layout that has just
 * that hierarchy), runs a shell in it, and returns what the shell printed.
 */
async function inCgroupOf(only: Parameters<typeof createCgroupsIn>[0], script: string) {
  const id = crypto.randomUUID().replaceAll("-", "").repeat(2);
  const fds = () => [...Deno.readDirSync("/proc/self/fd")].length;
  const before = fds();
  const cgroup = createCgroupsIn(only, id, {});
  assert.equal(fds(), before, "an fd (the device program's?) was left open");
  try {
    const output = await new Deno.Command("/bin/sh", {
      args: ["-c", `echo 0 > "$1" && ${script}`, "sh", cgroup.procsFiles[0]!],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  } finally {
    cgroup.remove();
    assert.equal(cgroup.paths.some((path) => pathExists(path)), false);
  }
}

const probe = `dd if=${block.path} of=/dev/null bs=512 count=1 2>&1 | head -1; ` +
  "echo x > /dev/null && echo null-ok";

Deno.test("the v1 devices controller alone denies the block device and allows /dev/null", async () => {
  const devices = layout.v1.find((hierarchy) => hierarchy.controllers.includes("devices"));
  assert.ok(devices !== undefined, "this host has no v1 devices controller");
  const output = await inCgroupOf({ v1: [devices] }, probe);
  assert.match(output, /^.*Operation not permitted\nnull-ok\n$/);
});

Deno.test("the cgroup v2 device program alone denies the block device and allows /dev/null", async () => {
  const v2 = layout.v2MountPoint;
  assert.ok(v2 !== undefined, "this host has no cgroup v2 hierarchy");
  const output = await inCgroupOf({ v2MountPoint: v2, v1: [] }, probe);
  assert.match(output, /^.*Operation not permitted\nnull-ok\n$/);
});

Deno.test("a device program load interrupted by signals is retried (the verifier's EAGAIN)", async () => {
  // V8's profiler sends SIGPROF every millisecond: the verifier gives up with EAGAIN when a
  // signal arrives while it runs, which failed two starts in three before loads were retried.
  const v2 = layout.v2MountPoint;
  assert.ok(v2 !== undefined, "this host has no cgroup v2 hierarchy");
  const logs = await Deno.makeTempDir({ prefix: "mydocker-test-prof-" });
  try {
    const script = `${logs}/load.ts`;
    await Deno.writeTextFile(
      script,
      `import { createCgroupsIn } from "${CHECKOUT}/runtime/cgroups/mod.ts";
for (let load = 0; load < 20; load++) {
  const id = crypto.randomUUID().replaceAll("-", "").repeat(2);
  createCgroupsIn({ v2MountPoint: ${JSON.stringify(v2)}, v1: [] }, id, {}).remove();
}`,
    );
    const output = await new Deno.Command("deno", {
      args: ["run", "--allow-all", "--quiet", "--v8-flags=--prof", script],
      cwd: logs,
      stdin: "null",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  } finally {
    await Deno.remove(logs, { recursive: true });
  }
});
