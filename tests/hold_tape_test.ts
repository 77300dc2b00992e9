/**
 * The hold steps of a created (OCI) container's start tape: the parent-death signal cleared,
 * resource limits, the ready report on the status pipe and the wait on the exec fifo, as the
 * system calls the trampoline makes.
 */

import assert from "node:assert/strict";
import type { StartStep } from "../runtime/spec/credential_steps.ts";
import { startTape } from "../runtime/spec/start_tape.ts";
import { TAPE_ADDRESS, TrampolineFd } from "../runtime/spec/start_trampoline.ts";
import { SYSCALL_NUMBERS } from "../sys/syscall_numbers.ts";

const X86_64 = SYSCALL_NUMBERS.x86_64;

/** The calls of a tape: each call's number and six arguments. */
function callsOf(bytes: Uint8Array<ArrayBuffer>): bigint[][] {
  const view = new DataView(bytes.buffer);
  const count = Number(view.getBigUint64(0, true));
  const first = Number(view.getBigUint64(8, true));
  return Array.from(
    { length: count },
    (_, i) =>
      Array.from({ length: 7 }, (_, word) => view.getBigUint64(first + (i * 7 + word) * 8, true)),
  );
}

/** The bytes at tape address `address`. */
function at(bytes: Uint8Array, address: bigint, length: number): Uint8Array {
  const offset = Number(address - TAPE_ADDRESS);
  return bytes.slice(offset, offset + length);
}

Deno.test("startTape() encodes the hold steps: pdeathsig cleared, prlimit64, ready report, fifo open", () => {
  const steps: StartStep[] = [
    { op: "clear-death-signal" },
    { op: "rlimit", resource: 7, soft: 1024n, hard: 4096n },
    { op: "no-new-privileges" },
    { op: "report-ready" },
    { op: "wait-fifo", fd: 6 },
  ];
  const tape = startTape(steps, "x86_64");
  const calls = callsOf(tape.bytes);
  assert.deepEqual(calls.map((call) => Number(call[0])), [
    X86_64.prctl,
    X86_64.prlimit64,
    X86_64.prctl,
    X86_64.write,
    X86_64.openat,
    X86_64.close_range,
  ]);
  assert.deepEqual(calls[0]!.slice(1, 3), [1n, 0n]); // PR_SET_PDEATHSIG, 0
  assert.deepEqual(calls[1]!.slice(1, 3), [0n, 7n]); // this process, RLIMIT_NOFILE
  const limits = new DataView(at(tape.bytes, calls[1]![3]!, 16).buffer);
  assert.deepEqual([limits.getBigUint64(0, true), limits.getBigUint64(8, true)], [1024n, 4096n]);
  assert.equal(calls[1]![4], 0n); // no old limits read
  // The ready report has a failure's shape with errno 0: the index of its own call.
  assert.equal(calls[3]![1], BigInt(TrampolineFd.STATUS));
  assert.deepEqual([...new Uint32Array(at(tape.bytes, calls[3]![2]!, 8).buffer)], [3, 0]);
  assert.equal(calls[3]![3], 8n);
  const path = new TextDecoder().decode(at(tape.bytes, calls[4]![2]!, 16));
  assert.equal(path, "/proc/self/fd/6\0");
  assert.equal(calls[4]![3], 0o2000001n); // O_WRONLY | O_CLOEXEC: closed by the exec
  assert.deepEqual(tape.calls.slice(0, 5), [
    "prctl(PR_SET_PDEATHSIG, 0)",
    "prlimit(7, 1024, 4096)",
    "prctl(PR_SET_NO_NEW_PRIVS)",
    "write(status, ready)",
    'open("/proc/self/fd/6", O_WRONLY)',
  ]);
});

Deno.test("startTape() writes an unlimited resource limit as all ones", () => {
  const tape = startTape([{ op: "rlimit", resource: 4, soft: -1n, hard: -1n }], "x86_64");
  const [call] = callsOf(tape.bytes);
  const limits = new DataView(at(tape.bytes, call![3]!, 16).buffer);
  assert.equal(limits.getBigUint64(0, true), 2n ** 64n - 1n);
});
