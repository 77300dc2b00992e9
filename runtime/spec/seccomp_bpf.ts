/**
 * Compiles a seccomp profile into a classic BPF program for one architecture: an architecture
 * check, then a binary search over system call number ranges whose leaves return a verdict or test
 * the call's arguments. Pure: the result is the bytes of a `struct sock_filter[]`.
 *
 * @module
 */

import type {
  ArgumentCondition,
  SeccompAction,
  SeccompArch,
  SeccompProfile,
  SeccompRule,
} from "./seccomp_profile.ts";
import { ENOSYS } from "./seccomp_profile.ts";
import { SYSCALL_NUMBERS } from "../../sys/syscall_numbers.ts";

/** `seccomp_data.arch` of each architecture (AUDIT_ARCH_*). */
export const AUDIT_ARCH: Readonly<Record<SeccompArch, number>> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/**
 * Filter return values (`SECCOMP_RET_*`); `ERRNO` and `TRACE` carry their errno or tracer message
 * in the low 16 bits.
 */
export const SeccompReturn = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** The largest errno or tracer message a return value carries (`SECCOMP_RET_DATA`). */
const MAX_RETURN_DATA = 0xffff;

/** Bytes per instruction (`struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k). */
export const INSTRUCTION_BYTES = 8;

/** The x32 ABI's bit in x86_64 system call numbers. */
const X32_SYSCALL_BIT = 0x40000000;
/** The kernel's limit on a filter's length (BPF_MAXINSNS). */
const MAX_INSTRUCTIONS = 4096;
/** The farthest a conditional jump reaches (jt and jf are bytes). */
const MAX_JUMP = 255;

/** Offsets in `struct seccomp_data`. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;
const ARGS_OFFSET = 16;

const Op = {
  LOAD_WORD: 0x20, // BPF_LD | BPF_W | BPF_ABS
  AND: 0x54, // BPF_ALU | BPF_AND | BPF_K
  JUMP: 0x05, // BPF_JMP | BPF_JA
  JUMP_EQUAL: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JUMP_GREATER_EQUAL: 0x35, // BPF_JMP | BPF_JGE | BPF_K
  RETURN: 0x06, // BPF_RET | BPF_K
} as const;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Marks a conditional jump to the end of the enclosing argument test, patched by `block()`. */
const FAIL = -1;

const load = (offset: number): Instruction => ({ code: Op.LOAD_WORD, jt: 0, jf: 0, k: offset });
const ret = (value: number): Instruction => ({ code: Op.RETURN, jt: 0, jf: 0, k: value });
const jumpIfEqual = (k: number, jt: number, jf: number): Instruction => ({
  code: Op.JUMP_EQUAL,
  jt,
  jf,
  k,
});

/** What the filter does with one system call number. */
type Verdict =
  | { kind: "return"; value: number }
  | { kind: "test"; branches: Branch[]; fallback: number };

/** Arguments that must pass all `conditions` for the call to get `value`. */
interface Branch {
  conditions: readonly ArgumentCondition[];
  value: number;
}

/** A run of system call numbers, from `first` up to the next range's first, with one verdict. */
interface Range {
  first: number;
  verdict: Verdict;
}

/** The return values of the actions without data. */
const PLAIN_RETURN = {
  allow: SeccompReturn.ALLOW,
  log: SeccompReturn.LOG,
  killThread: SeccompReturn.KILL_THREAD,
  killProcess: SeccompReturn.KILL_PROCESS,
  trap: SeccompReturn.TRAP,
} as const;

function returnData(data: number): number {
  if (!Number.isInteger(data) || data < 0 || data > MAX_RETURN_DATA) {
    throw new RangeError(`Cannot compile seccomp profile: ${data} is not a 16-bit return value`);
  }
  return data;
}

function returnValue(action: SeccompAction): number {
  if (typeof action === "string") return PLAIN_RETURN[action];
  return "errno" in action
    ? SeccompReturn.ERRNO | returnData(action.errno)
    : SeccompReturn.TRACE | returnData(action.trace);
}

/** Whether calls no rule names get through (the profile is a deny list). */
function allowsByDefault(action: SeccompAction): boolean {
  return action === "allow" || action === "log";
}

function applies(rule: SeccompRule, arch: SeccompArch, capabilities: readonly string[]): boolean {
  return (rule.arches?.includes(arch) ?? true) &&
    (rule.requiresCapabilities ?? []).every((cap) => capabilities.includes(cap)) &&
    !(rule.unlessCapabilities ?? []).some((cap) => capabilities.includes(cap));
}

/** The branches of every applicable rule, by system call number (names the arch lacks skipped). */
function branchesByNumber(
  profile: SeccompProfile,
  arch: SeccompArch,
  capabilities: readonly string[],
): Map<number, Branch[]> {
  const numbers = SYSCALL_NUMBERS[arch];
  const byNumber = new Map<number, Branch[]>();
  for (const rule of profile.rules) {
    if (!applies(rule, arch, capabilities)) continue;
    const branch = { conditions: rule.args ?? [], value: returnValue(rule.action) };
    for (const name of rule.names) {
      const nr = numbers[name];
      if (nr === undefined) continue;
      const branches = byNumber.get(nr);
      if (branches === undefined) byNumber.set(nr, [branch]);
      else branches.push(branch);
    }
  }
  return byNumber;
}

/**
 * One call's verdict: a rule without argument tests decides alone (two such rules must agree);
 * otherwise the first rule whose tests pass decides, and the default action applies when none does.
 */
function verdictOf(nr: number, branches: Branch[], defaultValue: number): Verdict {
  let value: number | undefined;
  for (const branch of branches) {
    if (branch.conditions.length > 0) continue;
    if (value !== undefined && branch.value !== value) {
      throw new RangeError(`Cannot compile seccomp profile: conflicting actions for syscall ${nr}`);
    }
    value = branch.value;
  }
  if (value !== undefined) return { kind: "return", value };
  return { kind: "test", branches, fallback: defaultValue };
}

/**
 * Splits the number space into ranges. Numbers above the highest the profile names get `above`.
 */
function ranges(byNumber: Map<number, Branch[]>, defaultValue: number, above: number): Range[] {
  const result: Range[] = [];
  const push = (first: number, verdict: Verdict) => {
    const last = result.at(-1)?.verdict;
    const same = last?.kind === "return" && verdict.kind === "return" &&
      last.value === verdict.value;
    if (!same) result.push({ first, verdict });
  };
  let next = 0;
  for (const nr of [...byNumber.keys()].sort((a, b) => a - b)) {
    if (nr > next) push(next, { kind: "return", value: defaultValue });
    push(nr, verdictOf(nr, byNumber.get(nr)!, defaultValue));
    next = nr + 1;
  }
  push(next, { kind: "return", value: above });
  return result;
}

/** Resolves the {@linkcode FAIL} jumps of `instructions` to the first instruction after them. */
function block(instructions: Instruction[]): Instruction[] {
  return instructions.map((instruction, index) => {
    const toEnd = instructions.length - index - 1;
    if (toEnd > MAX_JUMP) throw new RangeError("Cannot compile seccomp profile: test too long");
    return {
      ...instruction,
      jt: instruction.jt === FAIL ? toEnd : instruction.jt,
      jf: instruction.jf === FAIL ? toEnd : instruction.jf,
    };
  });
}

/** Tests one argument, leaving the accumulator clobbered; a failed test jumps to {@linkcode FAIL}. */
function condition(test: ArgumentCondition): Instruction[] {
  if (!Number.isInteger(test.index) || test.index < 0 || test.index > 5) {
    throw new RangeError(`Cannot compile seccomp profile: no argument ${test.index}`);
  }
  const low = ARGS_OFFSET + 8 * test.index;
  const high = low + 4;
  switch (test.op) {
    case "equal":
      return [load(high), jumpIfEqual(0, 0, FAIL), load(low), jumpIfEqual(test.value, 0, FAIL)];
    case "notEqual":
      return [load(low), jumpIfEqual(test.value, FAIL, 0)];
    case "maskedEqual":
      return [
        load(low),
        { code: Op.AND, jt: 0, jf: 0, k: test.mask },
        jumpIfEqual(test.value, 0, FAIL),
      ];
  }
}

function verdictCode(verdict: Verdict): Instruction[] {
  if (verdict.kind === "return") return [ret(verdict.value)];
  const branches = verdict.branches.map((branch) =>
    block([...branch.conditions.flatMap(condition), ret(branch.value)])
  );
  return [...branches.flat(), ret(verdict.fallback)];
}

/** A binary search over `ranges` (the number in the accumulator), each leaf its verdict's code. */
function search(ranges: Range[]): Instruction[] {
  const [only] = ranges;
  if (ranges.length === 1 && only !== undefined) return verdictCode(only.verdict);
  const middle = Math.floor(ranges.length / 2);
  const below = search(ranges.slice(0, middle));
  const above = search(ranges.slice(middle));
  const split = ranges[middle]!.first;
  const branch = below.length <= MAX_JUMP
    ? [{ code: Op.JUMP_GREATER_EQUAL, jt: below.length, jf: 0, k: split }]
    : [
      { code: Op.JUMP_GREATER_EQUAL, jt: 0, jf: 1, k: split },
      { code: Op.JUMP, jt: 0, jf: 0, k: below.length },
    ];
  return [...branch, ...below, ...above];
}

function encode(program: Instruction[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(program.length * INSTRUCTION_BYTES);
  const view = new DataView(bytes.buffer);
  program.forEach(({ code, jt, jf, k }, index) => {
    const at = index * INSTRUCTION_BYTES;
    view.setUint16(at, code, true);
    view.setUint8(at + 2, jt);
    view.setUint8(at + 3, jf);
    view.setUint32(at + 4, k >>> 0, true);
  });
  return bytes;
}

/** On x86_64, kills calls made through the x32 ABI (numbers with bit 30 set). */
const refuseX32: Instruction[] = [
  { code: Op.JUMP_GREATER_EQUAL, jt: 0, jf: 1, k: X32_SYSCALL_BIT },
  ret(SeccompReturn.KILL_PROCESS),
];

/**
 * Compiles `profile` for `arch`, keeping the rules that the container's `capabilities` (names
 * such as `"SYS_ADMIN"`) select, into the bytes of a little-endian `struct sock_filter[]`.
 * Calls from another architecture (and x32 calls on x86_64) kill the process. Under a denying
 * default, numbers above the highest the profile names return ENOSYS, as under runc, so that C
 * libraries fall back from system calls newer than the profile; under an allowing one (or without
 * a rule) they get the default.
 * Throws a RangeError when the profile cannot be compiled (conflicting rules, bad argument index,
 * errno out of range, program too long).
 */
export function compileSeccompFilter(
  profile: SeccompProfile,
  arch: SeccompArch,
  capabilities: readonly string[],
): Uint8Array<ArrayBuffer> {
  const defaultValue = returnValue(profile.defaultAction);
  const byNumber = branchesByNumber(profile, arch, capabilities);
  const above = allowsByDefault(profile.defaultAction) || byNumber.size === 0
    ? defaultValue
    : SeccompReturn.ERRNO | ENOSYS;
  const program = [
    load(ARCH_OFFSET),
    jumpIfEqual(AUDIT_ARCH[arch], 1, 0),
    ret(SeccompReturn.KILL_PROCESS),
    load(NR_OFFSET),
    ...(arch === "x86_64" ? refuseX32 : []),
    ...search(ranges(byNumber, defaultValue, above)),
  ];
  if (program.length > MAX_INSTRUCTIONS) {
    throw new RangeError(`Cannot compile seccomp profile: ${program.length} instructions`);
  }
  return encode(program);
}
