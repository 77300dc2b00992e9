/**
 * Docker's default seccomp profile, compiled to a BPF program and installed on the calling
 * thread just before the container's command is executed.
 *
 * @module
 */

import { compileSeccompFilter } from "../spec/seccomp_bpf.ts";
import { DEFAULT_PROFILE } from "../spec/seccomp_profile.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/**
 * Installs the default profile on the calling thread; rules that Docker conditions on a
 * capability follow `capabilities` (the set the container keeps, names such as `"SYS_ADMIN"`).
 * Throws a SyscallError when the kernel refuses the filter.
 */
export function installSeccomp(capabilities: readonly string[], sys: Sys = realSys): void {
  sys.seccompSetModeFilter(compileSeccompFilter(DEFAULT_PROFILE, Deno.build.arch, capabilities));
}
