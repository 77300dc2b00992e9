/**
 * The root's executors on the recording fake (no root needed): the switch into the new root with
 * pivot_root or, with `--no-pivot`, MS_MOVE and chroot; the mount plan carried out in order; the
 * user's mounts cloned before and attached after the switch.
 */

import assert from "node:assert/strict";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { Errno } from "../sys/errno.ts";
import { SyscallError } from "../sys/ffi.ts";
import { MNT_DETACH, MountFlag } from "../sys/mount.ts";
import { applyMountPlan, switchRoot } from "../runtime/stage/rootfs.ts";
import { attachMounts, prepareMounts } from "../runtime/stage/user_mounts.ts";
import { planMounts } from "../runtime/spec/mount_plan.ts";
import { FakeSys } from "../testing/fake_sys.ts";

/** Only the calls that change the system, as `name args…`, for comparing whole sequences. */
function changes(sys: FakeSys): string[] {
  const queries = new Set(["stat", "statIfPresent", "exists", "readTextFile"]);
  return sys.calls.filter((call) => !queries.has(call.name))
    .map((call) => [call.name, ...call.args.map((arg) => JSON.stringify(arg))].join(" "));
}

Deno.test("switchRoot() pivots into the new root, then detaches the old one and enters /", () => {
  const sys = new FakeSys();
  switchRoot("/var/lib/mydocker/c/rootfs", false, sys);
  assert.deepEqual(changes(sys), [
    `chdir "/var/lib/mydocker/c/rootfs"`,
    `pivotRoot "." "."`,
    `umount2 "." ${MNT_DETACH}`,
    `chdir "/"`,
  ]);
});

Deno.test("switchRoot() with --no-pivot moves the root over / and chroots, never pivot_root", () => {
  const sys = new FakeSys();
  switchRoot("/r", true, sys);
  assert.deepEqual(changes(sys), [
    `chdir "/r"`,
    `mount "/r" "/" null ${MountFlag.MOVE} null`,
    `chroot "."`,
    `chdir "/"`,
  ]);
  assert.equal(sys.indexOf("pivotRoot"), -1);
  assert.equal(sys.indexOf("umount2"), -1);
});

Deno.test("switchRoot() turns pivot_root's EINVAL into an error naming --no-pivot, without chroot", () => {
  const sys = new FakeSys().failOn("pivotRoot", Errno.EINVAL);
  assert.throws(
    () => switchRoot("/r", false, sys),
    (error) =>
      error instanceof ExitCodeError && error.exitCode === 125 &&
      error.message.includes(`Cannot pivot_root into "/r": EINVAL`) &&
      error.message.includes("--no-pivot"),
  );
  assert.equal(sys.indexOf("chroot"), -1);
  assert.equal(sys.indexOf("umount2"), -1);
});

Deno.test("switchRoot() passes other pivot_root failures on as they are", () => {
  const sys = new FakeSys().failOn("pivotRoot", Errno.EPERM);
  assert.throws(
    () => switchRoot("/r", false, sys),
    (error) => error instanceof SyscallError && error.code === "EPERM",
  );
  assert.equal(sys.indexOf("chroot"), -1);
});

Deno.test("applyMountPlan() masks and makes read-only only after /proc is mounted", () => {
  const sys = new FakeSys({ "/proc/kcore": "", "/proc/sys/kernel/x": "" }, ["/proc/acpi"]);
  applyMountPlan(planMounts({ privileged: false, devices: [] }), sys);
  const proc = sys.indexOf("mount", (_source, target) => target === "/proc");
  const kcore = sys.indexOf(
    "mount",
    (source, target) => source === "/dev/null" && target === "/proc/kcore",
  );
  const acpi = sys.indexOf(
    "mount",
    (source, target) => source === "tmpfs" && target === "/proc/acpi",
  );
  const readonly = sys.indexOf(
    "mount",
    (source, target, _type, flags) =>
      source === null && target === "/proc/sys" && ((flags as number) & MountFlag.RDONLY) !== 0,
  );
  assert.ok(proc >= 0);
  for (const step of [kcore, acpi, readonly]) assert.ok(step > proc, `${step} after ${proc}`);
});

Deno.test("applyMountPlan() skips masks and read-only binds of paths the root lacks", () => {
  const sys = new FakeSys();
  applyMountPlan(planMounts({ privileged: false, devices: [] }), sys);
  const targets = sys.callsTo("mount").map((call) => call.args[1]);
  assert.ok(!targets.includes("/proc/kcore"));
  assert.ok(!targets.includes("/proc/sys"));
});

Deno.test("applyMountPlan() creates each mount's target before mounting on it", () => {
  const sys = new FakeSys();
  applyMountPlan(planMounts({ privileged: true, devices: [] }), sys);
  for (const [index, call] of sys.calls.entries()) {
    if (call.name !== "mount") continue;
    assert.deepEqual(sys.calls[index - 1], { name: "mkdir", args: [call.args[1]] });
  }
});

Deno.test("applyMountPlan() stops at the first failing mount", () => {
  const sys = new FakeSys().failOn("mount", Errno.EPERM, (_source, target) => target === "/dev");
  assert.throws(
    () => applyMountPlan(planMounts({ privileged: false, devices: [] }), sys),
    (error) => error instanceof SyscallError && error.code === "EPERM",
  );
  assert.equal(sys.calls.at(-1)?.name, "mount");
  assert.equal(sys.calls.at(-1)?.args[1], "/dev");
  assert.equal(sys.indexOf("mknod"), -1);
});

Deno.test("prepareMounts() clones sources before the switch, attachMounts() attaches them after", () => {
  const sys = new FakeSys({ "/host/file": "x" }, ["/host/dir"]);
  const prepared = prepareMounts([
    { type: "bind", source: "/host/dir", target: "/data", readonly: true },
    { type: "bind", source: "/host/file", target: "/etc/conf", readonly: false },
    { type: "tmpfs", target: "/run", flags: MountFlag.NOSUID, data: "size=1m" },
  ], sys);
  switchRoot("/r", false, sys);
  attachMounts(prepared, sys);
  assert.deepEqual(changes(sys), [
    `openTreeClone "/host/dir" true`,
    `makeTreeReadonly 10`,
    `openTreeClone "/host/file" true`,
    `chdir "/r"`,
    `pivotRoot "." "."`,
    `umount2 "." ${MNT_DETACH}`,
    `chdir "/"`,
    `mkdir "/data"`,
    `moveMount 10 "/data"`,
    `close 10`,
    `mkdir "/etc"`,
    `writeFile "/etc/conf" ""`,
    `moveMount 11 "/etc/conf"`,
    `close 11`,
    `mkdir "/run"`,
    `mount "tmpfs" "/run" "tmpfs" ${MountFlag.NOSUID} "size=1m"`,
  ]);
});
