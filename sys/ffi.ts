/**
 * The C library, bound through `Deno.dlopen` (the only place that calls it): the symbol table, each
 * symbol bound on first use, errno, C strings, and {@linkcode SyscallError}. The modules beside
 * this one wrap the calls by concern; every failing call throws a SyscallError naming the call,
 * its subject and the errno.
 *
 * @module
 */

import { errnoDescription, errnoName } from "./errno.ts";
import { SYSCALL_NUMBERS, type SyscallArch } from "./syscall_numbers.ts";

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
  syscall_move_mount: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "i32", "buffer", "u32"],
    result: "i64",
  },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  sigprocmask: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigdefault: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_adddup2: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  posix_spawn_file_actions_addclose: { parameters: ["buffer", "i32"], result: "i32" },
  mkfifo: { parameters: ["buffer", "u32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fchdir: { parameters: ["i32"], result: "i32" },
  gettid: { parameters: [], result: "i32" },
  syscall_ids: { name: "syscall", parameters: ["i64", "i64", "i64", "i64"], result: "i64" },
  syscall_setgroups: { name: "syscall", parameters: ["i64", "u64", "buffer"], result: "i64" },
  syscall_fsopen: { name: "syscall", parameters: ["i64", "buffer", "u32"], result: "i64" },
  syscall_fsconfig: {
    name: "syscall",
    parameters: ["i64", "i32", "u32", "buffer", "buffer", "i32"],
    result: "i64",
  },
  syscall_fsmount: { name: "syscall", parameters: ["i64", "i32", "u32", "u32"], result: "i64" },
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
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  lchown: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  fchown: { parameters: ["i32", "u32", "u32"], result: "i32" },
  syscall_close_range: { name: "syscall", parameters: ["i64", "u32", "u32", "u32"], result: "i64" },
  utimensat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  lsetxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  syscall_seccomp: { name: "syscall", parameters: ["i64", "u32", "u32", "buffer"], result: "i64" },
  syscall_bpf: { name: "syscall", parameters: ["i64", "i64", "buffer", "u64"], result: "i64" },
  syscall_fstatat: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "buffer", "i32"],
    result: "i64",
  },
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

/** An argument of a system call: an integer, or a buffer passed by its address (null for NULL). */
type Word = number | bigint | ArrayBuffer | ArrayBufferView | null;

/** The symbols that are the system call of the same name, with the same arguments. */
const SAME_ARGUMENTS = [
  "unshare",
  "setns",
  "close",
  "mount",
  "umount2",
  "chdir",
  "chroot",
  "fchdir",
  "sethostname",
  "prctl",
  "pipe2",
  "read",
  "write",
  "socket",
  "ioctl",
  "kill",
  "fchown",
  "gettid",
] as const;

type SyscallBinding = (
  nr: bigint,
  a: bigint,
  b: bigint,
  c: bigint,
  d: bigint,
  e: bigint,
  f: bigint,
) => bigint;

let syscallBinding: SyscallBinding | undefined;

/** A system call argument as the binding takes it. */
function word(arg: Word): bigint {
  if (arg === null) return 0n;
  if (typeof arg !== "object") return BigInt(arg);
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(arg as BufferSource)));
}

/**
 * Calls system call `nr` through the one binding of syscall(2) that every system call made
 * synchronously shares: each Deno.dlopen symbol costs about 0.25 ms to bind, and a container's
 * start used to bind some 40 of them. Returns what syscall(2) returns (-1 with errno set).
 */
function rawSyscall(nr: number | bigint, ...args: Word[]): number {
  const call = syscallBinding ??= Deno.dlopen("libc.so.6", {
    syscall: { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" },
  }).symbols.syscall;
  const [a = 0n, b = 0n, c = 0n, d = 0n, e = 0n, f = 0n] = args.map(word);
  return Number(call(BigInt(nr), a, b, c, d, e, f));
}

/** The symbols made through {@linkcode rawSyscall}, as functions with the symbol's arguments. */
function rawSymbol(name: string): ((...args: Word[]) => number) | undefined {
  if (name === "syscall" || name.startsWith("syscall_")) {
    return (nr, ...args) => rawSyscall(word(nr), ...args);
  }
  if ((SAME_ARGUMENTS as readonly string[]).includes(name)) {
    const nr = syscallNumber(name);
    return (...args) => rawSyscall(nr, ...args);
  }
  if (name === "ioctl_value") {
    const nr = syscallNumber("ioctl");
    return (...args) => rawSyscall(nr, ...args);
  }
  if (name === "open") {
    const nr = syscallNumber("openat");
    return (path, flags, mode) => rawSyscall(nr, AT_FDCWD, path, flags, mode);
  }
  if (name === "mknod") {
    const nr = syscallNumber("mknodat");
    return (path, mode, dev) => rawSyscall(nr, AT_FDCWD, path, mode, dev);
  }
  return undefined;
}

/** The symbols {@linkcode bindGeneric} binds: each returns an `i32` or a pointer. */
const GENERIC: ReadonlySet<string> = new Set([
  "__errno_location",
  ...Object.keys(SYMBOLS).filter((name) => name.startsWith("posix_spawn")),
]);

/** Where the calling thread's errno lives; bound before any call that could fail (below). */
let errnoView: Deno.UnsafePointerView | undefined;

/**
 * The definitions bound with symbol `name`: posix_spawn(3)'s family all at once, as a spawn calls
 * most of them (one Deno.dlopen of nine symbols costs 1 ms less than nine of one); else `name`.
 */
function boundTogether(name: string): Record<string, Deno.ForeignFunction> {
  const definitions: Record<string, Deno.ForeignFunction> = SYMBOLS;
  if (!name.startsWith("posix_spawn")) return { [name]: definitions[name]! };
  return Object.fromEntries(
    Object.entries(definitions).filter(([other]) => other.startsWith("posix_spawn")),
  );
}

/**
 * Binds `definitions`, the symbols that report failure in their result rather than in errno
 * (posix_spawn's family, errno's location) through libffi's generic call path: Deno compiles a
 * fast-call trampoline for every symbol it binds (about 0.25 ms each, 2.5 ms for posix_spawn's
 * family) but not for one with a struct in its signature. Each `i32` or `pointer` result is
 * declared as a struct of that one field, which the C ABIs of x86_64 and aarch64 return in the
 * same register as the bare field, and unwrapped here: a call costs about a microsecond more,
 * which a function called a few times a process does not notice. Every other symbol keeps its
 * fast call (errno is read right after those calls, and the generic path allocates between).
 */
function bindGeneric(definitions: Record<string, Deno.ForeignFunction>): Record<string, unknown> {
  const generic = Object.fromEntries(
    Object.entries(definitions).map((
      [name, definition],
    ) => [name, { ...definition, result: { struct: [definition.result as Deno.NativeType] } }]),
  ) as Deno.ForeignLibraryInterface;
  const bound = Deno.dlopen("libc.so.6", generic).symbols as Record<
    string,
    (...args: unknown[]) => Uint8Array
  >;
  return Object.fromEntries(
    Object.entries(definitions).map(([name, { result }]) => {
      const call = bound[name]!;
      const unwrap = result === "pointer"
        ? (bytes: Uint8Array) =>
          Deno.UnsafePointer.create(new BigUint64Array(bytes.slice().buffer)[0]!)
        : (bytes: Uint8Array) => new Int32Array(bytes.slice().buffer)[0]!;
      return [name, (...args: unknown[]) => unwrap(call(...args))];
    }),
  );
}

/**
 * The C library's functions, each bound on first use: binding all of them up front costs about
 * 5 ms, paid by every mydocker process and every container's init stage, which need a few each.
 * The plain system calls share one binding ({@linkcode rawSyscall}). errno's location is bound
 * with the first of them: binding it later, on the first failure, would run Deno.dlopen between
 * the failed call and the read of its errno, and dlopen sets errno itself (ENOENT).
 */
const symbols = new Proxy<Record<string, unknown>>({}, {
  get(cache, name: string) {
    if (!(name in cache)) {
      const raw = rawSymbol(name);
      if (raw !== undefined) cache[name] = raw;
      else if (GENERIC.has(name)) Object.assign(cache, bindGeneric(boundTogether(name)));
      else Object.assign(cache, Deno.dlopen("libc.so.6", boundTogether(name)).symbols);
      if (errnoView === undefined && name !== "__errno_location") {
        errnoView = new Deno.UnsafePointerView(symbols.__errno_location()!);
      }
    }
    return cache[name];
  },
}) as unknown as Symbols;

/** The C library's symbols, bound on first use. */
export function libc(): Symbols {
  return symbols;
}

/** Reads the calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  errnoView ??= new Deno.UnsafePointerView(libc().__errno_location()!);
  return errnoView.getInt32();
}

/** UTF-8 encoder for C strings. */
export const encoder = new TextEncoder();

/** Encodes a string as a NUL-terminated C string. */
export function cstr(value: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${value}\0`);
}

/** Throws a {@linkcode SyscallError} for `call` on `subject` when `result` is -1; returns it. */
export function check(result: number, call: string, subject = ""): number {
  if (result === -1) throw new SyscallError(call, errno(), subject);
  return result;
}

/**
 * Builds a NULL-terminated `char *[]` array; `keep` receives the string buffers,
 * which must stay referenced until the call that uses the array returns.
 */
export function cstrArray(
  values: readonly string[],
  keep: Uint8Array[],
): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(values.length + 1);
  values.forEach((value, index) => {
    const buffer = cstr(value);
    keep.push(buffer);
    array[index] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  });
  return array;
}

/** Quotes a path or name for an error message. */
export const quote = (path: string) => JSON.stringify(path);

/** The `dirfd` meaning the current directory. */
export const AT_FDCWD = -100;

/**
 * This architecture's number of system call `name`.
 *
 * @throws {Error} on an architecture mydocker does not know, or a name it lacks there.
 */
export function syscallNumber(name: string): bigint {
  const table = SYSCALL_NUMBERS[Deno.build.arch as SyscallArch];
  const number = table?.[name];
  if (number === undefined) {
    throw new Error(`Unknown system call "${name}" on architecture "${Deno.build.arch}"`);
  }
  return BigInt(number);
}

/** Calls ioctl(2) with an integer (not a pointer) argument. */
export function ioctlValue(fd: number, request: number, value: number, name: string): void {
  check(libc().ioctl_value(fd, BigInt(request), BigInt(value)), "ioctl", name);
}
