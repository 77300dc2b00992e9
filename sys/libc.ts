/**
 * The one place that talks to the C library: typed wrappers over the system calls the runtime needs.
 * Every failing call throws a {@linkcode SyscallError} naming the call, its subject and the errno.
 *
 * Synchronous wrappers run on the calling (main) thread, which is what namespace and mount setup need.
 *
 * @module
 */

import { errnoDescription, errnoName } from "./errno.ts";

/** A failed system call: which call, on what, and the errno it returned. */
export class SyscallError extends Error {
  /** The errno value, such as 1 for EPERM. */
  readonly errno: number;
  /** The errno name, such as `"EPERM"`. */
  readonly code: string;

  /** Builds the error for `call` (with its subject, e.g. a quoted path) failing with `errno`. */
  constructor(call: string, errno: number, subject = "") {
    const what = subject === "" ? call : `${call} ${subject}`;
    super(`${what}: ${errnoName(errno)} (${errnoDescription(errno)})`);
    this.name = "SyscallError";
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  unshare: { parameters: ["i32"], result: "i32" },
  setns: { parameters: ["i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  chdir: { parameters: ["buffer"], result: "i32" },
  chroot: { parameters: ["buffer"], result: "i32" },
  mknod: { parameters: ["buffer", "u32", "u64"], result: "i32" },
  sethostname: { parameters: ["buffer", "usize"], result: "i32" },
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  syscall: { parameters: ["i64", "buffer", "buffer"], result: "i64" },
  syscall_open_tree: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "u32"],
    result: "i64",
  },
  syscall_mount_setattr: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "u32", "buffer", "usize"],
    result: "i64",
  },
  setgroups: { parameters: ["usize", "buffer"], result: "i32" },
  setresgid: { parameters: ["u32", "u32", "u32"], result: "i32" },
  setresuid: { parameters: ["u32", "u32", "u32"], result: "i32" },
  syscall_move_mount: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "i32", "buffer", "u32"],
    result: "i64",
  },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  sigprocmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  sigemptyset: { parameters: ["buffer"], result: "i32" },
  sigfillset: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setpgroup: { parameters: ["buffer", "i32"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  waitpid_blocking: { name: "waitpid", parameters: ["i32", "buffer", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  isatty: { parameters: ["i32"], result: "i32" },
  lchown: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  utimensat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  lsetxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  syscall_seccomp: { name: "syscall", parameters: ["i64", "u32", "u32", "buffer"], result: "i64" },
  syscall_bpf: { name: "syscall", parameters: ["i64", "i64", "buffer", "u64"], result: "i64" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize", nonblocking: true },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  ioctl_value: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  read_async: {
    name: "read",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
  write_async: {
    name: "write",
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/**
 * The C library's functions, each bound on first use: binding all of them up front costs about
 * 5 ms, paid by every mydocker process and every container's init stage, which need a few each.
 */
const symbols = new Proxy<Record<string, unknown>>({}, {
  get(cache, name: string) {
    if (!(name in cache)) {
      const definition = SYMBOLS[name as keyof typeof SYMBOLS];
      cache[name] = Deno.dlopen("libc.so.6", { [name]: definition }).symbols[name];
    }
    return cache[name];
  },
}) as unknown as Symbols;

let errnoView: Deno.UnsafePointerView | undefined;

function libc(): Symbols {
  return symbols;
}

/** Reads the calling thread's errno (valid right after a failed synchronous call). */
function errno(): number {
  errnoView ??= new Deno.UnsafePointerView(libc().__errno_location()!);
  return errnoView.getInt32();
}

const encoder = new TextEncoder();

/** Encodes a string as a NUL-terminated C string. */
function cstr(value: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${value}\0`);
}

function check(result: number, call: string, subject = ""): number {
  if (result === -1) throw new SyscallError(call, errno(), subject);
  return result;
}

/**
 * Builds a NULL-terminated `char *[]` array; `keep` receives the string buffers,
 * which must stay referenced until the call that uses the array returns.
 */
function cstrArray(values: readonly string[], keep: Uint8Array[]): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(values.length + 1);
  values.forEach((value, index) => {
    const buffer = cstr(value);
    keep.push(buffer);
    array[index] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  });
  return array;
}

const quote = (path: string) => JSON.stringify(path);

const AT_FDCWD = -100;

/** Namespace flags for {@linkcode unshare} and {@linkcode setns}. */
export const CloneFlag = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const;

/** Flags for {@linkcode mount}. */
export const MountFlag = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  NOATIME: 0x400,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  STRICTATIME: 0x1000000,
} as const;

/** `umount2` flag that detaches the mount lazily. */
export const MNT_DETACH = 2;
/** `open` flags used by the runtime. */
export const OpenFlag = {
  RDONLY: 0,
  RDWR: 0o2,
  NOCTTY: 0o400,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

/** Detaches the calling thread from the namespaces in `flags` (a sum of {@linkcode CloneFlag}). */
export function unshare(flags: number): void {
  check(libc().unshare(flags), "unshare");
}

/** Moves the calling thread into the namespace open at `fd`. */
export function setns(fd: number, nstype: number): void {
  check(libc().setns(fd, nstype), "setns");
}

/** Opens `path` with `flags` and returns the raw file descriptor (always close-on-exec). */
export function open(path: string, flags: number): number {
  return check(libc().open(cstr(path), flags | OpenFlag.CLOEXEC, 0), "open", quote(path));
}

/** Closes a raw file descriptor. */
export function close(fd: number): void {
  check(libc().close(fd), "close");
}

/** Mounts `source` on `target` (see mount(2)); `null` leaves an argument unset. */
export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: number,
  data: string | null = null,
): void {
  const result = libc().mount(
    source === null ? null : cstr(source),
    cstr(target),
    fstype === null ? null : cstr(fstype),
    BigInt(flags),
    data === null ? null : cstr(data),
  );
  check(result, "mount", `${quote(fstype ?? source ?? "")} on ${quote(target)}`);
}

/** Unmounts `target` with umount2(2) flags. */
export function umount2(target: string, flags: number): void {
  check(libc().umount2(cstr(target), flags), "umount2", quote(target));
}

/** Changes the calling thread's working directory. */
export function chdir(path: string): void {
  check(libc().chdir(cstr(path)), "chdir", quote(path));
}

/** Changes the calling thread's root directory. */
export function chroot(path: string): void {
  check(libc().chroot(cstr(path)), "chroot", quote(path));
}

/** Creates a device node (`"c"` or `"b"`) or a FIFO (`"p"`, device numbers ignored). */
export function mknod(
  path: string,
  type: "c" | "b" | "p",
  mode: number,
  major: number,
  minor: number,
): void {
  const format = { c: 0o020000, b: 0o060000, p: 0o010000 }[type];
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) |
    (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(libc().mknod(cstr(path), format | mode, dev), "mknod", quote(path));
}

/** Sets the UTS namespace's hostname. */
export function sethostname(name: string): void {
  const bytes = encoder.encode(name);
  check(libc().sethostname(bytes, BigInt(bytes.length)), "sethostname", quote(name));
}

/** Calls prctl(2) with integer arguments. */
export function prctl(option: number, arg2 = 0, arg3 = 0): number {
  return check(libc().prctl(option, BigInt(arg2), BigInt(arg3), 0n, 0n), "prctl", String(option));
}

/** prctl options used by the runtime. */
export const Prctl = {
  SET_PDEATHSIG: 1,
  SET_NO_NEW_PRIVS: 38,
  CAPBSET_READ: 23,
  CAPBSET_DROP: 24,
  CAP_AMBIENT: 47,
  CAP_AMBIENT_CLEAR_ALL: 4,
} as const;

const SYSCALL_NUMBERS: Record<string, { pivot_root: number; capset: number; bpf: number }> = {
  x86_64: { pivot_root: 155, capset: 126, bpf: 321 },
  aarch64: { pivot_root: 41, capset: 91, bpf: 280 },
};

function syscallNumber(name: "pivot_root" | "capset" | "bpf"): bigint {
  const table = SYSCALL_NUMBERS[Deno.build.arch];
  if (table === undefined) throw new Error(`Unsupported architecture "${Deno.build.arch}"`);
  return BigInt(table[name]);
}

/** Makes `newRoot` the root mount and puts the old root at `putOld` (see pivot_root(2)). */
export function pivotRoot(newRoot: string, putOld: string): void {
  const result = libc().syscall(syscallNumber("pivot_root"), cstr(newRoot), cstr(putOld));
  check(Number(result), "pivot_root", quote(newRoot));
}

const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const AT_RECURSIVE = 0x8000;
const AT_EMPTY_PATH = 0x1000;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
const MOUNT_ATTR_RDONLY = 0x1;
const SYS_OPEN_TREE = 428n;
const SYS_MOVE_MOUNT = 429n;
const SYS_MOUNT_SETATTR = 442n;

/**
 * Clones the mount of `path` (a file or directory; with `recursive`, the mounts below it too)
 * into a detached mount and returns its fd, which {@linkcode moveMount} can attach anywhere,
 * even after pivot_root (open_tree(2)).
 */
export function openTreeClone(path: string, recursive = false): number {
  const result = libc().syscall_open_tree(
    SYS_OPEN_TREE,
    AT_FDCWD,
    cstr(path),
    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0),
  );
  return check(Number(result), "open_tree", quote(path));
}

/** Makes the detached mount tree `fd` (and every mount in it) read-only (mount_setattr(2)). */
export function makeTreeReadonly(fd: number): void {
  const attr = new BigUint64Array([BigInt(MOUNT_ATTR_RDONLY), 0n, 0n, 0n]);
  const result = libc().syscall_mount_setattr(
    SYS_MOUNT_SETATTR,
    fd,
    cstr(""),
    AT_EMPTY_PATH | AT_RECURSIVE,
    attr,
    BigInt(attr.byteLength),
  );
  check(Number(result), "mount_setattr");
}

/** Sets the calling process's supplementary groups, then its real/effective/saved gid and uid. */
export function switchUser(uid: number, gid: number, groups: readonly number[]): void {
  const symbols = libc();
  const list = new Uint32Array(groups);
  check(symbols.setgroups(BigInt(list.length), list), "setgroups");
  check(symbols.setresgid(gid, gid, gid), "setresgid", String(gid));
  check(symbols.setresuid(uid, uid, uid), "setresuid", String(uid));
}

/** Attaches the detached mount `fd` (from {@linkcode openTreeClone}) at `target`. */
export function moveMount(fd: number, target: string): void {
  const result = libc().syscall_move_mount(
    SYS_MOVE_MOUNT,
    fd,
    cstr(""),
    AT_FDCWD,
    cstr(target),
    MOVE_MOUNT_F_EMPTY_PATH,
  );
  check(Number(result), "move_mount", quote(target));
}

/**
 * Sets the effective, permitted and inheritable capability sets of the calling thread
 * (each a 64-bit mask) with capset(2).
 */
export function capset(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const header = new Uint32Array([0x20080522, 0]); // _LINUX_CAPABILITY_VERSION_3, this thread
  const low = (mask: bigint) => Number(mask & 0xffffffffn);
  const high = (mask: bigint) => Number(mask >> 32n);
  const data = new Uint32Array([
    low(effective),
    low(permitted),
    low(inheritable),
    high(effective),
    high(permitted),
    high(inheritable),
  ]);
  check(Number(libc().syscall(syscallNumber("capset"), header, data)), "capset");
}

/**
 * Replaces the process image with `path`, `argv` and `envp`. Returns only by throwing:
 * a {@linkcode SyscallError} with the exec errno.
 */
export function execve(path: string, argv: readonly string[], envp: readonly string[]): never {
  const keep: Uint8Array[] = [];
  libc().execve(cstr(path), cstrArray(argv, keep), cstrArray(envp, keep));
  throw new SyscallError("exec", errno(), quote(path));
}

const SIG_SETMASK = 2;
const SIGSET_BYTES = 128;

/**
 * Restores default dispositions for every signal and unblocks them all, so that an exec'd
 * program does not inherit the runtime's ignored SIGPIPE or blocked signals.
 */
export function resetSignals(): void {
  const symbols = libc();
  for (let signal = 1; signal < 65; signal++) {
    if (signal !== 9 && signal !== 19 && signal !== 32 && signal !== 33) {
      symbols.signal(signal, null);
    }
  }
  const empty = new Uint8Array(SIGSET_BYTES);
  symbols.sigemptyset(empty);
  check(symbols.sigprocmask(SIG_SETMASK, empty, null), "sigprocmask");
}

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

/** A file a spawned process gets at a descriptor: opened from `path` with open(2) `flags`. */
export interface SpawnFile {
  fd: number;
  path: string;
  flags: number;
}

/** How {@linkcode spawn} starts the process. */
export interface SpawnOptions {
  /** Put the child in a new process group (default), in a new session, or leave it in ours. */
  group?: "new-group" | "new-session" | "inherit";
  /** Files to open at given descriptors in the child (e.g. logs at 1 and 2). */
  files?: readonly SpawnFile[];
}

/** `open` flags for {@linkcode SpawnFile}s. */
export const SpawnOpen = {
  READ: 0,
  APPEND: 0o1 | 0o100 | 0o2000, // O_WRONLY | O_CREAT | O_APPEND
} as const;

/**
 * Starts `path` with posix_spawn(3), all signals at their default disposition and none blocked,
 * inheriting the caller's file descriptors (less close-on-exec ones, plus `options.files`).
 * Returns the child's pid.
 */
export function spawn(
  path: string,
  argv: readonly string[],
  envp: readonly string[],
  options: SpawnOptions = {},
): number {
  const symbols = libc();
  const keep: Uint8Array[] = [];
  const attr = new Uint8Array(512);
  const actions = new Uint8Array(512);
  const all = new Uint8Array(SIGSET_BYTES);
  const none = new Uint8Array(SIGSET_BYTES);
  symbols.sigfillset(all);
  symbols.sigemptyset(none);
  symbols.posix_spawnattr_init(attr);
  symbols.posix_spawn_file_actions_init(actions);
  try {
    const group = options.group ?? "new-group";
    const groupFlag = group === "new-group"
      ? POSIX_SPAWN_SETPGROUP
      : group === "new-session"
      ? POSIX_SPAWN_SETSID
      : 0;
    symbols.posix_spawnattr_setflags(
      attr,
      groupFlag | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK,
    );
    symbols.posix_spawnattr_setpgroup(attr, 0);
    symbols.posix_spawnattr_setsigdefault(attr, all);
    symbols.posix_spawnattr_setsigmask(attr, none);
    for (const file of options.files ?? []) {
      const name = cstr(file.path);
      keep.push(name);
      const error = symbols.posix_spawn_file_actions_addopen(
        actions,
        file.fd,
        name,
        file.flags,
        0o600,
      );
      if (error !== 0) {
        throw new SyscallError("posix_spawn_file_actions_addopen", error, quote(file.path));
      }
    }
    const pid = new Int32Array(1);
    const error = symbols.posix_spawn(
      pid,
      cstr(path),
      actions,
      attr,
      cstrArray(argv, keep),
      cstrArray(envp, keep),
    );
    if (error !== 0) throw new SyscallError("posix_spawn", error, quote(path));
    return pid[0]!;
  } finally {
    symbols.posix_spawn_file_actions_destroy(actions);
    symbols.posix_spawnattr_destroy(attr);
  }
}

/** How a child ended: its exit code, or the signal that killed it. */
export type ExitStatus = { code: number; signal?: never } | { signal: number; code?: never };

/** Waits (without blocking the event loop) for child `pid` to end and returns how it ended. */
export async function waitpid(pid: number): Promise<ExitStatus> {
  const status = new Int32Array(1);
  for (;;) {
    const result = await libc().waitpid(pid, status, 0);
    if (result === pid) break;
    // The nonblocking call runs on another thread, whose errno is out of reach here;
    // retry on interruption, give up when the child is gone.
    if (result !== -1 || (await processGone(pid))) {
      throw new SyscallError("waitpid", 10, String(pid));
    }
  }
  const raw = status[0]!;
  const signal = raw & 0x7f;
  return signal === 0 ? { code: (raw >> 8) & 0xff } : { signal };
}

async function processGone(pid: number): Promise<boolean> {
  try {
    await Deno.stat(`/proc/${pid}`);
    return false;
  } catch {
    return true;
  }
}

/** Sends `signal` to process `pid`; returns false when the process no longer exists. */
export function kill(pid: number, signal: number): boolean {
  if (libc().kill(pid, signal) === 0) return true;
  const error = errno();
  if (error === 3) return false;
  throw new SyscallError("kill", error, String(pid));
}

/** Creates a socket and returns its file descriptor. */
export function socket(domain: number, type: number, protocol: number): number {
  return check(libc().socket(domain, type, protocol), "socket");
}

/** Calls ioctl(2) with a buffer argument (updated in place). */
export function ioctl(fd: number, request: number, argument: Uint8Array<ArrayBuffer>): void {
  check(libc().ioctl(fd, BigInt(request), argument), "ioctl", `0x${request.toString(16)}`);
}

/** Tells whether file descriptor `fd` refers to a terminal. */
export function isatty(fd: number): boolean {
  return libc().isatty(fd) === 1;
}

/** Changes the owner of `path` without following a final symlink. */
export function lchown(path: string, uid: number, gid: number): void {
  check(libc().lchown(cstr(path), uid, gid), "lchown", quote(path));
}

const AT_SYMLINK_NOFOLLOW = 0x100;

/**
 * Sets the access and modification times of `path` (seconds since the epoch, fractions kept
 * to the nanosecond) without following a final symlink.
 */
export function lutimes(path: string, atime: number, mtime: number): void {
  const times = new BigInt64Array(4);
  [atime, mtime].forEach((time, index) => {
    const seconds = Math.floor(time);
    times[index * 2] = BigInt(seconds);
    times[index * 2 + 1] = BigInt(Math.round((time - seconds) * 1e9));
  });
  const result = libc().utimensat(AT_FDCWD, cstr(path), times, AT_SYMLINK_NOFOLLOW);
  check(result, "utimensat", quote(path));
}

/** Sets extended attribute `name` of `path` (not following a final symlink). */
export function lsetxattr(path: string, name: string, value: Uint8Array<ArrayBuffer>): void {
  const result = libc().lsetxattr(cstr(path), cstr(name), value, BigInt(value.length), 0);
  check(result, "lsetxattr", `${quote(name)} on ${quote(path)}`);
}

/** Reads extended attribute `name` of `path`; returns null when it is not set. */
export function lgetxattr(path: string, name: string): Uint8Array | null {
  const buffer = new Uint8Array(65536);
  const size = Number(libc().lgetxattr(cstr(path), cstr(name), buffer, BigInt(buffer.length)));
  if (size >= 0) return buffer.slice(0, size);
  const error = errno();
  if (error === 61) return null; // ENODATA
  throw new SyscallError("lgetxattr", error, `${quote(name)} on ${quote(path)}`);
}

const SYS_SECCOMP: Record<string, bigint> = { x86_64: 317n, aarch64: 277n };
const SECCOMP_SET_MODE_FILTER = 1;

/**
 * Installs `program` (the bytes of a `struct sock_filter[]`) as a seccomp filter of the calling
 * thread with seccomp(2), for it and the programs it executes. Needs CAP_SYS_ADMIN or
 * no_new_privs; throws a {@linkcode SyscallError} (EACCES, EINVAL for a bad program) otherwise.
 */
export function seccompSetModeFilter(program: Uint8Array<ArrayBuffer>): void {
  const nr = SYS_SECCOMP[Deno.build.arch];
  if (nr === undefined) throw new Error(`Unsupported architecture "${Deno.build.arch}"`);
  const fprog = new BigUint64Array(2); // struct sock_fprog: u16 len (padded), filter pointer
  fprog[0] = BigInt(program.length / 8);
  fprog[1] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(program)));
  check(Number(libc().syscall_seccomp(nr, SECCOMP_SET_MODE_FILTER, 0, fprog)), "seccomp");
}

const BPF_PROG_LOAD = 5n;
const BPF_PROG_ATTACH = 8n;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const BPF_LICENSE = cstr("Apache");

/**
 * Loads `program` (the bytes of a `struct bpf_insn[]`) as a cgroup device program with bpf(2)
 * and returns its fd. Throws a {@linkcode SyscallError} (EPERM without CAP_SYS_ADMIN, EACCES or
 * EINVAL when the verifier refuses the program).
 */
export function bpfLoadDeviceProgram(program: Uint8Array<ArrayBuffer>): number {
  const attr = new DataView(new ArrayBuffer(72)); // union bpf_attr, up to expected_attach_type
  attr.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
  attr.setUint32(4, program.length / 8, true);
  attr.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(program))), true);
  attr.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(BPF_LICENSE))), true);
  attr.setUint32(68, BPF_CGROUP_DEVICE, true);
  const buffer = new Uint8Array(attr.buffer);
  const fd = libc().syscall_bpf(syscallNumber("bpf"), BPF_PROG_LOAD, buffer, 72n);
  return check(Number(fd), "bpf", "BPF_PROG_LOAD");
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

const EINTR = 4;

/**
 * Blocks the calling thread until any child of the process ends, reaps it (waitpid(-1), retried
 * when a signal interrupts it) and returns its pid and how it ended. Throws a
 * {@linkcode SyscallError} (ECHILD) when the process has no children.
 */
export function waitAnyChild(): { pid: number; status: ExitStatus } {
  const status = new Int32Array(1);
  for (;;) {
    const pid = libc().waitpid_blocking(-1, status, 0);
    if (pid !== -1) {
      const raw = status[0]!;
      const signal = raw & 0x7f;
      return { pid, status: signal === 0 ? { code: (raw >> 8) & 0xff } : { signal } };
    }
    const error = errno();
    if (error !== EINTR) throw new SyscallError("waitpid", error, "-1");
  }
}

/** Window size, terminal and pseudo-terminal ioctl requests (the same on x86_64 and aarch64). */
const TIOCSCTTY = 0x540e;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const FIOCLEX = 0x5451;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;

/** Calls ioctl(2) with an integer (not a pointer) argument. */
function ioctlValue(fd: number, request: number, value: number, name: string): void {
  check(libc().ioctl_value(fd, BigInt(request), BigInt(value)), "ioctl", name);
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;

/**
 * Creates a connected pair of Unix stream sockets. `local` is close-on-exec; `inheritable` is
 * not, so a process spawned next inherits it (close it here once that process runs).
 */
export function socketPair(): { local: number; inheritable: number } {
  const fds = new Int32Array(2);
  check(libc().socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
  const [local, inheritable] = [fds[0]!, fds[1]!];
  try {
    ioctlValue(local, FIOCLEX, 0, "FIOCLEX");
  } catch (error) {
    close(local);
    close(inheritable);
    throw error;
  }
  return { local, inheritable };
}

const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
const CMSG_LEN_ONE_FD = 20n;

/**
 * One buffer for sendmsg/recvmsg of one byte and one descriptor: a `struct msghdr` at 0, its
 * `struct iovec` at 64, the control message (`CMSG_SPACE(sizeof(int))` = 24 bytes) at 80 with
 * the descriptor at 96, and the data byte at 104. A single buffer keeps every part alive while
 * a call on another thread uses it.
 */
function descriptorMessage(): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(112);
  const view = new DataView(message.buffer);
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(message)));
  view.setBigUint64(16, base + 64n, true); // msg_iov
  view.setBigUint64(24, 1n, true); // msg_iovlen
  view.setBigUint64(32, base + 80n, true); // msg_control
  view.setBigUint64(40, 24n, true); // msg_controllen
  view.setBigUint64(64, base + 104n, true); // iov_base
  view.setBigUint64(72, 1n, true); // iov_len
  return message;
}

/** Sends descriptor `fd` over the Unix socket `socket` (sendmsg with SCM_RIGHTS). */
export function sendDescriptor(socket: number, fd: number): void {
  const message = descriptorMessage();
  const view = new DataView(message.buffer);
  view.setBigUint64(80, CMSG_LEN_ONE_FD, true); // cmsg_len
  view.setInt32(88, SOL_SOCKET, true);
  view.setInt32(92, SCM_RIGHTS, true);
  view.setInt32(96, fd, true);
  check(Number(libc().sendmsg(socket, message, 0)), "sendmsg");
}

/**
 * Receives a descriptor sent with {@linkcode sendDescriptor} over `socket`, close-on-exec,
 * waiting on another thread. Resolves to undefined when the peer closed the socket without
 * sending one; throws when recvmsg fails or the message carries no descriptor.
 */
export async function receiveDescriptor(socket: number): Promise<number | undefined> {
  const message = descriptorMessage();
  const received = Number(await libc().recvmsg(socket, message, MSG_CMSG_CLOEXEC));
  if (received === 0) return undefined;
  const view = new DataView(message.buffer);
  const carriesDescriptor = received > 0 && view.getBigUint64(40, true) >= CMSG_LEN_ONE_FD &&
    view.getInt32(88, true) === SOL_SOCKET && view.getInt32(92, true) === SCM_RIGHTS;
  if (!carriesDescriptor) throw new Error("Cannot receive a descriptor: recvmsg brought none");
  return view.getInt32(96, true);
}

/** Duplicates descriptor `from` onto `to` (closing what `to` was), without close-on-exec. */
export function dup2(from: number, to: number): void {
  check(libc().dup2(from, to), "dup2", String(to));
}

/**
 * Unlocks the pseudo-terminal master `master` (unlockpt) and returns its number N: the slave is
 * `pts/N` of the devpts instance the master came from.
 */
export function unlockPseudoTerminal(master: number): number {
  ioctl(master, TIOCSPTLCK, new Uint8Array(4));
  const number = new Int32Array(1);
  ioctl(master, TIOCGPTN, new Uint8Array(number.buffer));
  return number[0]!;
}

/** Makes terminal `fd` the controlling terminal of the calling process, a session leader. */
export function setControllingTerminal(fd: number): void {
  ioctlValue(fd, TIOCSCTTY, 0, "TIOCSCTTY");
}

/** A terminal's size in character cells. */
export interface WindowSize {
  rows: number;
  columns: number;
}

/** Returns the window size of terminal `fd` (TIOCGWINSZ). */
export function getWindowSize(fd: number): WindowSize {
  const size = new Uint16Array(4);
  ioctl(fd, TIOCGWINSZ, new Uint8Array(size.buffer));
  return { rows: size[0]!, columns: size[1]! };
}

/**
 * Sets the window size of terminal `fd` (TIOCSWINSZ); on a change the kernel sends SIGWINCH to
 * the terminal's foreground process group.
 */
export function setWindowSize(fd: number, size: WindowSize): void {
  const winsize = new Uint16Array([size.rows, size.columns, 0, 0]);
  ioctl(fd, TIOCSWINSZ, new Uint8Array(winsize.buffer));
}

const TERMIOS_BYTES = 64; // struct termios is 60 bytes on Linux
const TCSANOW = 0;

/** Returns the attributes (`struct termios`) of terminal `fd`. */
export function tcgetattr(fd: number): Uint8Array<ArrayBuffer> {
  const attributes = new Uint8Array(TERMIOS_BYTES);
  check(libc().tcgetattr(fd, attributes), "tcgetattr", String(fd));
  return attributes;
}

/** Sets the attributes of terminal `fd` at once (TCSANOW). */
export function tcsetattr(fd: number, attributes: Uint8Array<ArrayBuffer>): void {
  check(libc().tcsetattr(fd, TCSANOW, attributes), "tcsetattr", String(fd));
}

/**
 * Returns a copy of `attributes` set to raw mode as cfmakeraw(3) does: no echo, no line editing,
 * no signals from keys, no output processing, 8-bit bytes.
 */
export function cfmakeraw(attributes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const raw = attributes.slice();
  libc().cfmakeraw(raw);
  return raw;
}

/**
 * Reads up to `buffer.length` bytes from `fd` on another thread, so that a blocking descriptor
 * (a terminal, a pseudo-terminal master) does not block the event loop. Resolves to the count,
 * 0 at end of file, or -1 on an error (its errno stays on that thread; a pseudo-terminal master
 * fails with EIO once every slave descriptor is closed). Leave `buffer` alone until then.
 */
export async function readAsync(fd: number, buffer: Uint8Array<ArrayBuffer>): Promise<number> {
  return Number(await libc().read_async(fd, buffer, BigInt(buffer.length)));
}

/**
 * Writes all of `bytes` to `fd`, on another thread so that a full terminal buffer does not block
 * the event loop. Resolves to false when a write fails.
 */
export async function writeAllAsync(fd: number, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  let offset = 0;
  while (offset < bytes.length) {
    const rest = bytes.subarray(offset);
    const written = Number(await libc().write_async(fd, rest, BigInt(rest.length)));
    if (written < 0) return false;
    offset += written;
  }
  return true;
}
