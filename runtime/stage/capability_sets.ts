/**
 * The capability steps of a container process: first the bounding set (while the process still
 * holds CAP_SETPCAP), later — after the user switch — the ambient, effective, permitted and
 * inheritable sets. As Docker (since 20.10.14) and runc, the inheritable and ambient sets end up
 * empty: otherwise a process that drops root (`su`, gosu) and execs a file with inheritable file
 * capabilities would regain them (CVE-2022-24769). An OCI config sets them itself.
 *
 * @module
 */

import { capabilityMask } from "../spec/capabilities.ts";
import type { CapabilitySets } from "../spec/container_spec.ts";
import type { CredentialStep } from "../spec/credential_steps.ts";
import { Errno } from "../../sys/errno.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { Prctl } from "../../sys/process.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/**
 * The steps that drop every capability not in `keep` from the bounding set, and the mask of
 * those kept that the calling thread's bounding set holds (a host may lack some, such as
 * CAP_SYS_RESOURCE here). The kernel's last capability is where `CAPBSET_READ` starts failing
 * with EINVAL: no /proc is needed, so this works before the container's /proc is mounted.
 */
export function boundingSetSteps(
  keep: readonly string[],
  sys: Sys = realSys,
): { kept: bigint; steps: CredentialStep[] } {
  const wanted = capabilityMask(keep);
  let kept = 0n;
  const steps: CredentialStep[] = [];
  for (let cap = 0; cap < 64; cap++) {
    let held: boolean;
    try {
      held = sys.prctl(Prctl.CAPBSET_READ, cap) === 1;
    } catch (error) {
      if (error instanceof SyscallError && error.errno === Errno.EINVAL) break;
      throw error;
    }
    if (!held) continue;
    if ((wanted >> BigInt(cap)) & 1n) kept |= 1n << BigInt(cap);
    else steps.push({ op: "drop-bounding", capability: cap });
  }
  return { kept, steps };
}

/**
 * The steps that clear the ambient and inheritable sets and set the effective and permitted sets
 * to `mask`; or, with an OCI process's `sets` (when `mask`, the kept bounding set, is not empty),
 * set each as they say and raise their ambient capabilities, as runc does.
 */
export function capabilitySteps(mask: bigint, sets?: CapabilitySets): CredentialStep[] {
  if (sets === undefined || mask === 0n) {
    return [{ op: "clear-ambient" }, { op: "capabilities", mask }];
  }
  const ambient = capabilityMask(sets.ambient);
  return [
    { op: "clear-ambient" },
    {
      op: "capabilities",
      mask: capabilityMask(sets.effective),
      permitted: capabilityMask(sets.permitted),
      inheritable: capabilityMask(sets.inheritable),
    },
    ...Array.from({ length: 64 }, (_, cap) => cap)
      .filter((cap) => (ambient >> BigInt(cap)) & 1n)
      .map((capability): CredentialStep => ({ op: "raise-ambient", capability })),
  ];
}
