/**
 * Docker's default seccomp profile, compiled to a BPF program for the credential steps of a
 * container process (installed just before its command is executed), once per capability set
 * and process; the host reads it back from, or keeps it in, its state root beforehand
 * (`runtime/host/seccomp_cache.ts`).
 *
 * @module
 */

import { compileSeccompFilter } from "./seccomp_bpf.ts";
import { DEFAULT_PROFILE } from "./seccomp_profile.ts";

/**
 * Compiled filters kept beyond this process (`runtime/host/seccomp_cache.ts`): under a `name`
 * for the architecture and capability set, with `input`, the compiler's whole input, which a
 * kept filter must have been compiled from to be used.
 */
export interface KeptFilters {
  /** The filter kept under `name` if it was compiled from `input`. */
  get(name: string, input: string): Uint8Array<ArrayBuffer> | undefined;
  /** Keeps `filter`, compiled from `input`, under `name`. */
  set(name: string, input: string, filter: Uint8Array<ArrayBuffer>): void;
}

/** Compiled filters by the capabilities they were compiled for (a start compiles one or two). */
const compiled = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * The default profile compiled for a container that keeps `capabilities` (rules that Docker
 * conditions on a capability are kept only when it is held), compiled once per set and process,
 * or taken from `kept` when it holds one compiled from the same profile.
 */
export function seccompFilter(
  capabilities: readonly string[],
  kept?: KeptFilters,
): Uint8Array<ArrayBuffer> {
  const sorted = [...capabilities].sort();
  const key = sorted.join(",");
  let filter = compiled.get(key);
  if (filter !== undefined) return filter;
  const { arch } = Deno.build;
  const name = `${arch}-${key}`;
  const input = kept === undefined
    ? ""
    : JSON.stringify({ arch, capabilities: sorted, profile: DEFAULT_PROFILE });
  filter = kept?.get(name, input);
  if (filter === undefined) {
    filter = compileSeccompFilter(DEFAULT_PROFILE, arch, capabilities);
    kept?.set(name, input, filter);
  }
  compiled.set(key, filter);
  return filter;
}
