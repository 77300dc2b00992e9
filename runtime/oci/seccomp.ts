/**
 * An OCI config's `linux.seccomp` (libseccomp's vocabulary: `SCMP_ACT_ERRNO`, `SCMP_CMP_EQ`) as
 * the profile mydocker's BPF compiler takes (`runtime/spec/seccomp_bpf.ts`). What the compiler
 * cannot express (an allowing default, kill or trace actions, ordered comparisons) is refused.
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

function action(name: string, errnoRet: number | undefined): SeccompAction {
  if (name === "SCMP_ACT_ALLOW") return "allow";
  if (name === "SCMP_ACT_ERRNO") return { errno: errnoRet ?? EPERM };
  throw new OciConfigError(`seccomp action "${name}" is not supported (only allow and errno)`);
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
  const defaults = action(seccomp.defaultAction, seccomp.defaultErrnoRet);
  if (defaults === "allow") {
    throw new OciConfigError('seccomp defaultAction "SCMP_ACT_ALLOW" is not supported');
  }
  const rules = (seccomp.syscalls ?? []).map((entry): SeccompRule => {
    const args = (entry.args ?? []).map(condition);
    return {
      names: entry.names,
      action: action(entry.action, entry.errnoRet),
      ...(args.length === 0 ? {} : { args }),
    };
  });
  return { defaultErrno: defaults.errno, rules };
}
