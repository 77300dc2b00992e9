import assert from "node:assert/strict";
import { CAPABILITY_NAMES, DEFAULT_CAPABILITIES } from "../runtime/spec/capabilities.ts";
import {
  AUDIT_ARCH,
  compileSeccompFilter,
  INSTRUCTION_BYTES,
  SeccompReturn,
} from "../runtime/spec/seccomp_bpf.ts";
import { DEFAULT_PROFILE, type SeccompProfile } from "../runtime/spec/seccomp_profile.ts";
import { SYSCALL_NUMBERS } from "../sys/syscall_numbers.ts";
import { runFilter } from "../testing/bpf_interpreter.ts";

const ALLOW = SeccompReturn.ALLOW;
const EPERM = SeccompReturn.ERRNO | 1;
const ENOSYS = SeccompReturn.ERRNO | 38;
const KILL = SeccompReturn.KILL_PROCESS;

/** Numbers of calls the profile never names, so they are not in the table. */
const X86_64 = { keyctl: 250, add_key: 248, request_key: 249, kexec_load: 246, uselib: 134 };
const AARCH64 = { keyctl: 219 };

const CLONE_NEWNS = 0x00020000n;
const CLONE_NEWUSER = 0x10000000n;
/** What glibc's pthread_create passes to clone. */
const THREAD_FLAGS = 0x003d0f00n;

function filterFor(arch: "x86_64" | "aarch64", capabilities: readonly string[]) {
  const program = compileSeccompFilter(DEFAULT_PROFILE, arch, capabilities);
  return (nr: number | string, ...args: bigint[]) => {
    const number = typeof nr === "number" ? nr : SYSCALL_NUMBERS[arch][nr];
    assert.ok(number !== undefined, `no number for ${nr}`);
    return runFilter(program, { nr: number, arch: AUDIT_ARCH[arch], args });
  };
}

const defaults = filterFor("x86_64", DEFAULT_CAPABILITIES);
const withSysAdmin = filterFor("x86_64", [...DEFAULT_CAPABILITIES, "SYS_ADMIN"]);
const everything = filterFor("x86_64", CAPABILITY_NAMES);

Deno.test("seccomp filter denies the key and kexec calls with EPERM, whatever the capabilities", () => {
  for (const filter of [defaults, withSysAdmin, everything]) {
    for (const nr of Object.values(X86_64)) assert.equal(filter(nr), EPERM, `syscall ${nr}`);
  }
});

Deno.test("seccomp filter allows ordinary calls", () => {
  for (const name of ["read", "write", "execve", "openat", "exit_group", "capset", "setresuid"]) {
    assert.equal(defaults(name), ALLOW, name);
  }
  assert.equal(defaults("arch_prctl"), ALLOW);
  assert.equal(defaults("ptrace"), ALLOW);
});

Deno.test("seccomp filter allows unshare, setns and mount only with SYS_ADMIN", () => {
  for (const name of ["unshare", "setns", "mount", "umount2", "sethostname"]) {
    assert.equal(defaults(name), EPERM, name);
    assert.equal(withSysAdmin(name), ALLOW, name);
  }
});

Deno.test("seccomp filter allows clone without namespace flags unless SYS_ADMIN is kept", () => {
  assert.equal(defaults("clone", THREAD_FLAGS), ALLOW);
  assert.equal(defaults("clone", 17n), ALLOW); // fork: SIGCHLD
  assert.equal(defaults("clone", THREAD_FLAGS | CLONE_NEWNS), EPERM);
  assert.equal(defaults("clone", 17n | CLONE_NEWUSER), EPERM);
  assert.equal(withSysAdmin("clone", THREAD_FLAGS | CLONE_NEWNS), ALLOW);
});

Deno.test("seccomp filter answers clone3 with ENOSYS unless SYS_ADMIN is kept", () => {
  assert.equal(defaults("clone3"), ENOSYS);
  assert.equal(withSysAdmin("clone3"), ALLOW);
});

Deno.test("seccomp filter allows personality only for Docker's values", () => {
  for (const value of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) {
    assert.equal(defaults("personality", value), ALLOW, `personality(${value})`);
  }
  assert.equal(defaults("personality", 0x0400000n), EPERM); // READ_IMPLIES_EXEC
  assert.equal(defaults("personality", 0x1_00000000n), EPERM); // high word set
});

Deno.test("seccomp filter denies AF_VSOCK sockets only", () => {
  assert.equal(defaults("socket", 2n, 1n), ALLOW); // AF_INET
  assert.equal(defaults("socket", 40n, 1n), EPERM);
  assert.equal(defaults("socket", 0x1_00000028n, 1n), EPERM); // the kernel reads an int
});

Deno.test("seccomp filter grants capability-bound calls with their capability", () => {
  assert.equal(defaults("kcmp"), EPERM);
  assert.equal(filterFor("x86_64", ["SYS_PTRACE"])("kcmp"), ALLOW);
  assert.equal(defaults("chroot"), ALLOW); // SYS_CHROOT is a default capability
  assert.equal(filterFor("x86_64", [])("chroot"), EPERM);
  assert.equal(defaults("reboot"), EPERM);
  assert.equal(filterFor("x86_64", ["SYS_BOOT"])("reboot"), ALLOW);
  assert.equal(defaults("bpf"), EPERM);
  assert.equal(filterFor("x86_64", ["BPF"])("bpf"), ALLOW);
});

Deno.test("seccomp filter returns EPERM for unlisted calls and ENOSYS for newer ones", () => {
  assert.equal(defaults(X86_64.uselib), EPERM);
  assert.equal(defaults(460), ENOSYS);
  assert.equal(defaults(0x3fffffff), ENOSYS);
});

Deno.test("seccomp filter kills calls from another architecture or the x32 ABI", () => {
  const program = compileSeccompFilter(DEFAULT_PROFILE, "x86_64", DEFAULT_CAPABILITIES);
  assert.equal(runFilter(program, { nr: 0, arch: AUDIT_ARCH.aarch64 }), KILL);
  assert.equal(runFilter(program, { nr: 3, arch: 0x40000003 }), KILL); // i386
  assert.equal(runFilter(program, { nr: 0x40000000, arch: AUDIT_ARCH.x86_64 }), KILL);
});

Deno.test("seccomp filter for aarch64 uses aarch64 numbers and arch", () => {
  const arm = filterFor("aarch64", DEFAULT_CAPABILITIES);
  assert.equal(arm(AARCH64.keyctl), EPERM);
  assert.equal(arm("read"), ALLOW);
  assert.equal(arm("unshare"), EPERM);
  assert.equal(arm("clone", THREAD_FLAGS), ALLOW);
  assert.equal(arm("clone3"), ENOSYS);
  assert.equal(arm("personality", 0n), ALLOW);
  const program = compileSeccompFilter(DEFAULT_PROFILE, "aarch64", DEFAULT_CAPABILITIES);
  assert.equal(runFilter(program, { nr: 63, arch: AUDIT_ARCH.x86_64 }), KILL);
});

Deno.test("every name in the seccomp profile has a number on some architecture", () => {
  const names = new Set(DEFAULT_PROFILE.rules.flatMap((rule) => rule.names));
  const unknown = [...names].filter((name) =>
    SYSCALL_NUMBERS.x86_64[name] === undefined && SYSCALL_NUMBERS.aarch64[name] === undefined
  );
  assert.deepEqual(unknown, []);
});

Deno.test("compileSeccompFilter() reaches far branches with long jumps", () => {
  // 300 calls, each testing its argument: the search tree's halves exceed 255 instructions.
  const profile: SeccompProfile = {
    defaultAction: { errno: 1 },
    rules: [{
      names: Object.keys(SYSCALL_NUMBERS.x86_64),
      action: "allow",
      args: [{ index: 2, op: "notEqual", value: 7 }],
    }],
  };
  const program = compileSeccompFilter(profile, "x86_64", []);
  const ops = Array.from(
    { length: program.length / INSTRUCTION_BYTES },
    (_, index) => program[index * INSTRUCTION_BYTES],
  );
  assert.ok(ops.includes(0x05), "no long jump emitted");
  for (const nr of Object.values(SYSCALL_NUMBERS.x86_64)) {
    const run = (arg: bigint) =>
      runFilter(program, { nr, arch: AUDIT_ARCH.x86_64, args: [0n, 0n, arg] });
    assert.equal(run(1n), ALLOW, `syscall ${nr}`);
    assert.equal(run(7n), EPERM, `syscall ${nr}`);
  }
});

Deno.test("compileSeccompFilter() refuses conflicting unconditional rules", () => {
  const profile: SeccompProfile = {
    defaultAction: { errno: 1 },
    rules: [{ names: ["read"], action: "allow" }, { names: ["read"], action: { errno: 38 } }],
  };
  assert.throws(() => compileSeccompFilter(profile, "x86_64", []), RangeError);
});

Deno.test("the default seccomp program stays small", () => {
  for (const arch of ["x86_64", "aarch64"] as const) {
    const program = compileSeccompFilter(DEFAULT_PROFILE, arch, CAPABILITY_NAMES);
    assert.ok(program.length / INSTRUCTION_BYTES < 400, `${arch}: ${program.length / 8}`);
  }
});

Deno.test("compileSeccompFilter() compiles a deny list: an allowing default, allowed above the highest", () => {
  const profile: SeccompProfile = {
    defaultAction: "allow",
    rules: [{ names: ["getcwd"], action: { errno: 1 } }],
  };
  const program = compileSeccompFilter(profile, "x86_64", []);
  const run = (nr: number) => runFilter(program, { nr, arch: AUDIT_ARCH.x86_64 });
  assert.equal(run(SYSCALL_NUMBERS.x86_64.getcwd!), EPERM);
  assert.equal(run(SYSCALL_NUMBERS.x86_64.read!), ALLOW);
  assert.equal(run(SYSCALL_NUMBERS.x86_64.getcwd! + 1), ALLOW);
  assert.equal(run(460), ALLOW);
  assert.equal(run(0x3fffffff), ALLOW);
  assert.equal(runFilter(program, { nr: 0x40000000, arch: AUDIT_ARCH.x86_64 }), KILL);
  assert.equal(runFilter(program, { nr: 0, arch: AUDIT_ARCH.aarch64 }), KILL);
});

Deno.test("compileSeccompFilter() returns each action's SECCOMP_RET value", () => {
  const actions = {
    read: ["log", SeccompReturn.LOG],
    write: ["killThread", 0x00000000],
    open: ["killProcess", 0x80000000],
    close: ["trap", 0x00030000],
    stat: [{ errno: 13 }, 0x00050000 | 13],
    fstat: [{ trace: 7 }, 0x7ff00000 | 7],
    lstat: ["allow", ALLOW],
    getcwd: ["allow", ALLOW],
  } as const;
  const profile: SeccompProfile = {
    defaultAction: "trap",
    rules: Object.entries(actions).map(([name, [action]]) => ({ names: [name], action })),
  };
  const program = compileSeccompFilter(profile, "x86_64", []);
  for (const [name, [, value]] of Object.entries(actions)) {
    const nr = SYSCALL_NUMBERS.x86_64[name]!;
    assert.equal(runFilter(program, { nr, arch: AUDIT_ARCH.x86_64 }), value, name);
  }
  const unnamed = SYSCALL_NUMBERS.x86_64.poll!;
  assert.equal(runFilter(program, { nr: unnamed, arch: AUDIT_ARCH.x86_64 }), SeccompReturn.TRAP);
  assert.equal(runFilter(program, { nr: 460, arch: AUDIT_ARCH.x86_64 }), ENOSYS);
});

Deno.test("compileSeccompFilter() gives a profile without rules its default everywhere", () => {
  for (const defaultAction of ["log", { errno: 1 }] as const) {
    const program = compileSeccompFilter({ defaultAction, rules: [] }, "x86_64", []);
    const expected = defaultAction === "log" ? SeccompReturn.LOG : EPERM;
    for (const nr of [0, 59, 460]) {
      assert.equal(runFilter(program, { nr, arch: AUDIT_ARCH.x86_64 }), expected);
    }
  }
});

Deno.test("compileSeccompFilter() refuses an errno that does not fit the return value", () => {
  const profile: SeccompProfile = {
    defaultAction: "allow",
    rules: [{ names: ["read"], action: { errno: 0x10000 } }],
  };
  assert.throws(() => compileSeccompFilter(profile, "x86_64", []), /not a 16-bit return value/);
});
