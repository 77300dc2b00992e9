/**
 * The init and exec stages' whole sequences, driven on the recording fake up to the exec (no root
 * needed): cgroups joined first, mounts before pivot_root, the mount plan after it, the memory
 * cgroups just before the credentials, the command exec'd last; a failing step stops everything.
 */

import assert from "node:assert/strict";
import type { ContainerSpec } from "../runtime/spec/container_spec.ts";
import type { ExecSpec } from "../runtime/spec/exec_spec.ts";
import { joinStageCgroups } from "../runtime/stage/cgroup_join.ts";
import { runExecStage } from "../runtime/stage/exec_stage.ts";
import { buildRoot, runInitStage } from "../runtime/stage/init_stage.ts";
import { cgroupfsMounts } from "../runtime/spec/cgroupfs.ts";
import { Errno } from "../sys/errno.ts";
import { EXIT_NOT_FOUND, ExitCodeError } from "../sys/exit_codes.ts";
import { SyscallError } from "../sys/ffi.ts";
import { MountFlag } from "../sys/mount.ts";
import { CloneFlag } from "../sys/namespaces.ts";
import { Prctl } from "../sys/process.ts";
import { SIGNALS } from "../sys/signals.ts";
import { ExecReached, FakeSys } from "../testing/fake_sys.ts";
import {
  assertInOrder,
  AT_START,
  BEFORE_EXEC,
  containerSpec,
  machine,
} from "../testing/stage_fixtures.ts";

/** Runs the init stage on `sys` up to its exec and returns what it exec'd. */
function initUpToExec(spec: ContainerSpec, sys: FakeSys): ExecReached {
  try {
    runInitStage(spec, sys);
  } catch (error) {
    if (error instanceof ExecReached) return error;
    throw error;
  }
}

const mountOn = (wanted: string) => (_source: string | null, target: string) => target === wanted;

Deno.test("the init stage joins its cgroups before it does anything but ask to die with its parent", () => {
  const sys = machine();
  initUpToExec(containerSpec(), sys);
  assert.deepEqual(sys.calls.slice(0, 3), [
    { name: "prctl", args: [Prctl.SET_PDEATHSIG, SIGNALS.KILL] },
    { name: "readTextFile", args: [AT_START] },
    { name: "writeFile", args: [AT_START, "0"] },
  ]);
});

Deno.test("the init stage mounts and clones the host's sources before pivot_root, the plan after", () => {
  const sys = machine();
  initUpToExec(containerSpec(), sys);
  assertInOrder({
    unshare: sys.indexOf("unshare", (flags: number) => (flags & CloneFlag.NEWNS) !== 0),
    private: sys.indexOf("mount", mountOn("/")),
    overlay: sys.indexOf("mount", mountOn("/ctr/rootfs")),
    clone: sys.indexOf("openTreeClone", (path: string) => path === "/host/data"),
    pivot: sys.indexOf("pivotRoot"),
    detach: sys.indexOf("umount2"),
    proc: sys.indexOf("mount", mountOn("/proc")),
    mask: sys.indexOf("mount", mountOn("/proc/kcore")),
    attach: sys.indexOf("moveMount", (_fd: number, target: string) => target === "/data"),
    workdir: sys.indexOf("mkdir", (path: string) => path === "/work"),
  });
});

Deno.test("the init stage joins the memory cgroups after setting up, just before the credentials", () => {
  const sys = machine();
  initUpToExec(containerSpec(), sys);
  assertInOrder({
    open: sys.indexOf("openForWriting", (path: string) => path === BEFORE_EXEC),
    pivot: sys.indexOf("pivotRoot"),
    hostname: sys.indexOf("sethostname"),
    chdir: sys.indexOf("chdir", (path: string) => path === "/work"),
    join: sys.indexOf(
      "fileWrite",
      (path: string, text: string) => path === BEFORE_EXEC && text === "0",
    ),
    namespace: sys.indexOf("unshare", (flags: number) => flags === CloneFlag.NEWCGROUP),
    bounding: sys.indexOf("prctl", (option: number) => option === Prctl.CAPBSET_DROP),
    exec: sys.indexOf("execve"),
  });
});

Deno.test("the init stage takes on the credentials, resets signals and execs the command last", () => {
  const sys = machine();
  const exec = initUpToExec(containerSpec(), sys);
  assert.equal(exec.path, "/bin/app");
  assert.deepEqual(exec.argv, ["/bin/app", "--flag"]);
  assert.deepEqual(exec.envp, ["PATH=/bin", "HOME=/"]);
  assertInOrder({
    noNewPrivileges: sys.indexOf("prctl", (option: number) => option === Prctl.SET_NO_NEW_PRIVS),
    seccomp: sys.indexOf("seccompSetModeFilter"),
    ids: sys.indexOf("switchUser"),
    capabilities: sys.indexOf("capset"),
    signals: sys.indexOf("resetSignals"),
    exec: sys.indexOf("execve"),
  });
  assert.equal(sys.calls.at(-1)?.name, "execve");
});

Deno.test("the init stage with --no-pivot moves the root and chroots, never pivot_root", () => {
  const sys = machine();
  const spec = containerSpec();
  initUpToExec({ ...spec, rootfs: { ...spec.rootfs, noPivot: true } }, sys);
  assert.equal(sys.indexOf("pivotRoot"), -1);
  assertInOrder({
    move: sys.indexOf(
      "mount",
      (source: string | null, target: string, _type: unknown, flags: number) =>
        source === "/ctr/rootfs" && target === "/" && flags === MountFlag.MOVE,
    ),
    chroot: sys.indexOf("chroot"),
    proc: sys.indexOf("mount", mountOn("/proc")),
  });
});

Deno.test("the init stage stops at a failing mount: no pivot_root, no credentials, no exec", () => {
  const sys = machine().failOn("mount", Errno.EPERM, mountOn("/ctr/rootfs"));
  assert.throws(
    () => runInitStage(containerSpec(), sys),
    (error) => error instanceof SyscallError && error.code === "EPERM",
  );
  for (const call of ["pivotRoot", "chroot", "switchUser", "capset", "execve"] as const) {
    assert.equal(sys.indexOf(call), -1, `${call} was called`);
  }
});

Deno.test("the init stage with --network none gets its own network namespace and loopback", () => {
  const sys = machine();
  initUpToExec(containerSpec({ network: "none" }), sys);
  const flags = sys.callsTo("unshare")[0]?.args[0] as number;
  assert.ok((flags & CloneFlag.NEWNET) !== 0);
  assertInOrder({
    hostname: sys.indexOf("sethostname"),
    loopback: sys.indexOf("socket"),
    credentials: sys.indexOf("switchUser"),
  });
});

Deno.test("the init stage makes a --read-only root read-only after the user's mounts", () => {
  const sys = machine();
  const spec = containerSpec();
  initUpToExec({ ...spec, rootfs: { ...spec.rootfs, readonly: true } }, sys);
  const { BIND, REMOUNT, RDONLY } = MountFlag;
  assertInOrder({
    attach: sys.indexOf("moveMount"),
    readonly: sys.indexOf(
      "mount",
      (source: string | null, target: string, _type: unknown, flags: number) =>
        source === null && target === "/" && flags === (BIND | REMOUNT | RDONLY),
    ),
    credentials: sys.indexOf("switchUser"),
  });
});

Deno.test("a root built for a start on a thread leaves /proc to the host, its mount point made first", () => {
  const sys = machine();
  const spec = containerSpec();
  sys.unshare(CloneFlag.NEWNS);
  buildRoot({ ...spec, rootfs: { ...spec.rootfs, readonly: true } }, "later", sys);
  const below = (root: string) => (_source: unknown, target: string) =>
    target === root || target.startsWith(`${root}/`);
  assert.equal(sys.indexOf("mount", below("/proc")), -1, "something was mounted on /proc");
  const { BIND, REMOUNT, RDONLY } = MountFlag;
  assertInOrder({
    pivot: sys.indexOf("pivotRoot"),
    procMountPoint: sys.indexOf("mkdir", (path: string) => path === "/proc"),
    dev: sys.indexOf("mount", mountOn("/dev")),
    readonly: sys.indexOf(
      "mount",
      (source: string | null, target: string, _type: unknown, flags: number) =>
        source === null && target === "/" && flags === (BIND | REMOUNT | RDONLY),
    ),
  });
});

Deno.test("the container's /sys/fs/cgroup is bound after the user's mounts, its tmpfs read-only last", () => {
  const sys = machine(["/sys/fs/cgroup/memory/mydocker/c1"]);
  const cgroupfs = cgroupfsMounts(
    ["/sys/fs/cgroup/memory/mydocker/c1", "/elsewhere/mydocker/c1"],
    "c1",
  );
  assert.deepEqual(cgroupfs.map((mount) => [mount.type, mount.target]), [
    ["tmpfs", "/sys/fs/cgroup"],
    ["bind", "/sys/fs/cgroup/memory"],
  ]);
  initUpToExec({ ...containerSpec(), cgroupfs }, sys);
  const { BIND, REMOUNT, RDONLY, NOSUID, NODEV, NOEXEC } = MountFlag;
  assertInOrder({
    clone: sys.indexOf(
      "openTreeClone",
      (path: string) => path === "/sys/fs/cgroup/memory/mydocker/c1",
    ),
    pivot: sys.indexOf("pivotRoot"),
    userMount: sys.indexOf("moveMount", (_fd: number, target: string) => target === "/data"),
    tmpfs: sys.indexOf("mount", mountOn("/sys/fs/cgroup")),
    bind: sys.indexOf(
      "moveMount",
      (_fd: number, target: string) => target === "/sys/fs/cgroup/memory",
    ),
    readonly: sys.indexOf(
      "mount",
      (source: string | null, target: string, _type: unknown, flags: number) =>
        source === null && target === "/sys/fs/cgroup" &&
        flags === (BIND | REMOUNT | RDONLY | NOSUID | NODEV | NOEXEC),
    ),
  });
});

Deno.test("cgroupfsMounts() binds a pure cgroup v2 host's one hierarchy over /sys/fs/cgroup", () => {
  assert.deepEqual(cgroupfsMounts(["/sys/fs/cgroup/mydocker/c1"], "c1"), [
    {
      type: "bind",
      source: "/sys/fs/cgroup/mydocker/c1",
      target: "/sys/fs/cgroup",
      readonly: true,
    },
  ]);
});

function execSpec(): ExecSpec {
  return {
    pid: 4242,
    cgroups: { atStart: [AT_START], beforeExec: [BEFORE_EXEC] },
    args: ["/bin/sh", "-c", "true"],
    cwd: "/",
    user: "",
    env: ["PATH=/bin"],
    capabilities: ["CHOWN"],
    noNewPrivileges: false,
    seccomp: true,
  };
}

Deno.test("the exec stage joins the cgroups, then the namespaces with the mount namespace last", () => {
  const sys = machine();
  assert.throws(() => runExecStage(execSpec(), sys), ExecReached);
  const setns = sys.callsTo("setns").map((call) => call.args[1]);
  assert.equal(setns.at(-1), CloneFlag.NEWNS);
  assert.equal(setns.length, 5);
  assertInOrder({
    cgroups: sys.indexOf("writeFile", (path: string) => path === AT_START),
    open: sys.indexOf("open", (path: string) => path === "/proc/4242/ns/mnt"),
    memory: sys.indexOf("fileWrite", (path: string) => path === BEFORE_EXEC),
    ownFs: sys.indexOf("unshare", (flags: number) => flags === CloneFlag.FS),
    enter: sys.indexOf("setns"),
    chdir: sys.indexOf("chdir"),
    seccomp: sys.indexOf("seccompSetModeFilter"),
    ids: sys.indexOf("switchUser"),
    capabilities: sys.indexOf("capset"),
    exec: sys.indexOf("execve"),
  });
});

Deno.test("exec -d's stage outlives mydocker, silences stderr and reports the command found last", () => {
  const attached = machine();
  assert.throws(() => runExecStage(execSpec(), attached), ExecReached);
  assert.notEqual(
    attached.indexOf("prctl", (option: number) => option === Prctl.SET_PDEATHSIG),
    -1,
  );
  const sys = new FakeSys({
    [AT_START]: "",
    [BEFORE_EXEC]: "",
    "/bin/sh": "",
    "/proc/self/fd/4": "",
  });
  sys.chmod("/bin/sh", 0o755);
  assert.throws(() => runExecStage({ ...execSpec(), detached: true }, sys), ExecReached);
  assert.equal(sys.indexOf("prctl", (option: number) => option === Prctl.SET_PDEATHSIG), -1);
  assertInOrder({
    status: sys.indexOf("openForWriting", (path: string) => path === "/proc/self/fd/4"),
    enter: sys.indexOf("setns"),
    check: sys.indexOf("stat", (path: string) => path === "/bin/sh"),
    stderr: sys.indexOf("dup2", (from: number, to: number) => from === 1 && to === 2),
    found: sys.indexOf(
      "fileWrite",
      (path: string, text: string) => path.endsWith("/4") && text === "1",
    ),
    exec: sys.indexOf("execve"),
  });
});

Deno.test("exec -d's stage reports a missing command on stderr, writing nothing on its status pipe", () => {
  const sys = new FakeSys({ [AT_START]: "", [BEFORE_EXEC]: "", "/proc/self/fd/4": "" });
  assert.throws(
    () => runExecStage({ ...execSpec(), detached: true }, sys),
    (error) => error instanceof ExitCodeError && error.exitCode === EXIT_NOT_FOUND,
  );
  assert.equal(sys.indexOf("dup2", (from: number, to: number) => from === 1 && to === 2), -1);
  assert.equal(sys.indexOf("fileWrite", (path: string) => path.endsWith("/4")), -1);
});

Deno.test("joinStageCgroups() leaves a cgroup the host has moved the stage into already", () => {
  const sys = new FakeSys({ [AT_START]: `1\n${Deno.pid}\n`, [BEFORE_EXEC]: "" });
  const joinMemoryCgroups = joinStageCgroups(
    { atStart: [AT_START], beforeExec: [BEFORE_EXEC] },
    sys,
  );
  assert.equal(sys.indexOf("writeFile"), -1);
  assert.equal(sys.indexOf("fileWrite"), -1);
  joinMemoryCgroups();
  assert.deepEqual(sys.calls.slice(-2), [
    { name: "fileWrite", args: [BEFORE_EXEC, "0"] },
    { name: "fileClose", args: [BEFORE_EXEC] },
  ]);
});
