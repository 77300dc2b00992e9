/**
 * The last steps before a container's command runs, shared by every way a container process
 * starts: the user from the container's own /etc/passwd, the stdio mydocker made handed to that
 * user, HOME, the bounding set, no_new_privs, seccomp, the user switch, and the remaining
 * capabilities, in that order (seccomp while CAP_SYS_ADMIN is still held, capabilities after the
 * switch, which clears the effective and permitted sets of a non-root user; the inheritable and
 * ambient sets are cleared for every user).
 *
 * {@linkcode planCredentials} reads what the steps depend on (the container's passwd and group
 * files, the bounding set) and returns them as data; {@linkcode applyCredentialSteps} makes them
 * on the calling thread, and the start trampoline makes the same steps from its tape.
 *
 * @module
 */

import type { ProcessCredentials } from "../spec/container_spec.ts";
import type { CredentialStep } from "../spec/credential_steps.ts";
import { boundingSetSteps, capabilitySteps } from "./capability_sets.ts";
import { Prctl } from "../../sys/process.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { seccompFilter } from "../spec/seccomp_filter.ts";
import { compileSeccompFilter } from "../spec/seccomp_bpf.ts";
import { resolveContainerUser } from "./user.ts";

/** A container process's credential steps, and the environment for its command. */
export interface CredentialPlan {
  /** The steps, in the order they must be taken. */
  steps: CredentialStep[];
  /** The command's environment, HOME included. */
  env: string[];
}

/**
 * The steps that make a process run as `credentials` say, resolving the user against the
 * current root (the container's), and the command's environment.
 */
export function planCredentials(
  credentials: ProcessCredentials,
  sys: Sys = realSys,
): CredentialPlan {
  const user = resolveContainerUser(credentials.user, sys);
  const steps: CredentialStep[] = [];
  const { uid, gid } = user;
  if (uid !== 0) {
    for (const fd of credentials.stdioToChown ?? []) steps.push({ op: "fchown", fd, uid, gid });
    if (credentials.terminalToChown !== undefined) {
      steps.push({ op: "chown", path: credentials.terminalToChown, uid, gid });
    }
  }
  const env = credentials.env.some((entry) => entry.startsWith("HOME="))
    ? [...credentials.env]
    : [...credentials.env, `HOME=${user.home}`];
  const bounding = boundingSetSteps(credentials.capabilities, sys);
  steps.push(...bounding.steps);
  if (credentials.noNewPrivileges) steps.push({ op: "no-new-privileges" });
  if (credentials.seccomp) {
    const filter = credentials.seccompProfile === undefined
      ? seccompFilter(credentials.capabilities)
      : compileSeccompFilter(credentials.seccompProfile, Deno.build.arch, []);
    steps.push({ op: "seccomp", filter });
  }
  // An OCI process's sets are its own whatever its user, as runc gives them (capabilities kept
  // across the switch); otherwise only root keeps capabilities.
  const sets = credentials.capabilitySets;
  if (sets !== undefined && uid !== 0) steps.push({ op: "keep-capabilities" });
  const groups = [...new Set([...user.additionalGids, ...credentials.additionalGids ?? []])];
  steps.push({ op: "user", uid, gid, groups });
  steps.push(...capabilitySteps(uid === 0 || sets !== undefined ? bounding.kept : 0n, sets));
  return { steps, env };
}

/** Takes `steps` on the calling thread, in order. */
export function applyCredentialSteps(steps: readonly CredentialStep[], sys: Sys = realSys): void {
  for (const step of steps) {
    switch (step.op) {
      case "fchown":
        sys.fchown(step.fd, step.uid, step.gid);
        break;
      case "chown":
        sys.chown(step.path, step.uid, step.gid);
        break;
      case "drop-bounding":
        sys.prctl(Prctl.CAPBSET_DROP, step.capability);
        break;
      case "no-new-privileges":
        sys.prctl(Prctl.SET_NO_NEW_PRIVS, 1);
        break;
      case "keep-capabilities":
        sys.prctl(Prctl.SET_KEEPCAPS, 1);
        break;
      case "seccomp":
        sys.seccompSetModeFilter(step.filter);
        break;
      case "user":
        sys.switchUser(step.uid, step.gid, step.groups);
        break;
      case "clear-ambient":
        sys.prctl(Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_CLEAR_ALL);
        break;
      case "capabilities":
        sys.capset(step.mask, step.permitted ?? step.mask, step.inheritable ?? 0n);
        break;
      case "raise-ambient":
        sys.prctl(Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_RAISE, step.capability);
        break;
    }
  }
}

/**
 * Makes the calling thread run as `credentials` say (see {@linkcode planCredentials}); returns
 * the environment for the command, HOME included.
 */
export function takeOnCredentials(
  credentials: ProcessCredentials,
  sys: Sys = realSys,
): string[] {
  const { steps, env } = planCredentials(credentials, sys);
  applyCredentialSteps(steps, sys);
  return env;
}
