/**
 * Compiles device rules into a cgroup v2 device program (`BPF_PROG_TYPE_CGROUP_DEVICE`), as runc
 * and crun generate one: load the device type, access, major and minor from the context, then
 * one block per rule that returns 1 (allow) when everything it names matches and falls through
 * to the next rule otherwise; 0 (deny) at the end. Pure: the result is the program's bytes.
 *
 * @module
 */

import type { DeviceRule } from "./device_rules.ts";
import {
  and32,
  type EbpfInstruction,
  encodeEbpf,
  exit,
  jumpIfNotEqual,
  jumpIfNotEqualRegister,
  loadWord,
  move32,
  move32Register,
  rightShift32,
} from "./ebpf.ts";

/** Device types in `bpf_cgroup_dev_ctx.access_type`'s low 16 bits (BPF_DEVCG_DEV_*). */
export const BpfDeviceType = { BLOCK: 1, CHAR: 2 } as const;

/** Access bits in `bpf_cgroup_dev_ctx.access_type`'s high 16 bits (BPF_DEVCG_ACC_*). */
export const BpfDeviceAccess = { MKNOD: 1, READ: 2, WRITE: 4 } as const;

/** Offsets in `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`. */
const ACCESS_TYPE_OFFSET = 0;
const MAJOR_OFFSET = 4;
const MINOR_OFFSET = 8;

/** Registers: r0 the verdict, r1 the context (then scratch), r2 to r5 the loaded fields. */
const R0 = 0, R1 = 1, TYPE = 2, ACCESS = 3, MAJOR = 4, MINOR = 5;

/** Marks a jump to the next rule's block, resolved by `ruleBlock()` (jumps only go forward). */
const NEXT = -1;

/** The access bits of `access` (`rwm` letters). */
function accessBits(access: string): number {
  let bits = 0;
  if (access.includes("r")) bits |= BpfDeviceAccess.READ;
  if (access.includes("w")) bits |= BpfDeviceAccess.WRITE;
  if (access.includes("m")) bits |= BpfDeviceAccess.MKNOD;
  return bits;
}

const ALL_ACCESS = BpfDeviceAccess.READ | BpfDeviceAccess.WRITE | BpfDeviceAccess.MKNOD;

/** The tests of `rule`, each jumping to {@linkcode NEXT} when the device does not match. */
function conditions(rule: DeviceRule): EbpfInstruction[] {
  const tests: EbpfInstruction[] = [];
  if (rule.type !== "a") {
    const type = rule.type === "b" ? BpfDeviceType.BLOCK : BpfDeviceType.CHAR;
    tests.push(jumpIfNotEqual(TYPE, type, NEXT));
  }
  const bits = accessBits(rule.access);
  if (bits !== ALL_ACCESS) {
    // The requested access must be a subset of the rule's: (access & bits) == access.
    tests.push(
      move32Register(R1, ACCESS),
      and32(R1, bits),
      jumpIfNotEqualRegister(R1, ACCESS, NEXT),
    );
  }
  if (rule.major !== "*") tests.push(jumpIfNotEqual(MAJOR, rule.major, NEXT));
  if (rule.minor !== "*") tests.push(jumpIfNotEqual(MINOR, rule.minor, NEXT));
  return tests;
}

/** A rule's block: its tests, then allow; {@linkcode NEXT} jumps land right after it. */
function ruleBlock(tests: EbpfInstruction[]): EbpfInstruction[] {
  const block = [...tests, move32(R0, 1), exit()];
  return block.map((instruction, index) =>
    instruction.off === NEXT ? { ...instruction, off: block.length - index - 1 } : instruction
  );
}

/**
 * Compiles `rules` (allow rules; anything they do not allow is denied) into the bytes of a
 * cgroup device program that returns 1 to allow an access and 0 to deny it. A rule that matches
 * everything ends the program: the kernel's verifier refuses unreachable code.
 *
 * @throws {RangeError} when the program cannot be encoded.
 */
export function compileDeviceFilter(rules: readonly DeviceRule[]): Uint8Array<ArrayBuffer> {
  const program: EbpfInstruction[] = [
    loadWord(TYPE, R1, ACCESS_TYPE_OFFSET),
    and32(TYPE, 0xffff),
    loadWord(ACCESS, R1, ACCESS_TYPE_OFFSET),
    rightShift32(ACCESS, 16),
    loadWord(MAJOR, R1, MAJOR_OFFSET),
    loadWord(MINOR, R1, MINOR_OFFSET),
  ];
  for (const rule of rules) {
    const tests = conditions(rule);
    program.push(...ruleBlock(tests));
    if (tests.length === 0) return encodeEbpf(program);
  }
  program.push(move32(R0, 0), exit());
  return encodeEbpf(program);
}
