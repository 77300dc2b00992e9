/**
 * The seam between the code that sets a container up and the kernel: {@linkcode Sys}, every
 * system call and file operation the hidden stages make, and {@linkcode realSys}, which makes
 * them (delegating to the modules beside this one). The stages take a `Sys`, so that a recording
 * fake (`testing/fake_sys.ts`) can stand in for the kernel and tests can check, without root, in
 * which order the security-relevant calls happen (as youki's `Syscall` trait does).
 *
 * Every call of the real implementation is synchronous and throws what the module it delegates
 * to throws: a `SyscallError` for a failed system call, a `Deno.errors` error for a failed file
 * operation.
 *
 * @module
 */

import { seccompSetModeFilter } from "./bpf.ts";
import { capset, switchUser } from "./credentials.ts";
import {
  chdir,
  chroot,
  close,
  closeOnExecFrom,
  dup2,
  fchdir,
  fchown,
  mkfifo,
  mknod,
  open,
} from "./fs.ts";
import { makeTreeReadonly, mount, moveMount, openTreeClone, pivotRoot, umount2 } from "./mount.ts";
import { sethostname, setns, unshare } from "./namespaces.ts";
import { pathExists } from "./path_exists.ts";
import { execve, prctl, resetSignals, spawn, type SpawnOptions } from "./process.ts";
import { ioctl, setControllingTerminal, unlockPseudoTerminal } from "./pty.ts";
import { sendDescriptor, socket } from "./socket.ts";

/** What {@linkcode Sys.stat} tells about a path (the target of a final symlink). */
export type FileStatus = Pick<Deno.FileInfo, "isFile" | "isDirectory" | "mode">;

/** A file open for writing, such as a `cgroup.procs` file opened now and written later. */
export interface WritableFile {
  /** Writes `text` at the current offset. */
  write(text: string): void;
  /** Closes the file. */
  close(): void;
}

/** The system calls and file operations of the hidden stages, by concern. */
export interface Sys {
  // Mounts.
  /** mount(2); `null` leaves an argument unset. */
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void;
  /** umount2(2). */
  umount2(target: string, flags: number): void;
  /** pivot_root(2). */
  pivotRoot(newRoot: string, putOld: string): void;
  /** open_tree(2) with OPEN_TREE_CLONE: a detached copy of the mount at `path`; returns its fd. */
  openTreeClone(path: string, recursive: boolean): number;
  /** move_mount(2): attaches the detached tree `fd` at `target`. */
  moveMount(fd: number, target: string): void;
  /** mount_setattr(2): makes the detached tree `fd` read-only, recursively. */
  makeTreeReadonly(fd: number): void;

  // The root and the working directory.
  /** chdir(2). */
  chdir(path: string): void;
  /** chroot(2). */
  chroot(path: string): void;

  // Namespaces.
  /** unshare(2) of the namespaces in `flags` (`CloneFlag`s). */
  unshare(flags: number): void;
  /** setns(2) into the namespace open at `fd`. */
  setns(fd: number, nstype: number): void;
  /** sethostname(2) in the UTS namespace. */
  sethostname(name: string): void;

  // Process attributes and credentials.
  /** prctl(2) with one or two integer arguments (`Prctl` options); returns its result. */
  prctl(option: number, arg2: number, arg3?: number): number;
  /** capset(2): the effective, permitted and inheritable sets of the calling thread. */
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void;
  /** setgroups(2), setresgid(2) then setresuid(2). */
  switchUser(uid: number, gid: number, groups: readonly number[]): void;
  /** seccomp(2) SECCOMP_SET_MODE_FILTER with a `struct sock_filter[]` program. */
  seccompSetModeFilter(program: Uint8Array<ArrayBuffer>): void;
  /** Default dispositions for every signal, none blocked (before execve). */
  resetSignals(): void;
  /** execve(2); returns only by throwing. */
  execve(path: string, argv: readonly string[], envp: readonly string[]): never;
  /** posix_spawn(3) of `path` (see `spawn` in `process.ts`); returns the child's pid. */
  spawn(
    path: string,
    argv: readonly string[],
    envp: readonly string[],
    options: SpawnOptions,
  ): number;

  // Descriptors, terminals and sockets.
  /** open(2), always close-on-exec; returns the fd. */
  open(path: string, flags: number): number;
  /** close(2). */
  close(fd: number): void;
  /** fchdir(2). */
  fchdir(fd: number): void;
  /** dup2(2), without close-on-exec. */
  dup2(from: number, to: number): void;
  /** ioctl(2) with a buffer argument, updated in place. */
  ioctl(fd: number, request: number, argument: Uint8Array<ArrayBuffer>): void;
  /** Unlocks a pseudo-terminal master; returns its number N (the slave is `pts/N`). */
  unlockPseudoTerminal(master: number): number;
  /** Makes terminal `fd` the calling session leader's controlling terminal (TIOCSCTTY). */
  setControllingTerminal(fd: number): void;
  /** socket(2); returns the fd. */
  socket(domain: number, type: number, protocol: number): number;
  /** Sends descriptor `fd` over the Unix socket `socket` (SCM_RIGHTS). */
  sendDescriptor(socket: number, fd: number): void;

  // Files.
  /** mknod(2) of a device node (`"c"`, `"b"`) or a FIFO (`"p"`). */
  mknod(path: string, type: "c" | "b" | "p", mode: number, major: number, minor: number): void;
  /** Creates directory `path` and its parents; nothing when it is a directory already. */
  mkdir(path: string): void;
  /** Creates or truncates `path` and writes `data`; `mode` applies when it is created. */
  writeFile(path: string, data: string | Uint8Array, mode?: number): void;
  /** Opens the existing file `path` for writing. */
  openForWriting(path: string): WritableFile;
  /** Reads `path` as UTF-8. */
  readTextFile(path: string): string;
  /** Creates a symlink at `path` pointing to `target`. */
  symlink(target: string, path: string): void;
  /** Sets the permission bits of `path`. */
  chmod(path: string, mode: number): void;
  /** Sets the owner of `path`. */
  chown(path: string, uid: number, gid: number): void;
  /** fchown(2): changes the owner of the file open at descriptor `fd`. */
  fchown(fd: number, uid: number, gid: number): void;
  /** close_range(2) with CLOSE_RANGE_CLOEXEC: descriptors from `first` up close on exec. */
  closeOnExecFrom(first: number): void;
  /** mkfifo(3): creates a FIFO at `path`. */
  mkfifo(path: string, mode: number): void;
  /** What is at `path`, following symlinks; throws `Deno.errors.NotFound` when nothing is. */
  stat(path: string): FileStatus;
  /** Whether anything (a dangling symlink included) is at `path`. */
  exists(path: string): boolean;
  /**
   * What is at `path`, following symlinks, or undefined where nothing is: no NotFound to build
   * (a stack trace, 0.1 ms) for the paths a start asks about and mostly finds missing.
   */
  statIfPresent(path: string): FileStatus | undefined;
}

const encoder = new TextEncoder();

/** The kernel itself: each call made for real, by the module of its concern. */
export const realSys: Sys = {
  mount,
  umount2,
  pivotRoot,
  openTreeClone,
  moveMount,
  makeTreeReadonly,
  chdir,
  chroot,
  unshare,
  setns,
  sethostname,
  prctl,
  capset,
  switchUser,
  seccompSetModeFilter,
  resetSignals,
  execve,
  spawn,
  open,
  close,
  fchdir,
  dup2,
  ioctl,
  unlockPseudoTerminal,
  setControllingTerminal,
  socket,
  sendDescriptor,
  mknod,
  mkdir: (path) => Deno.mkdirSync(path, { recursive: true }),
  writeFile: (path, data, mode) =>
    Deno.writeFileSync(
      path,
      typeof data === "string" ? encoder.encode(data) : data,
      mode === undefined ? {} : { mode },
    ),
  openForWriting(path) {
    const file = Deno.openSync(path, { write: true });
    return {
      write: (text) => void file.writeSync(encoder.encode(text)),
      close: () => file.close(),
    };
  },
  readTextFile: (path) => Deno.readTextFileSync(path),
  symlink: (target, path) => Deno.symlinkSync(target, path),
  chmod: (path, mode) => Deno.chmodSync(path, mode),
  chown: (path, uid, gid) => Deno.chownSync(path, uid, gid),
  fchown,
  closeOnExecFrom,
  mkfifo,
  stat: (path) => Deno.statSync(path),
  exists: pathExists,
  statIfPresent(path) {
    if (!pathExists(path)) return undefined;
    try {
      return Deno.statSync(path);
    } catch {
      return undefined; // A dangling symlink.
    }
  },
};
