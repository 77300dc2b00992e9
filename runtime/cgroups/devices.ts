/**
 * The device allowlist of a container's cgroup: on cgroup v1 the `devices` controller's files
 * (`devices.deny` then `devices.allow`), on cgroup v2 an eBPF device program attached to the
 * cgroup. The kernel checks both where both exist (a hybrid host), so both are applied there.
 *
 * @module
 */

import { compileDeviceFilter } from "../spec/device_bpf.ts";
import { type DeviceRule, deviceRuleLine } from "../spec/device_rules.ts";
import { bpfAttachDeviceProgram, bpfLoadDeviceProgram } from "../../sys/bpf.ts";
import { close, open, OpenFlag } from "../../sys/fs.ts";
import type { CgroupFileWrite } from "./controller.ts";

/**
 * The writes, in order, that make a new v1 `devices` cgroup allow exactly `rules`: deny
 * everything (`a`), then allow each rule (`c 1:3 rwm`).
 */
export function v1DeviceWrites(rules: readonly DeviceRule[]): CgroupFileWrite[] {
  return [
    ["devices.deny", "a"],
    ...rules.map((rule): CgroupFileWrite => ["devices.allow", deviceRuleLine(rule)]),
  ];
}

/**
 * Compiles `rules` into a device program, loads it and attaches it to the v2 cgroup at `path`.
 * The program's fd is closed: the attachment keeps the program until the cgroup is removed.
 *
 * @throws {SyscallError} when the program cannot be loaded or attached.
 */
export function attachDeviceProgram(path: string, rules: readonly DeviceRule[]): void {
  const program = bpfLoadDeviceProgram(compileDeviceFilter(rules));
  try {
    const cgroup = open(path, OpenFlag.RDONLY | OpenFlag.CLOEXEC);
    try {
      bpfAttachDeviceProgram(cgroup, program);
    } finally {
      close(cgroup);
    }
  } finally {
    close(program);
  }
}
