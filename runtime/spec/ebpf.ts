/**
 * A small eBPF assembler: the few instructions a cgroup device program needs, built as data and
 * encoded into the bytes of a `struct bpf_insn[]` for bpf(2)'s BPF_PROG_LOAD. Pure, no I/O.
 *
 * @module
 */

/** Bytes per instruction (`struct bpf_insn`: u8 code, u8 dst:4 src:4, s16 off, s32 imm). */
export const EBPF_INSTRUCTION_BYTES = 8;

/** The kernel's limit on a program's length for an unprivileged loader (BPF_MAXINSNS). */
export const EBPF_MAX_INSTRUCTIONS = 4096;

/** eBPF opcodes (class | operation | source) of the instructions below. */
export const EbpfOp = {
  /** `dst = *(u32 *)(src + off)`: BPF_LDX | BPF_MEM | BPF_W. */
  LOAD_WORD: 0x61,
  /** `dst = (u32)dst & imm`: BPF_ALU | BPF_AND | BPF_K. */
  AND32_IMM: 0x54,
  /** `dst = (u32)dst >> imm`: BPF_ALU | BPF_RSH | BPF_K. */
  RSH32_IMM: 0x74,
  /** `dst = (u32)imm`: BPF_ALU | BPF_MOV | BPF_K. */
  MOV32_IMM: 0xb4,
  /** `dst = (u32)src`: BPF_ALU | BPF_MOV | BPF_X. */
  MOV32_REG: 0xbc,
  /** `if dst != imm goto +off`: BPF_JMP | BPF_JNE | BPF_K. */
  JNE_IMM: 0x55,
  /** `if dst != src goto +off`: BPF_JMP | BPF_JNE | BPF_X. */
  JNE_REG: 0x5d,
  /** `goto +off`: BPF_JMP | BPF_JA. */
  JA: 0x05,
  /** `return r0`: BPF_JMP | BPF_EXIT. */
  EXIT: 0x95,
} as const;

/** One eBPF instruction; registers are 0 to 10 (r0 the return value, r1 the context). */
export interface EbpfInstruction {
  code: number;
  dst: number;
  src: number;
  /** Jump offset in instructions after the next one, or the load offset in bytes. */
  off: number;
  imm: number;
}

const instruction = (code: number, dst: number, src: number, off: number, imm: number) => ({
  code,
  dst,
  src,
  off,
  imm,
});

/** `dst = *(u32 *)(src + off)`. */
export const loadWord = (dst: number, src: number, off: number): EbpfInstruction =>
  instruction(EbpfOp.LOAD_WORD, dst, src, off, 0);
/** `dst &= imm` (32-bit). */
export const and32 = (dst: number, imm: number): EbpfInstruction =>
  instruction(EbpfOp.AND32_IMM, dst, 0, 0, imm);
/** `dst >>= imm` (32-bit, logical). */
export const rightShift32 = (dst: number, imm: number): EbpfInstruction =>
  instruction(EbpfOp.RSH32_IMM, dst, 0, 0, imm);
/** `dst = imm` (32-bit). */
export const move32 = (dst: number, imm: number): EbpfInstruction =>
  instruction(EbpfOp.MOV32_IMM, dst, 0, 0, imm);
/** `dst = src` (32-bit). */
export const move32Register = (dst: number, src: number): EbpfInstruction =>
  instruction(EbpfOp.MOV32_REG, dst, src, 0, 0);
/** `if dst != imm` skip `off` instructions. */
export const jumpIfNotEqual = (dst: number, imm: number, off: number): EbpfInstruction =>
  instruction(EbpfOp.JNE_IMM, dst, 0, off, imm);
/** `if dst != src` skip `off` instructions. */
export const jumpIfNotEqualRegister = (dst: number, src: number, off: number): EbpfInstruction =>
  instruction(EbpfOp.JNE_REG, dst, src, off, 0);
/** Return the value in r0. */
export const exit = (): EbpfInstruction => instruction(EbpfOp.EXIT, 0, 0, 0, 0);

/**
 * Encodes `program` as the little-endian bytes of a `struct bpf_insn[]`.
 *
 * @throws {RangeError} when a register, offset or immediate does not fit its field, or the
 * program is empty or longer than {@linkcode EBPF_MAX_INSTRUCTIONS}.
 */
export function encodeEbpf(program: readonly EbpfInstruction[]): Uint8Array<ArrayBuffer> {
  if (program.length === 0 || program.length > EBPF_MAX_INSTRUCTIONS) {
    throw new RangeError(`Cannot encode an eBPF program of ${program.length} instructions`);
  }
  const bytes = new Uint8Array(program.length * EBPF_INSTRUCTION_BYTES);
  const view = new DataView(bytes.buffer);
  program.forEach(({ code, dst, src, off, imm }, index) => {
    const fits = [dst, src].every((r) => Number.isInteger(r) && r >= 0 && r <= 10) &&
      Number.isInteger(off) && off >= -0x8000 && off <= 0x7fff &&
      Number.isInteger(imm) && imm >= -0x8000_0000 && imm <= 0xffff_ffff;
    if (!fits) throw new RangeError(`Cannot encode eBPF instruction ${index}: field out of range`);
    const at = index * EBPF_INSTRUCTION_BYTES;
    view.setUint8(at, code);
    view.setUint8(at + 1, (src << 4) | dst);
    view.setInt16(at + 2, off, true);
    view.setUint32(at + 4, imm >>> 0, true);
  });
  return bytes;
}
