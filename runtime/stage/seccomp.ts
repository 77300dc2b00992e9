/**
 * Docker's default seccomp profile, compiled to a BPF program for the credential steps of a
 * container process (installed just before its command is executed).
 *
 * @module
 */

import { compileSeccompFilter } from "../spec/seccomp_bpf.ts";
import { DEFAULT_PROFILE } from "../spec/seccomp_profile.ts";

/** Compiled filters by the capabilities they were compiled for (a start compiles one or two). */
const compiled = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * The default profile compiled for a container that keeps `capabilities` (rules that Docker
 * conditions on a capability are kept only when it is held), compiled once per set.
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
