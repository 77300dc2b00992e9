/**
 * Applies a capability set to the calling thread: bounding set, ambient set, then the effective,
 * permitted and inheritable sets.
 *
 * @module
 */

import { capabilityMask } from "./capabilities.ts";
import { capset, Prctl, prctl } from "./libc.ts";

function lastCapability(): number {
  return Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
}

/** Keeps only the named capabilities, in every set, for the calling thread and what it execs. */
export function applyCapabilities(keep: readonly string[]): void {
  const wanted = capabilityMask(keep);
  let bounding = 0n;
  const last = lastCapability();
  for (let cap = 0; cap <= last; cap++) {
    if (prctl(Prctl.CAPBSET_READ, cap) !== 1) continue;
    if ((wanted >> BigInt(cap)) & 1n) bounding |= 1n << BigInt(cap);
    else prctl(Prctl.CAPBSET_DROP, cap);
  }
  prctl(Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_CLEAR_ALL);
  capset(bounding, bounding, bounding);
}
