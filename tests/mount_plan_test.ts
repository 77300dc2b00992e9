import assert from "node:assert/strict";
import { MountFlag } from "../sys/mount.ts";
import {
  MASKED_PATHS,
  type MountStep,
  planMounts,
  READONLY_PATHS,
} from "../runtime/spec/mount_plan.ts";

const targetOf = (step: MountStep) => step.op === "mount" ? step.target : step.path;

Deno.test("planMounts() mounts /proc first and /dev before the nodes, links and mounts in it", () => {
  const steps = planMounts({ privileged: false, devices: [] });
  assert.deepEqual(steps[0], {
    op: "mount",
    source: "proc",
    target: "/proc",
    fstype: "proc",
    flags: MountFlag.NOSUID | MountFlag.NOEXEC | MountFlag.NODEV,
  });
  const dev = steps.findIndex((step) => step.op === "mount" && step.target === "/dev");
  const inDev = steps.filter((step) => targetOf(step).startsWith("/dev/"));
  assert.ok(inDev.length >= 10);
  assert.ok(inDev.every((step) => steps.indexOf(step) > dev));
  const pts = steps.find((step) => step.op === "mount" && step.target === "/dev/pts");
  assert.ok(
    pts?.op === "mount" && pts.data?.includes("newinstance") && pts.data.includes("ptmxmode=0666"),
  );
});

Deno.test("planMounts() masks and protects paths after /proc and /sys are mounted", () => {
  const steps = planMounts({ privileged: false, devices: [] });
  const sys = steps.findIndex((step) => step.op === "mount" && step.target === "/sys");
  const sysStep = steps[sys];
  assert.ok(sysStep?.op === "mount" && (sysStep.flags & MountFlag.RDONLY) !== 0);
  const masked = steps.filter((step) => step.op === "mask").map(targetOf);
  const readonly = steps.filter((step) => step.op === "readonly").map(targetOf);
  assert.deepEqual(masked, MASKED_PATHS);
  assert.deepEqual(readonly, READONLY_PATHS);
  assert.ok(steps.findIndex((step) => step.op === "mask") > sys);
  assert.ok(masked.includes("/proc/kcore") && readonly.includes("/proc/sys"));
});

Deno.test("planMounts() for a privileged container masks nothing and mounts /sys read-write", () => {
  const steps = planMounts({ privileged: true, devices: [] });
  assert.ok(steps.every((step) => step.op !== "mask" && step.op !== "readonly"));
  const sys = steps.find((step) => step.op === "mount" && step.target === "/sys");
  assert.ok(sys?.op === "mount" && (sys.flags & MountFlag.RDONLY) === 0);
});

Deno.test("planMounts() creates added devices after the standard ones; one at a standard path wins", () => {
  const disk = { type: "b", major: 8, minor: 0, mode: 0o660, uid: 0, gid: 6 } as const;
  const steps = planMounts({
    privileged: false,
    devices: [
      { path: "/dev/xvda", ...disk },
      { path: "/dev/null", ...disk },
      { path: "/dev/ptmx", ...disk },
    ],
  });
  const nodes = steps.flatMap((step) => step.op === "mknod" ? [step] : []);
  assert.deepEqual(nodes.map((node) => node.path), [
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/xvda",
    "/dev/null",
    "/dev/ptmx",
  ]);
  assert.deepEqual(nodes.at(-3), { op: "mknod", path: "/dev/xvda", ...disk });
  assert.deepEqual(nodes[0], {
    op: "mknod",
    path: "/dev/zero",
    type: "c",
    major: 1,
    minor: 5,
    mode: 0o666,
    uid: 0,
    gid: 0,
  });
  const links = steps.flatMap((step) => step.op === "symlink" ? [step.path] : []);
  assert.ok(links.includes("/dev/fd") && !links.includes("/dev/ptmx"));
});
