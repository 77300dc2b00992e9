/**
 * The in-place start's sequence on the main thread, driven on the recording fake (no root
 * needed): the thread saves where it is, unshares the container's namespaces, builds the root,
 * unshares the PID namespace only around the spawn (none for a spec in the host's), and always comes back to its namespaces,
 * root and working directory; no credential of the thread changes (the trampoline takes them
 * on from its tape), and a failing step spawns nothing.
 */

import assert from "node:assert/strict";
import { spawnInPlace, TRAMPOLINE_PATH } from "../runtime/stage/spawn_in_place.ts";
import { Errno } from "../sys/errno.ts";
import { MountFlag } from "../sys/mount.ts";
import { CloneFlag } from "../sys/namespaces.ts";
import type { SpawnOptions } from "../sys/process.ts";
import type { FakeSys } from "../testing/fake_sys.ts";
import { assertInOrder, containerSpec, machine } from "../testing/stage_fixtures.ts";

/** The machine, with the command the spec runs in the container's root. */
function containerMachine(): FakeSys {
  const sys = machine(["/bin"]);
  sys.writeFile("/bin/app", "", 0o755);
  sys.calls.length = 0;
  return sys;
}

/** The calls that return the thread to where it was, after position `from`. */
function returns(sys: FakeSys, from: number) {
  const later = (index: number) => index > from;
  return {
    mountNamespace: sys.calls.findIndex((call, i) =>
      later(i) && call.name === "setns" && call.args[1] === CloneFlag.NEWNS
    ),
    root: sys.calls.findIndex((call, i) => later(i) && call.name === "chroot"),
  };
}

if (Deno.build.arch === "x86_64") {
  Deno.test("spawnInPlace() builds the root, spawns in a new PID namespace, and comes back", () => {
    const sys = containerMachine();
    const spawned = spawnInPlace(containerSpec(), { stdin: "null", newGroup: true }, sys);
    const namespaces = CloneFlag.NEWNS | CloneFlag.NEWUTS | CloneFlag.NEWIPC;
    const spawn = sys.indexOf("spawn");
    assertInOrder({
      "save the mount namespace": sys.indexOf("open", (path: string) => path.endsWith("ns/mnt")),
      "save the root": sys.indexOf("open", (path: string) => path === "/"),
      "unshare the namespaces": sys.indexOf("unshare", (flags: number) => flags === namespaces),
      "make / private": sys.indexOf(
        "mount",
        (_s: string, target: string, _t: string, flags: number) =>
          target === "/" && flags === (MountFlag.REC | MountFlag.PRIVATE),
      ),
      "pivot_root": sys.indexOf("pivotRoot"),
      "write the trampoline": sys.indexOf("writeFile", (path: string) => path === TRAMPOLINE_PATH),
      "set the hostname": sys.indexOf("sethostname"),
      "unshare the PID namespace": sys.indexOf(
        "unshare",
        (flags: number) => flags === CloneFlag.NEWPID,
      ),
      spawn,
      "back to the PID namespace": sys.indexOf(
        "setns",
        (_fd: number, type: number) => type === CloneFlag.NEWPID,
      ),
      ...returns(sys, spawn),
      "back to the cwd": sys.calls.findLastIndex((call) => call.name === "fchdir"),
    });
    // The thread's credentials are untouched: the trampoline takes them on.
    for (const name of ["capset", "switchUser", "seccompSetModeFilter", "execve"] as const) {
      assert.equal(sys.indexOf(name), -1, `${name} on the thread`);
    }
    assert.equal(spawned.pid, 4242);
    const [path, argv, env, options] = sys.callsTo("spawn")[0]!.args as [
      string,
      string[],
      string[],
      SpawnOptions,
    ];
    assert.equal(path, TRAMPOLINE_PATH);
    assert.deepEqual(argv, ["/bin/app", "/bin/app", "--flag"]);
    assert.deepEqual(env, ["PATH=/bin", "HOME=/"]);
    assert.deepEqual(options.files, [{ fd: 0, path: "/dev/null", flags: 0 }]);
    // The lifeline, the tape and the status pipe end up at 3, 4 and 5.
    assert.deepEqual(
      options.actions?.slice(-3).map((action) => action.op === "dup2" && action.to),
      [3, 4, 5],
    );
    assert.ok(spawned.tape.calls.some((call) => call === "prctl(PR_SET_NO_NEW_PRIVS)"));
  });

  Deno.test("spawnInPlace() spawns in the host's PID namespace for a spec without its own", () => {
    const sys = containerMachine();
    spawnInPlace(
      { ...containerSpec(), pidNamespace: "host" },
      { stdin: "null", newGroup: true },
      sys,
    );
    const spawn = sys.indexOf("spawn");
    assert.ok(spawn >= 0);
    const enters = sys.calls.slice(0, spawn).filter((call) =>
      (call.name === "unshare" && ((call.args[0] as number) & CloneFlag.NEWPID) !== 0) ||
      (call.name === "setns" && call.args[1] === CloneFlag.NEWPID)
    );
    assert.deepEqual(enters, []);
  });

  Deno.test("spawnInPlace() comes back and spawns nothing when building the root fails", () => {
    const sys = containerMachine().failOn("pivotRoot", Errno.EPERM);
    assert.throws(
      () => spawnInPlace(containerSpec(), { stdin: "inherit", newGroup: false }, sys),
      /pivotRoot/,
    );
    assert.equal(sys.indexOf("spawn"), -1);
    assert.equal(sys.indexOf("unshare", (flags: number) => flags === CloneFlag.NEWPID), -1);
    const back = returns(sys, sys.indexOf("pivotRoot"));
    assert.ok(back.mountNamespace > 0 && back.root > back.mountNamespace);
    // Every descriptor it opened is closed.
    const opened = sys.callsTo("open").length;
    assert.equal(sys.callsTo("close").length >= opened, true);
  });

  Deno.test("spawnInPlace() leaves the PID namespace at once when the spawn fails", () => {
    const sys = containerMachine().failOn("spawn", Errno.EACCES);
    assert.throws(() => spawnInPlace(containerSpec(), { stdin: "null", newGroup: true }, sys));
    const spawn = sys.indexOf("spawn");
    const pidBack = sys.indexOf("setns", (_fd: number, type: number) => type === CloneFlag.NEWPID);
    assert.ok(spawn >= 0 && pidBack === spawn + 1);
    assert.ok(returns(sys, spawn).root > pidBack);
  });
}
