/**
 * Docker's default seccomp profile in a real container: a static C probe (tests/testdata/sysprobe.c,
 * built here with cc) makes system calls and prints what the kernel, or the filter, answered.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { assertNoContainerDirs, runMydocker } from "../../testing/mydocker.ts";

const PROBE_SOURCE = new URL("../testdata/sysprobe.c", import.meta.url).pathname;
const PROBES = ["keyctl", "unshare", "mount", "clone3", "personality", "vsock", "thread"];

async function buildProbe(directory: string): Promise<string> {
  const output = `${directory}/sysprobe`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("cc", {
      args: ["-static", "-O2", "-pthread", "-o", output, PROBE_SOURCE],
      stdout: "inherit",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`Cannot build the seccomp probe: no C compiler "cc" (${error})`);
  }
  if (!result.success) {
    const message = new TextDecoder().decode(result.stderr);
    throw new Error(`Cannot build the seccomp probe (gcc and glibc's libc.a needed):\n${message}`);
  }
  return output;
}

const { rootfs, stateRoot } = await makeTestBed();
const buildDir = await Deno.makeTempDir({ prefix: "mydocker-test-sysprobe-" });
await Deno.copyFile(await buildProbe(buildDir), `${rootfs}/bin/sysprobe`);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(buildDir, { recursive: true });
});

/** Runs every probe in a container started with `flags`; returns probe name → answer. */
async function probe(flags: string[]): Promise<Record<string, string>> {
  const result = await runMydocker(
    ["run", "--rm", ...flags, "--rootfs", rootfs, "test", "/bin/sysprobe", ...PROBES],
    { env: { MYDOCKER_ROOT: stateRoot } },
  );
  assert.equal(result.code, 0, result.stderrText);
  assertNoContainerDirs(stateRoot);
  return Object.fromEntries(
    result.stdoutText.trim().split("\n").map((line) => line.split(": ") as [string, string]),
  );
}

Deno.test("run applies Docker's seccomp profile by default", async () => {
  assert.deepEqual(await probe([]), {
    keyctl: "EPERM",
    unshare: "EPERM",
    mount: "EPERM",
    clone3: "ENOSYS", // the filter's answer: the kernel itself says EINVAL
    personality: "EPERM",
    vsock: "EPERM",
    thread: "ok", // glibc falls back from clone3 to clone
  });
});

Deno.test("run reports seccomp mode 2 in the container's /proc/self/status", async () => {
  const result = await runMydocker(
    ["run", "--rm", "--rootfs", rootfs, "test", "grep", "^Seccomp:", "/proc/self/status"],
    { env: { MYDOCKER_ROOT: stateRoot } },
  );
  assert.equal(result.stdoutText, "Seccomp:\t2\n");
});

Deno.test("run --cap-add SYS_ADMIN opens the namespace and mount calls, never keyctl", async () => {
  const answers = await probe(["--cap-add", "SYS_ADMIN"]);
  assert.equal(answers.keyctl, "EPERM");
  assert.equal(answers.unshare, "ok");
  assert.equal(answers.mount, "ok");
  assert.equal(answers.clone3, "EINVAL"); // reaches the kernel
  assert.equal(answers.personality, "EPERM");
});

Deno.test("run --cap-add ALL still denies keyctl", async () => {
  const answers = await probe(["--cap-add", "ALL"]);
  assert.equal(answers.keyctl, "EPERM");
  assert.equal(answers.vsock, "EPERM");
});

Deno.test("run --security-opt seccomp=unconfined lets keyctl reach the kernel", async () => {
  const answers = await probe(["--security-opt", "seccomp=unconfined"]);
  assert.notEqual(answers.keyctl, "EPERM");
  assert.equal(answers.clone3, "EINVAL");
  assert.equal(answers.personality, "ok");
  assert.equal(answers.unshare, "EPERM"); // the kernel's answer: CAP_SYS_ADMIN is still dropped
  assert.equal(answers.thread, "ok");
});

Deno.test("run --privileged installs no seccomp filter", async () => {
  const answers = await probe(["--privileged"]);
  assert.notEqual(answers.keyctl, "EPERM");
  assert.equal(answers.unshare, "ok");
  assert.equal(answers.clone3, "EINVAL");
});
