/**
 * A recording stand-in for the kernel: a {@linkcode Sys} that makes no system call, records each
 * call with its arguments in order, fails the calls it is told to with the errno it is told, and
 * answers `stat`, `exists` and `readTextFile` from an in-memory picture of the file system that
 * the calls themselves keep up to date (mkdir, writeFile, symlink, mknod). With it, tests drive
 * the hidden stages' sequences without root and check the order of the calls.
 *
 * @module
 */

import { Errno } from "../sys/errno.ts";
import { SyscallError } from "../sys/ffi.ts";
import { Prctl, type SpawnOptions } from "../sys/process.ts";
import type { FileStatus, Sys, WritableFile } from "../sys/sys.ts";

/** What a recorded call was: a method of {@linkcode Sys}, or a write to or close of an opened file. */
export type CallName = keyof Sys | "fileWrite" | "fileClose";

/** One recorded call. */
export interface SysCall {
  /** The method called. */
  name: CallName;
  /** Its arguments, as passed. */
  args: readonly unknown[];
}

/** What the fake throws from `execve`, which never returns: the stage got as far as the exec. */
export class ExecReached extends Error {
  /** Builds it for the program `path` with `argv` and `envp`. */
  constructor(
    readonly path: string,
    readonly argv: readonly string[],
    readonly envp: readonly string[],
  ) {
    super(`execve ${JSON.stringify(path)}`);
    this.name = "ExecReached";
  }
}

/** An entry of the in-memory file system. */
type Entry =
  | { kind: "directory" }
  | { kind: "file"; text: string; mode: number }
  | { kind: "symlink"; target: string };

interface Failure {
  name: CallName;
  errno: number;
  when: (...args: unknown[]) => boolean;
}

const decoder = new TextDecoder();

function notFound(call: string, path: string): Deno.errors.NotFound {
  return new Deno.errors.NotFound(`No such file or directory (os error 2): ${call} '${path}'`);
}

/** The recording fake of {@linkcode Sys}. */
/** The last capability the fake kernel knows (CAP_CHECKPOINT_RESTORE, Linux 5.9 and later). */
export const LAST_CAPABILITY = 40;

export class FakeSys implements Sys {
  /** Every call made so far, in order. */
  readonly calls: SysCall[] = [];
  readonly #entries = new Map<string, Entry>([["/", { kind: "directory" }]]);
  readonly #failures: Failure[] = [];
  #nextFd = 10;

  /**
   * Builds the fake with a file system holding `files` (path → text) and `directories` (with
   * their parents, as those of the files).
   */
  constructor(files: Readonly<Record<string, string>> = {}, directories: readonly string[] = []) {
    for (const directory of directories) this.#makeDirectories(directory);
    for (const [path, text] of Object.entries(files)) {
      this.#makeDirectories(parentOf(path));
      this.#entries.set(path, { kind: "file", text, mode: 0o644 });
    }
  }

  /**
   * Makes every later call to `name` (whose arguments satisfy `when`, if given) throw a
   * `SyscallError` with `errno`, after it is recorded.
   */
  failOn(name: CallName, errno: number, when: (...args: never[]) => boolean = () => true): this {
    this.#failures.push({ name, errno, when: when as (...args: unknown[]) => boolean });
    return this;
  }

  /** The names of the calls made so far, in order. */
  names(): CallName[] {
    return this.calls.map((call) => call.name);
  }

  /** The position of the first call to `name` whose arguments satisfy `when`; -1 if none. */
  indexOf(name: CallName, when: (...args: never[]) => boolean = () => true): number {
    const matches = when as (...args: unknown[]) => boolean;
    return this.calls.findIndex((call) => call.name === name && matches(...call.args));
  }

  /** The calls to `name`, in order. */
  callsTo(name: CallName): SysCall[] {
    return this.calls.filter((call) => call.name === name);
  }

  #record(name: CallName, ...args: unknown[]): void {
    this.calls.push({ name, args });
    const failure = this.#failures.find((entry) => entry.name === name && entry.when(...args));
    if (failure !== undefined) {
      throw new SyscallError(name, failure.errno, args.map((arg) => JSON.stringify(arg)).join(" "));
    }
  }

  #fd(): number {
    return this.#nextFd++;
  }

  #makeDirectories(path: string): void {
    const parts = path.split("/").filter(Boolean);
    let current = "";
    parts.forEach((part, index) => {
      current += `/${part}`;
      const entry = this.#resolve(current);
      if (entry === undefined) this.#entries.set(current, { kind: "directory" });
      else if (entry.kind !== "directory") {
        const last = index === parts.length - 1;
        throw last
          ? new Deno.errors.AlreadyExists(`File exists (os error 17): mkdir '${path}'`)
          : new Deno.errors.NotADirectory(`Not a directory (os error 20): mkdir '${path}'`);
      }
    });
  }

  /** The entry at `path`, following symlinks with absolute targets. */
  #resolve(path: string): Exclude<Entry, { kind: "symlink" }> | undefined {
    let entry = this.#entries.get(path);
    for (let hops = 0; entry?.kind === "symlink" && hops < 40; hops++) {
      entry = this.#entries.get(entry.target);
    }
    return entry?.kind === "symlink" ? undefined : entry;
  }

  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void {
    this.#record("mount", source, target, fstype, flags, data);
  }
  umount2(target: string, flags: number): void {
    this.#record("umount2", target, flags);
  }
  pivotRoot(newRoot: string, putOld: string): void {
    this.#record("pivotRoot", newRoot, putOld);
  }
  openTreeClone(path: string, recursive: boolean): number {
    this.#record("openTreeClone", path, recursive);
    return this.#fd();
  }
  moveMount(fd: number, target: string): void {
    this.#record("moveMount", fd, target);
  }
  makeTreeReadonly(fd: number): void {
    this.#record("makeTreeReadonly", fd);
  }
  chdir(path: string): void {
    this.#record("chdir", path);
  }
  chroot(path: string): void {
    this.#record("chroot", path);
  }
  unshare(flags: number): void {
    this.#record("unshare", flags);
  }
  setns(fd: number, nstype: number): void {
    this.#record("setns", fd, nstype);
  }
  sethostname(name: string): void {
    this.#record("sethostname", name);
  }
  /**
   * Records the call; answers 1 (held) to `CAPBSET_READ` of every capability the kernel knows
   * (up to {@linkcode LAST_CAPABILITY}) and fails beyond it with EINVAL, as the kernel does; 0 to
   * every other option.
   */
  prctl(option: number, arg2: number, arg3?: number): number {
    this.#record("prctl", option, arg2, ...(arg3 === undefined ? [] : [arg3]));
    if (option !== Prctl.CAPBSET_READ) return 0;
    if (arg2 > LAST_CAPABILITY) throw new SyscallError("prctl", Errno.EINVAL, String(option));
    return 1;
  }
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void {
    this.#record("capset", effective, permitted, inheritable);
  }
  switchUser(uid: number, gid: number, groups: readonly number[]): void {
    this.#record("switchUser", uid, gid, groups);
  }
  seccompSetModeFilter(program: Uint8Array<ArrayBuffer>): void {
    this.#record("seccompSetModeFilter", program);
  }
  resetSignals(): void {
    this.#record("resetSignals");
  }
  /** Records the call, then throws {@linkcode ExecReached}. */
  execve(path: string, argv: readonly string[], envp: readonly string[]): never {
    this.#record("execve", path, argv, envp);
    throw new ExecReached(path, argv, envp);
  }
  /** Records the call and returns a made-up pid. */
  spawn(
    path: string,
    argv: readonly string[],
    envp: readonly string[],
    options: SpawnOptions,
  ): number {
    this.#record("spawn", path, argv, envp, options);
    return 4242;
  }
  open(path: string, flags: number): number {
    this.#record("open", path, flags);
    return this.#fd();
  }
  fchdir(fd: number): void {
    this.#record("fchdir", fd);
  }
  close(fd: number): void {
    this.#record("close", fd);
  }
  dup2(from: number, to: number): void {
    this.#record("dup2", from, to);
  }
  ioctl(fd: number, request: number, argument: Uint8Array<ArrayBuffer>): void {
    this.#record("ioctl", fd, request, argument);
  }
  /** Records the call; answers 0 (the slave is pts/0). */
  unlockPseudoTerminal(master: number): number {
    this.#record("unlockPseudoTerminal", master);
    return 0;
  }
  setControllingTerminal(fd: number): void {
    this.#record("setControllingTerminal", fd);
  }
  socket(domain: number, type: number, protocol: number): number {
    this.#record("socket", domain, type, protocol);
    return this.#fd();
  }
  sendDescriptor(socket: number, fd: number): void {
    this.#record("sendDescriptor", socket, fd);
  }
  mknod(path: string, type: "c" | "b" | "p", mode: number, major: number, minor: number): void {
    this.#record("mknod", path, type, mode, major, minor);
    this.#entries.set(path, { kind: "file", text: "", mode });
  }
  mkdir(path: string): void {
    this.#record("mkdir", path);
    this.#makeDirectories(path);
  }
  writeFile(path: string, data: string | Uint8Array, mode?: number): void {
    this.#record("writeFile", path, data, ...(mode === undefined ? [] : [mode]));
    const text = typeof data === "string" ? data : decoder.decode(data);
    const existing = this.#resolve(path);
    if (existing?.kind === "directory") {
      throw new Deno.errors.IsADirectory(`Is a directory (os error 21): open '${path}'`);
    }
    this.#entries.set(path, { kind: "file", text, mode: mode ?? 0o644 });
  }
  openForWriting(path: string): WritableFile {
    this.#record("openForWriting", path);
    if (this.#resolve(path) === undefined) throw notFound("open", path);
    return {
      write: (text) => this.#record("fileWrite", path, text),
      close: () => this.#record("fileClose", path),
    };
  }
  readTextFile(path: string): string {
    this.#record("readTextFile", path);
    const entry = this.#resolve(path);
    if (entry === undefined) throw notFound("open", path);
    if (entry.kind !== "file") {
      throw new Deno.errors.IsADirectory(`Is a directory (os error 21): read '${path}'`);
    }
    return entry.text;
  }
  symlink(target: string, path: string): void {
    this.#record("symlink", target, path);
    this.#entries.set(path, { kind: "symlink", target });
  }
  chmod(path: string, mode: number): void {
    this.#record("chmod", path, mode);
    const entry = this.#entries.get(path);
    if (entry?.kind === "file") entry.mode = mode;
  }
  chown(path: string, uid: number, gid: number): void {
    this.#record("chown", path, uid, gid);
  }
  fchown(fd: number, uid: number, gid: number): void {
    this.#record("fchown", fd, uid, gid);
  }
  closeOnExecFrom(first: number): void {
    this.#record("closeOnExecFrom", first);
  }
  mkfifo(path: string, mode: number): void {
    this.#record("mkfifo", path, mode);
    this.#entries.set(path, { kind: "file", text: "", mode });
  }
  /** Answers from the picture, following symlinks; throws `Deno.errors.NotFound` for no entry. */
  stat(path: string): FileStatus {
    this.#record("stat", path);
    const entry = this.#resolve(path);
    if (entry === undefined) throw notFound("stat", path);
    return entry.kind === "directory"
      ? { isFile: false, isDirectory: true, mode: 0o40755 }
      : { isFile: true, isDirectory: false, mode: 0o100000 | entry.mode };
  }
  exists(path: string): boolean {
    this.#record("exists", path);
    return this.#entries.has(path);
  }
  statIfPresent(path: string): FileStatus | undefined {
    this.#record("statIfPresent", path);
    const entry = this.#resolve(path);
    if (entry === undefined) return undefined;
    return entry.kind === "directory"
      ? { isFile: false, isDirectory: true, mode: 0o40755 }
      : { isFile: true, isDirectory: false, mode: 0o100000 | entry.mode };
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
