/**
 * Loading BPF programs: a seccomp filter for the calling thread, and cgroup device programs
 * (bpf(2) BPF_PROG_LOAD and BPF_PROG_ATTACH).
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { check, cstr, libc, SyscallError, syscallNumber } from "./ffi.ts";

const SECCOMP_SET_MODE_FILTER = 1;

/**
 * Installs `program` (the bytes of a `struct sock_filter[]`) as a seccomp filter of the calling
 * thread with seccomp(2), for it and the programs it executes. Needs CAP_SYS_ADMIN or
 * no_new_privs; throws a {@linkcode SyscallError} (EACCES, EINVAL for a bad program) otherwise.
 */
export function seccompSetModeFilter(program: Uint8Array<ArrayBuffer>): void {
  const fprog = new BigUint64Array(2); // struct sock_fprog: u16 len (padded), filter pointer
  fprog[0] = BigInt(program.length / 8);
  fprog[1] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(program)));
  check(
    Number(libc().syscall_seccomp(syscallNumber("seccomp"), SECCOMP_SET_MODE_FILTER, 0, fprog)),
    "seccomp",
  );
}

const BPF_PROG_LOAD = 5n;
const BPF_PROG_ATTACH = 8n;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const BPF_LICENSE = cstr("Apache");

/** How many times a program load is tried when the verifier was interrupted (as libbpf). */
const LOAD_ATTEMPTS = 5;

/**
 * Loads `program` (the bytes of a `struct bpf_insn[]`) as a cgroup device program with bpf(2)
 * and returns its fd. The verifier gives up with EAGAIN when a signal arrives while it runs: the
 * load is tried again then, as libbpf does. Throws a {@linkcode SyscallError} (EPERM without
 * CAP_SYS_ADMIN, EACCES or EINVAL when the verifier refuses the program).
 */
export function bpfLoadDeviceProgram(program: Uint8Array<ArrayBuffer>): number {
  const attr = new DataView(new ArrayBuffer(72)); // union bpf_attr, up to expected_attach_type
  attr.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
  attr.setUint32(4, program.length / 8, true);
  attr.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(program))), true);
  attr.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(BPF_LICENSE))), true);
  attr.setUint32(68, BPF_CGROUP_DEVICE, true);
  const buffer = new Uint8Array(attr.buffer);
  for (let attempt = 1;; attempt++) {
    try {
      const fd = libc().syscall_bpf(syscallNumber("bpf"), BPF_PROG_LOAD, buffer, 72n);
      return check(Number(fd), "bpf", "BPF_PROG_LOAD");
    } catch (error) {
      const interrupted = error instanceof SyscallError && error.errno === Errno.EAGAIN;
      if (!interrupted || attempt === LOAD_ATTEMPTS) throw error;
    }
  }
}

/**
 * Attaches the cgroup device program `programFd` to the cgroup v2 directory open at `cgroupFd`
 * (BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, as runc does); the attachment keeps
 * the program alive until the cgroup is removed. Throws a {@linkcode SyscallError}.
 */
export function bpfAttachDeviceProgram(cgroupFd: number, programFd: number): void {
  const attr = new Uint32Array([cgroupFd, programFd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, 0]);
  const buffer = new Uint8Array(attr.buffer);
  const result = libc().syscall_bpf(syscallNumber("bpf"), BPF_PROG_ATTACH, buffer, 20n);
  check(Number(result), "bpf", "BPF_PROG_ATTACH");
}
