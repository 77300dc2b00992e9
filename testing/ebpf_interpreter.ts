/**
 * A tiny eBPF interpreter for cgroup device programs: runs a compiled `struct bpf_insn[]` against
 * one `struct bpf_cgroup_dev_ctx` and returns r0 at `exit`. It knows only the instructions the
 * device program compiler emits and, like the kernel's verifier, refuses anything else: unknown
 * opcodes, reads of unset registers, loads from anything but the context, backward jumps, jumps
 * out of the program and unreachable instructions.
 *
 * @module
 */

/** The input of a device program: what is done to which device. */
export interface DeviceAccessCheck {
  /** BPF_DEVCG_DEV_BLOCK (1) or BPF_DEVCG_DEV_CHAR (2). */
  type: number;
  /** A sum of BPF_DEVCG_ACC_MKNOD (1), READ (2) and WRITE (4). */
  access: number;
  /** The device's major number. */
  major: number;
  /** The device's minor number. */
  minor: number;
}

/** A register's value: unset, the context pointer, or a 64-bit number. */
type Register = undefined | "context" | bigint;

const U32 = 0xffff_ffffn;

/** Every instruction index some path through `program` reaches (the verifier's walk). */
function reachable(code: DataView, count: number): Set<number> {
  const seen = new Set<number>();
  const pending = [0];
  while (pending.length > 0) {
    const pc = pending.pop()!;
    if (seen.has(pc)) continue;
    if (pc >= count) throw new RangeError("The program runs off its end");
    seen.add(pc);
    const op = code.getUint8(pc * 8);
    const off = code.getInt16(pc * 8 + 2, true);
    if (op === 0x95) continue;
    if (op === 0x05 || op === 0x55 || op === 0x5d) {
      if (off < 0) throw new RangeError(`Backward jump at ${pc}`);
      pending.push(pc + 1 + off);
      if (op === 0x05) continue;
    }
    pending.push(pc + 1);
  }
  return seen;
}

/** Runs `program` on `input` and returns r0 at the `exit` it reaches. */
export function runDeviceProgram(program: Uint8Array, input: DeviceAccessCheck): bigint {
  if (program.length % 8 !== 0 || program.length === 0) throw new RangeError("Bad program size");
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const count = program.length / 8;
  if (reachable(code, count).size !== count) throw new RangeError("Unreachable instructions");
  const context = new DataView(new ArrayBuffer(12));
  context.setUint32(0, (input.access << 16) | input.type, true);
  context.setUint32(4, input.major, true);
  context.setUint32(8, input.minor, true);
  const registers: Register[] = new Array(11).fill(undefined);
  registers[1] = "context";
  const number = (index: number, pc: number): bigint => {
    const value = registers[index];
    if (typeof value !== "bigint") throw new RangeError(`r${index} is not a number at ${pc}`);
    return value;
  };
  for (let pc = 0; pc < count; pc++) {
    const op = code.getUint8(pc * 8);
    const dst = code.getUint8(pc * 8 + 1) & 0xf;
    const src = code.getUint8(pc * 8 + 1) >> 4;
    const off = code.getInt16(pc * 8 + 2, true);
    const imm = code.getInt32(pc * 8 + 4, true);
    switch (op) {
      case 0x61: // ldxw dst, [src + off]
        if (registers[src] !== "context" || off % 4 !== 0 || off < 0 || off > 8) {
          throw new RangeError(`Bad load at ${pc}`);
        }
        registers[dst] = BigInt(context.getUint32(off, true));
        break;
      case 0x54: // and32 dst, imm
        registers[dst] = number(dst, pc) & BigInt(imm >>> 0);
        break;
      case 0x74: // rsh32 dst, imm
        registers[dst] = (number(dst, pc) & U32) >> BigInt(imm);
        break;
      case 0xb4: // mov32 dst, imm
        registers[dst] = BigInt(imm >>> 0);
        break;
      case 0xbc: // mov32 dst, src
        registers[dst] = number(src, pc) & U32;
        break;
      case 0x55: // jne dst, imm (64-bit compare, imm sign-extended)
        if (number(dst, pc) !== BigInt.asUintN(64, BigInt(imm))) pc += off;
        break;
      case 0x5d: // jne dst, src
        if (number(dst, pc) !== number(src, pc)) pc += off;
        break;
      case 0x05: // ja
        pc += off;
        break;
      case 0x95: // exit
        return number(0, pc);
      default:
        throw new RangeError(`Unknown opcode 0x${op.toString(16)} at ${pc}`);
    }
  }
  throw new RangeError("The program ran off its end");
}
