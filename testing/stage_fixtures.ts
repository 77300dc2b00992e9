/**
 * Fixtures for driving the stages on the recording fake (`fake_sys.ts`): a machine's files, a
 * container's spec, and an assertion on the order of recorded calls.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ContainerSpec } from "../runtime/spec/container_spec.ts";
import { FakeSys } from "./fake_sys.ts";

/** A cgroup the init stage joins at once. */
export const AT_START = "/sys/fs/cgroup/pids/mydocker/c/cgroup.procs";
/** A memory cgroup, joined just before the exec. */
export const BEFORE_EXEC = "/sys/fs/cgroup/memory/mydocker/c/cgroup.procs";

/** The host and container files the stages read, as the fake's picture. */
export function machine(directories: readonly string[] = []): FakeSys {
  return new FakeSys(
    {
      [AT_START]: "",
      [BEFORE_EXEC]: "",
      "/proc/kcore": "",
    },
    ["/host/data", ...directories],
  );
}

/** A container's spec: a bind mount, two capabilities, seccomp, no_new_privs. */
export function containerSpec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    id: "c".repeat(64),
    hostname: "box",
    rootfs: {
      lowerDirs: ["/store/layer"],
      upperDir: "/ctr/upper",
      workDir: "/ctr/work",
      mountPoint: "/ctr/rootfs",
      readonly: false,
      noPivot: false,
    },
    network: "host",
    process: {
      args: ["/bin/app", "--flag"],
      env: ["PATH=/bin"],
      cwd: "/work",
      user: "",
      noNewPrivileges: true,
    },
    mounts: [{ type: "bind", source: "/host/data", target: "/data", readonly: false }],
    capabilities: ["CHOWN", "KILL"],
    privileged: false,
    devices: [],
    seccomp: true,
    cgroups: { atStart: [AT_START], beforeExec: [BEFORE_EXEC] },
    cgroupfs: [],
    init: false,
    ...overrides,
  };
}

/** Asserts that the calls at `positions` were all made, in that order. */
export function assertInOrder(positions: Record<string, number>): void {
  for (const [step, position] of Object.entries(positions)) {
    assert.ok(position >= 0, `${step} was not called`);
  }
  const names = Object.keys(positions);
  const sorted = [...names].sort((a, b) => positions[a]! - positions[b]!);
  assert.deepEqual(sorted, names);
}
