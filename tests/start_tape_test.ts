/**
 * A container process's credential steps as data (planned on the recording fake, no root
 * needed) and the start tape they are encoded into: the words the trampoline reads, the system
 * call numbers, and the data the calls point to at the tape's own addresses; with the hold steps
 * of a created (OCI) container: the parent-death signal cleared, resource limits, the ready report
 * on the status pipe and the wait on the exec fifo.
 */

import assert from "node:assert/strict";
import type { CredentialStep, StartStep } from "../runtime/spec/credential_steps.ts";
import { startTape } from "../runtime/spec/start_tape.ts";
import { TAPE_ADDRESS, TAPE_BYTES, TrampolineFd } from "../runtime/spec/start_trampoline.ts";
import { planCredentials } from "../runtime/stage/credentials.ts";
import { SYSCALL_NUMBERS } from "../sys/syscall_numbers.ts";
import { FakeSys } from "../testing/fake_sys.ts";

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

Deno.test("planCredentials() orders the steps: ownership, bounding set, no_new_privs, seccomp, ids, capabilities", () => {
  const sys = new FakeSys({
    "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    "/etc/group": "app:x:1000:\nstaff:x:50:app\n",
  });
  const { steps, env } = planCredentials({
    user: "app",
    env: ["PATH=/bin"],
    capabilities: ["CHOWN"],
    noNewPrivileges: true,
    seccomp: true,
    stdioToChown: [1, 2],
    terminalToChown: "/dev/pts/0",
  }, sys);
  const ops = steps.map((step) => step.op).filter((op, i, all) => op !== all[i - 1]);
  assert.deepEqual(ops, [
    "fchown",
    "chown",
    "drop-bounding",
    "no-new-privileges",
    "seccomp",
    "user",
    "clear-ambient",
    "capabilities",
  ]);
  assert.deepEqual(steps.find((step) => step.op === "user"), {
    op: "user",
    uid: 1000,
    gid: 1000,
    groups: [1000, 50],
  });
  // A user other than root keeps no capability; nothing was changed while planning.
  assert.deepEqual(steps.at(-1), { op: "capabilities", mask: 0n });
  assert.deepEqual(env, ["PATH=/bin", "HOME=/home/app"]);
  assert.ok(
    sys.names().every((name) =>
      name === "prctl" || name === "readTextFile" || name === "stat" || name === "statIfPresent" ||
      name === "exists"
    ),
  );
});

Deno.test("startTape() lays out the calls with their numbers and arguments, close_range last", () => {
  const steps: CredentialStep[] = [
    { op: "drop-bounding", capability: 21 },
    { op: "no-new-privileges" },
    { op: "user", uid: 1000, gid: 100, groups: [100, 7] },
    { op: "clear-ambient" },
    { op: "capabilities", mask: (1n << 40n) | 1n },
  ];
  const tape = startTape(steps, "x86_64");
  const calls = callsOf(tape.bytes);
  assert.deepEqual(calls.map((call) => Number(call[0])), [
    X86_64.prctl,
    X86_64.prctl,
    X86_64.setgroups,
    X86_64.setresgid,
    X86_64.setresuid,
    X86_64.prctl,
    X86_64.capset,
    X86_64.close_range,
  ]);
  assert.deepEqual(calls[0]!.slice(1, 3), [24n, 21n]); // PR_CAPBSET_DROP
  assert.deepEqual(calls[1]!.slice(1, 3), [38n, 1n]); // PR_SET_NO_NEW_PRIVS
  assert.equal(calls[2]![1], 2n);
  assert.deepEqual([...new Uint32Array(at(tape.bytes, calls[2]![2]!, 8).slice().buffer)], [100, 7]);
  assert.deepEqual(calls[4]!.slice(1, 4), [1000n, 1000n, 1000n]);
  const capData = new Uint32Array(at(tape.bytes, calls[6]![2]!, 24).slice().buffer);
  assert.deepEqual([...capData], [1, 1, 0, 1 << 8, 1 << 8, 0]);
  assert.deepEqual(calls[7]!.slice(1, 4), [3n, 0xffffffffn, 4n]); // CLOSE_RANGE_CLOEXEC
  assert.equal(tape.calls.length, calls.length);
  assert.equal(tape.calls[4], "setresuid(1000)");
});

Deno.test("startTape() sets the three capability sets apart and raises ambient capabilities", () => {
  const steps: StartStep[] = [
    { op: "capabilities", mask: 1n, permitted: 3n | (1n << 40n), inheritable: 2n },
    { op: "raise-ambient", capability: 1 },
  ];
  const tape = startTape(steps, "x86_64");
  const calls = callsOf(tape.bytes);
  const capData = new Uint32Array(at(tape.bytes, calls[0]![2]!, 24).slice().buffer);
  assert.deepEqual([...capData], [1, 3, 2, 0, 1 << 8, 0]);
  assert.equal(Number(calls[1]![0]), X86_64.prctl);
  assert.deepEqual(calls[1]!.slice(1, 4), [47n, 2n, 1n]); // PR_CAP_AMBIENT, RAISE
});

Deno.test("startTape() points seccomp at a sock_fprog that points at the filter", () => {
  const filter = new Uint8Array(24).map((_, i) => i + 1);
  const tape = startTape([{ op: "seccomp", filter }], "x86_64");
  const [, seccomp] = callsOf(tape.bytes); // after close_range
  assert.equal(Number(seccomp![0]), X86_64.seccomp);
  const program = new DataView(at(tape.bytes, seccomp![3]!, 16).slice().buffer);
  assert.equal(program.getUint16(0, true), 3); // instructions
  assert.deepEqual(at(tape.bytes, program.getBigUint64(8, true), 24), filter);
});

Deno.test("startTape() marks descriptors close-on-exec before a seccomp filter, which may deny close_range", () => {
  const steps: StartStep[] = [
    { op: "no-new-privileges" },
    { op: "seccomp", filter: new Uint8Array(8) },
    { op: "user", uid: 0, gid: 0, groups: [] },
    { op: "report-ready" },
    { op: "wait-fifo", fd: 6 },
  ];
  const calls = callsOf(startTape(steps, "x86_64").bytes);
  assert.deepEqual(calls.map((call) => Number(call[0])), [
    X86_64.prctl,
    X86_64.close_range,
    X86_64.seccomp,
    X86_64.setgroups,
    X86_64.setresgid,
    X86_64.setresuid,
    X86_64.write,
    X86_64.openat,
  ]);
});

Deno.test("startTape() refuses a tape larger than the trampoline reads", () => {
  const filter = new Uint8Array(TAPE_BYTES);
  assert.throws(() => startTape([{ op: "seccomp", filter }], "x86_64"), /start tape needs/);
});

Deno.test("startTape() sets the init flag in its header only for --init", () => {
  const flags = (init: boolean) =>
    new DataView(startTape([], "x86_64", init).bytes.buffer).getBigUint64(16, true);
  assert.equal(flags(false), 0n);
  assert.equal(flags(true), 1n);
});

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
