/**
 * The tape of a start trampoline (`start_trampoline.ts`): a container's credential steps as the
 * raw system calls the trampoline makes in the command's process before it execs, each with its
 * six arguments, and the data they point to at the addresses the trampoline reads the tape to.
 *
 * Layout, all little-endian 64-bit words: the number of calls, the offset of the first call, the
 * flags (bit 0: stay as PID 1 and run the command as its child: `--init`), the data (8-byte
 * aligned), then the calls, each `{ number, args[6] }`. The last call marks every
 * descriptor from 3 up close-on-exec, so that the command gets only its stdio.
 *
 * @module
 */

import { describeCredentialStep, type StartStep } from "./credential_steps.ts";
import { TAPE_ADDRESS, TAPE_BYTES, TrampolineFd } from "./start_trampoline.ts";
import { SYSCALL_NUMBERS, type SyscallArch } from "../../sys/syscall_numbers.ts";

/** A tape and, for each of its calls, the step it belongs to (for errors). */
export interface StartTape {
  /** The bytes the trampoline reads. */
  bytes: Uint8Array<ArrayBuffer>;
  /** For each call on the tape, in order, what it does: `setresuid(1000)`. */
  calls: readonly string[];
}

const HEADER_BYTES = 24;
const FLAG_INIT = 1n;
const CALL_WORDS = 7;
const PRCTL_SET_NO_NEW_PRIVS = 38n;
const PRCTL_CAPBSET_DROP = 24n;
const PRCTL_CAP_AMBIENT = 47n;
const PRCTL_CAP_AMBIENT_RAISE = 2n;
const PRCTL_SET_KEEPCAPS = 8n;
const PRCTL_CAP_AMBIENT_CLEAR_ALL = 4n;
const SECCOMP_SET_MODE_FILTER = 1n;
const CAPABILITY_VERSION_3 = 0x20080522;
const CLOSE_RANGE_CLOEXEC = 4n;
const AT_FDCWD = -100n;
const PRCTL_SET_PDEATHSIG = 1n;
const O_WRONLY_CLOEXEC = 0o2000001n;

/** Builds a tape: data first (its addresses are known at once), calls after. */
class TapeWriter {
  readonly #data: Uint8Array[] = [];
  #dataBytes = 0;
  readonly #calls: { number: bigint; args: bigint[]; what: string }[] = [];

  constructor(private readonly numbers: Readonly<Record<string, number>>) {}

  /** Places `bytes` in the data and returns the address they will have. */
  place(bytes: Uint8Array): bigint {
    const address = TAPE_ADDRESS + BigInt(HEADER_BYTES + this.#dataBytes);
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    this.#data.push(padded);
    this.#dataBytes += padded.length;
    return address;
  }

  /** Places `text` as a NUL-terminated string. */
  placeString(text: string): bigint {
    return this.place(new TextEncoder().encode(`${text}\0`));
  }

  /** The index the next call gets. */
  get nextIndex(): number {
    return this.#calls.length;
  }

  /** Adds a call of system call `name` with `args` (the rest zero). */
  call(name: string, args: readonly bigint[], what: string): void {
    const number = this.numbers[name];
    if (number === undefined) throw new Error(`no system call number for "${name}"`);
    this.#calls.push({ number: BigInt(number), args: [...args], what });
  }

  /** The tape's bytes (with `flags` in its header) and the calls' descriptions. */
  finish(flags: bigint): StartTape {
    const callsOffset = HEADER_BYTES + this.#dataBytes;
    const size = callsOffset + this.#calls.length * CALL_WORDS * 8;
    if (size > TAPE_BYTES) {
      throw new Error(
        `the start tape needs ${size} bytes, more than the ${TAPE_BYTES} it may have`,
      );
    }
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(this.#calls.length), true);
    view.setBigUint64(8, BigInt(callsOffset), true);
    view.setBigUint64(16, flags, true);
    let offset = HEADER_BYTES;
    for (const chunk of this.#data) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    for (const { number, args } of this.#calls) {
      view.setBigUint64(offset, number, true);
      for (let i = 0; i < CALL_WORDS - 1; i++) {
        view.setBigUint64(offset + 8 + i * 8, BigInt.asUintN(64, args[i] ?? 0n), true);
      }
      offset += CALL_WORDS * 8;
    }
    return { bytes, calls: this.#calls.map((entry) => entry.what) };
  }
}

/** The words of `values` as little-endian 32-bit integers. */
function words32(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Uint32Array(values).buffer);
}

/** Adds the system calls of `step`. */
function writeStep(tape: TapeWriter, step: StartStep): void {
  const what = describeCredentialStep(step);
  switch (step.op) {
    case "clear-death-signal":
      tape.call("prctl", [PRCTL_SET_PDEATHSIG, 0n], what);
      return;
    case "rlimit": {
      const limits = new DataView(new ArrayBuffer(16)); // struct rlimit64
      limits.setBigUint64(0, BigInt.asUintN(64, step.soft), true);
      limits.setBigUint64(8, BigInt.asUintN(64, step.hard), true);
      const address = tape.place(new Uint8Array(limits.buffer));
      tape.call("prlimit64", [0n, BigInt(step.resource), address, 0n], what);
      return;
    }
    case "report-ready": {
      // The same report as a failure's, with errno 0: the call's own index.
      const report = tape.place(words32([tape.nextIndex, 0]));
      tape.call("write", [BigInt(TrampolineFd.STATUS), report, 8n], what);
      return;
    }
    case "wait-fifo": {
      const path = tape.placeString(`/proc/self/fd/${step.fd}`);
      tape.call("openat", [AT_FDCWD, path, O_WRONLY_CLOEXEC], what);
      return;
    }
    case "fchown":
      tape.call("fchown", [BigInt(step.fd), BigInt(step.uid), BigInt(step.gid)], what);
      return;
    case "chown":
      tape.call(
        "fchownat",
        [AT_FDCWD, tape.placeString(step.path), BigInt(step.uid), BigInt(step.gid), 0n],
        what,
      );
      return;
    case "drop-bounding":
      tape.call("prctl", [PRCTL_CAPBSET_DROP, BigInt(step.capability)], what);
      return;
    case "no-new-privileges":
      tape.call("prctl", [PRCTL_SET_NO_NEW_PRIVS, 1n], what);
      return;
    case "seccomp": {
      const filter = tape.place(step.filter);
      const program = new DataView(new ArrayBuffer(16)); // struct sock_fprog
      program.setUint16(0, step.filter.length / 8, true);
      program.setBigUint64(8, filter, true);
      const address = tape.place(new Uint8Array(program.buffer));
      tape.call("seccomp", [SECCOMP_SET_MODE_FILTER, 0n, address], what);
      return;
    }
    case "user": {
      const groups = tape.place(words32(step.groups));
      tape.call("setgroups", [BigInt(step.groups.length), groups], `setgroups(${step.groups})`);
      const gid = BigInt(step.gid);
      tape.call("setresgid", [gid, gid, gid], `setresgid(${step.gid})`);
      const uid = BigInt(step.uid);
      tape.call("setresuid", [uid, uid, uid], `setresuid(${step.uid})`);
      return;
    }
    case "keep-capabilities":
      tape.call("prctl", [PRCTL_SET_KEEPCAPS, 1n], what);
      return;
    case "clear-ambient":
      tape.call("prctl", [PRCTL_CAP_AMBIENT, PRCTL_CAP_AMBIENT_CLEAR_ALL], what);
      return;
    case "capabilities": {
      const sets = [step.mask, step.permitted ?? step.mask, step.inheritable ?? 0n];
      const header = tape.place(words32([CAPABILITY_VERSION_3, 0])); // this thread
      const data = tape.place(words32([
        ...sets.map((set) => Number(set & 0xffffffffn)),
        ...sets.map((set) => Number(set >> 32n)),
      ]));
      tape.call("capset", [header, data], what);
      return;
    }
    case "raise-ambient":
      tape.call(
        "prctl",
        [PRCTL_CAP_AMBIENT, PRCTL_CAP_AMBIENT_RAISE, BigInt(step.capability)],
        what,
      );
      return;
  }
}

/**
 * The tape that takes on `steps` for `arch` and marks every descriptor from 3 up close-on-exec:
 * last, or just before a seccomp filter, which may deny close_range (an OCI config's profile
 * can; the steps after it open nothing but with O_CLOEXEC). With `init`, the trampoline stays as PID 1 once the tape is done: it runs the
 * command as its child, reaps every process that ends in the container and forwards every
 * signal to the command, and exits as the command does (`--init`, as tini).
 */
export function startTape(
  steps: readonly StartStep[],
  arch: SyscallArch,
  init = false,
): StartTape {
  const tape = new TapeWriter(SYSCALL_NUMBERS[arch]);
  const closeOnExec = () =>
    tape.call("close_range", [3n, 0xffffffffn, CLOSE_RANGE_CLOEXEC], "close_range(3, ~0, CLOEXEC)");
  const filtered = steps.findIndex((step) => step.op === "seccomp");
  steps.forEach((step, index) => {
    if (index === filtered) closeOnExec();
    writeStep(tape, step);
  });
  if (filtered === -1) closeOnExec();
  return tape.finish(init ? FLAG_INIT : 0n);
}
