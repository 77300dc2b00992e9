/**
 * Processes: posix_spawn(3), execve(2), waiting for children, signals to them, prctl(2) and the
 * signal dispositions a spawned or exec'd program starts with.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { pollDescriptor, PollEvent } from "./fs.ts";
import { SIGNALS, SIGRTMAX, SIGRTMIN } from "./signals.ts";
import { check, cstr, cstrArray, errno, libc, quote, SyscallError, syscallNumber } from "./ffi.ts";

/** Calls prctl(2) with integer arguments. */
export function prctl(option: number, arg2 = 0, arg3 = 0): number {
  return check(libc().prctl(option, BigInt(arg2), BigInt(arg3), 0n, 0n), "prctl", String(option));
}

/** prctl options used by the runtime. */
export const Prctl = {
  SET_PDEATHSIG: 1,
  SET_NO_NEW_PRIVS: 38,
  SET_KEEPCAPS: 8,
  CAPBSET_READ: 23,
  CAPBSET_DROP: 24,
  CAP_AMBIENT: 47,
  CAP_AMBIENT_RAISE: 2,
  CAP_AMBIENT_CLEAR_ALL: 4,
} as const;

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
  for (let signal = 1; signal <= SIGRTMAX; signal++) {
    // SIGKILL and SIGSTOP cannot be caught; those between SIGSYS and SIGRTMIN are glibc's own.
    const glibcs = signal > SIGNALS.SYS && signal < SIGRTMIN;
    if (signal !== SIGNALS.KILL && signal !== SIGNALS.STOP && !glibcs) symbols.signal(signal, null);
  }
  const empty = new Uint8Array(SIGSET_BYTES);
  check(symbols.sigprocmask(SIG_SETMASK, empty, null), "sigprocmask");
}

const POSIX_SPAWN_SETPGROUP = 0x02;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

/**
 * What a spawned process does with its descriptors before it execs, in order: `dup2` copies
 * descriptor `from` to `to` (clearing close-on-exec), `close` closes `fd`.
 */
export type SpawnAction = { op: "dup2"; from: number; to: number } | { op: "close"; fd: number };

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
  /** Descriptor actions carried out after `files` are opened. */
  actions?: readonly SpawnAction[];
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
  // Every signal (sigfillset's, but for glibc's two internal ones, which the exec resets anyway)
  // and none: built here rather than bound and called, each symbol costing a start 0.2 ms.
  const all = new Uint8Array(SIGSET_BYTES).fill(0xff);
  const none = new Uint8Array(SIGSET_BYTES);
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
    for (const action of options.actions ?? []) {
      const error = action.op === "dup2"
        ? symbols.posix_spawn_file_actions_adddup2(actions, action.from, action.to)
        : symbols.posix_spawn_file_actions_addclose(actions, action.fd);
      if (error !== 0) throw new SyscallError(`posix_spawn_file_actions_add${action.op}`, error);
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

/** Decodes a wait(2) status word of a child that ended. */
function exitStatus(raw: number): ExitStatus {
  const signal = raw & 0x7f;
  return signal === 0 ? { code: (raw >> 8) & 0xff } : { signal };
}

/** Waits (without blocking the event loop) for child `pid` to end and returns how it ended. */
export async function waitpid(pid: number): Promise<ExitStatus> {
  const status = new Int32Array(1);
  for (;;) {
    const result = await libc().waitpid(pid, status, 0);
    if (result === pid) break;
    // The nonblocking call runs on another thread, whose errno is out of reach here;
    // retry on interruption, give up when the child is gone.
    if (result !== -1 || (await processGone(pid))) {
      throw new SyscallError("waitpid", Errno.ECHILD, String(pid));
    }
  }
  return exitStatus(status[0]!);
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
  if (error === Errno.ESRCH) return false;
  throw new SyscallError("kill", error, String(pid));
}

/**
 * Blocks the calling thread until any child of the process ends, reaps it (waitpid(-1), retried
 * when a signal interrupts it) and returns its pid and how it ended. Throws a
 * {@linkcode SyscallError} (ECHILD) when the process has no children.
 */
export function waitAnyChild(): { pid: number; status: ExitStatus } {
  const status = new Int32Array(1);
  for (;;) {
    const pid = libc().waitpid_blocking(-1, status, 0);
    if (pid !== -1) return { pid, status: exitStatus(status[0]!) };
    const error = errno();
    if (error !== Errno.EINTR) throw new SyscallError("waitpid", error, "-1");
  }
}

/**
 * Blocks the calling thread until child `pid` ends, reaps it and returns how it ended (waitpid,
 * retried when a signal interrupts it): for a thread with nothing else to do.
 */
export function waitForChild(pid: number): ExitStatus {
  const status = new Int32Array(1);
  for (;;) {
    if (libc().waitpid_blocking(pid, status, 0) === pid) return exitStatus(status[0]!);
    const error = errno();
    if (error !== Errno.EINTR) throw new SyscallError("waitpid", error, String(pid));
  }
}

/**
 * Blocks the calling thread until child `pid` ends or `timeoutMs` milliseconds have passed
 * (pidfd_open(2) and poll(2)). Reaps it and returns how it ended; returns undefined, leaving it
 * running, when the time ran out.
 */
export function waitForChildWithin(pid: number, timeoutMs: number): ExitStatus | undefined {
  const symbols = libc();
  const fd = check(
    Number(symbols.syscall_ids(syscallNumber("pidfd_open"), BigInt(pid), 0n, 0n)),
    "pidfd_open",
    String(pid),
  );
  try {
    return pollDescriptor(fd, PollEvent.IN, timeoutMs) === 0 ? undefined : waitForChild(pid);
  } finally {
    symbols.close(fd);
  }
}
