/**
 * An OCI config's `linux.seccomp` (libseccomp's vocabulary: `SCMP_ACT_ERRNO`, `SCMP_CMP_EQ`) as
 * the profile mydocker's BPF compiler takes (`runtime/spec/seccomp_bpf.ts`). What the compiler
 * cannot express (user notification, ordered comparisons) is refused.
 *
 * @module
 */

import type {
  ArgumentCondition,
  SeccompAction,
  SeccompProfile,
  SeccompRule,
} from "../spec/seccomp_profile.ts";
import { OciConfigError } from "./oci_config_error.ts";

/** One argument test of an OCI seccomp rule. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** An OCI seccomp rule. */
export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

/** `linux.seccomp` of an OCI config. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: OciSeccompSyscall[];
}

const EPERM = 1;

/** The actions without data, by libseccomp's names (`SCMP_ACT_KILL` kills the thread). */
const PLAIN_ACTIONS: Readonly<Record<string, SeccompAction>> = {
  SCMP_ACT_ALLOW: "allow",
  SCMP_ACT_LOG: "log",
  SCMP_ACT_KILL: "killThread",
  SCMP_ACT_KILL_THREAD: "killThread",
  SCMP_ACT_KILL_PROCESS: "killProcess",
  SCMP_ACT_TRAP: "trap",
};

/** The action `name`; errno and trace carry `errnoRet`, EPERM without one (as runc). */
function action(name: string, errnoRet: number | undefined): SeccompAction {
  const plain = PLAIN_ACTIONS[name];
  if (plain !== undefined) return plain;
  if (name === "SCMP_ACT_ERRNO") return { errno: errnoRet ?? EPERM };
  if (name === "SCMP_ACT_TRACE") return { trace: errnoRet ?? EPERM };
  throw new OciConfigError(`seccomp action "${name}" is not supported`);
}

function condition(arg: OciSeccompArg): ArgumentCondition {
  switch (arg.op) {
    case "SCMP_CMP_EQ":
      return { index: arg.index, op: "equal", value: arg.value };
    case "SCMP_CMP_NE":
      return { index: arg.index, op: "notEqual", value: arg.value };
    case "SCMP_CMP_MASKED_EQ":
      return { index: arg.index, op: "maskedEqual", mask: arg.value, value: arg.valueTwo ?? 0 };
  }
  throw new OciConfigError(`seccomp comparison "${arg.op}" is not supported`);
}

/**
 * The profile of `seccomp`.
 *
 * @throws {OciConfigError} when it uses what the compiler cannot express.
 */
export function seccompProfileOf(seccomp: OciSeccomp): SeccompProfile {
  const rules = (seccomp.syscalls ?? []).map((entry): SeccompRule => {
    const args = (entry.args ?? []).map(condition);
    return {
      names: entry.names,
      action: action(entry.action, entry.errnoRet),
      ...(args.length === 0 ? {} : { args }),
    };
  });
  return { defaultAction: action(seccomp.defaultAction, seccomp.defaultErrnoRet), rules };
}
