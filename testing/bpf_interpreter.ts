/**
 * A tiny classic-BPF interpreter for seccomp filters: runs a compiled `struct sock_filter[]`
 * against one `struct seccomp_data` and returns the filter's 32-bit verdict. It knows only the
 * instructions a seccomp filter compiler needs and throws on anything else, as the kernel would
 * refuse it.
 *
 * @module
 */

/** The input of a seccomp filter: the call number, the architecture and up to six arguments. */
export interface SeccompData {
  /** The system call number. */
  nr: number;
  /** The `AUDIT_ARCH_*` value of the calling convention. */
  arch: number;
  /** The call's arguments (missing ones are 0). */
  args?: readonly bigint[];
}

function seccompData({ nr, arch, args = [] }: SeccompData): DataView {
  const view = new DataView(new ArrayBuffer(64));
  view.setUint32(0, nr, true);
  view.setUint32(4, arch, true);
  args.forEach((arg, index) => view.setBigUint64(16 + 8 * index, BigInt.asUintN(64, arg), true));
  return view;
}

/** Runs `program` on `input` and returns the value of the `ret` it reaches. */
export function runFilter(program: Uint8Array, input: SeccompData): number {
  if (program.length % 8 !== 0 || program.length === 0) throw new RangeError("Bad program size");
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const data = seccompData(input);
  const count = program.length / 8;
  let accumulator = 0;
  for (let pc = 0; pc < count; pc++) {
    const op = code.getUint16(pc * 8, true);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, true);
    switch (op) {
      case 0x20: // ld [k]
        if (k % 4 !== 0 || k > 60) throw new RangeError(`Bad load offset ${k} at ${pc}`);
        accumulator = data.getUint32(k, true);
        break;
      case 0x54: // and #k
        accumulator = (accumulator & k) >>> 0;
        break;
      case 0x05: // ja +k
        pc += k;
        break;
      case 0x15: // jeq #k
        pc += accumulator === k ? jt : jf;
        break;
      case 0x35: // jge #k
        pc += accumulator >= k ? jt : jf;
        break;
      case 0x06: // ret #k
        return k;
      default:
        throw new RangeError(`Unknown opcode 0x${op.toString(16)} at ${pc}`);
    }
  }
  throw new RangeError("The program ran off its end");
}
