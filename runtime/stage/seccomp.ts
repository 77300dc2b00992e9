/**
 * Docker's default seccomp profile, compiled to a BPF program and installed on the calling
 * thread just before the container's command is executed.
 *
 * @module
 */

import { compileSeccompFilter } from "../spec/seccomp_bpf.ts";
import { DEFAULT_PROFILE } from "../spec/seccomp_profile.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/** Compiled filters by the capabilities they were compiled for (a start compiles one or two). */
const compiled = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * The default profile compiled for a container that keeps `capabilities`, compiled once per
 * set: a start thread compiles the default set's while it waits for its plan.
 */
export function seccompFilter(capabilities: readonly string[]): Uint8Array<ArrayBuffer> {
  const key = [...capabilities].sort().join(",");
  let filter = compiled.get(key);
  if (filter === undefined) {
    filter = compileSeccompFilter(DEFAULT_PROFILE, Deno.build.arch, capabilities);
    compiled.set(key, filter);
  }
  return filter;
}

/**
 * Installs the default profile on the calling thread; rules that Docker conditions on a
 * capability follow `capabilities` (the set the container keeps, names such as `"SYS_ADMIN"`).
 * Throws a SyscallError when the kernel refuses the filter.
 */
export function installSeccomp(capabilities: readonly string[], sys: Sys = realSys): void {
  sys.seccompSetModeFilter(seccompFilter(capabilities));
}
