/**
 * A container's start from the calling thread, mydocker's main thread, with no second Deno:
 * the thread unshares the mount, UTS, IPC (and network) namespaces for itself (the kernel gives
 * it a file system context of its own), or enters a mount namespace the spec joins by path,
 * builds the container's root and pivots into it, then unshares the PID namespace for its
 * children (or enters the one the spec joins, or stays in the host's) and posix_spawns the start
 * trampoline (`runtime/spec/start_trampoline.ts`), which becomes PID 1 of the new PID namespace
 * (or a process of the joined one or the host's) and waits for its tape. The thread then goes
 * back to the host's namespaces, root and working directory, as if nothing had happened, while
 * the host records the process, moves it into its cgroups and mounts its /proc. {@linkcode releaseInPlace} then writes the tape: the trampoline takes on the
 * container's credentials with raw system calls and execs the command. Nothing of Deno ever
 * runs in the container or is charged to its cgroups, and the command's parent is the main
 * thread, whose end (mydocker's) kills it.
 *
 * Everything between leaving the host's namespaces and coming back is synchronous: no other
 * code of mydocker's runs on this thread meanwhile, and the runtime's other threads stay where
 * they are.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import type { CredentialStep, HoldStep } from "../spec/credential_steps.ts";
import { EXIT_TAPE_FAILED, startTrampoline, TrampolineFd } from "../spec/start_trampoline.ts";
import { type StartTape, startTape } from "../spec/start_tape.ts";
import { errnoDescription, errnoName } from "../../sys/errno.ts";
import { ExitCodeError } from "../../sys/exit_codes.ts";
import { close, OpenFlag, pipe, readAll, writeAll } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import type { SpawnAction, SpawnFile, SpawnOptions } from "../../sys/process.ts";
import type { SyscallArch } from "../../sys/syscall_numbers.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { createConsole } from "./console.ts";
import { applyCredentialSteps, planCredentials } from "./credentials.ts";
import { checkExecutable, commandFailure, resolveCommand } from "./exec_program.ts";
import {
  buildRoot,
  containerCredentials,
  containerNamespaces,
  finishContainer,
} from "./init_stage.ts";
import { joinNamespaces } from "./join_namespaces.ts";
import { joinNetwork } from "./network.ts";
import { applySysctls } from "./sysctl.ts";
import { closeOrigin, returnTo, saveOrigin } from "./thread_origin.ts";

/** Where the trampoline is written, in the container's /dev tmpfs; removed once it runs. */
export const TRAMPOLINE_PATH = "/dev/.mydocker-start";

/**
 * Descriptors the trampoline's descriptors are first copied to in its process, above any the
 * spawn may be given, so that copying them to 3, 4 and 5 clobbers none of them.
 */
const STAGING_FD = 100;

/**
 * A start held before the exec, for the OCI face's `create`: the trampoline outlives the
 * process that spawned it, takes `first` before its credential steps, then reports that it is
 * ready and waits on the exec fifo `fifoFd` (an O_PATH descriptor) until `start` reads it.
 */
export interface InPlaceHold {
  /** Steps taken first (clearing the parent-death signal, resource limits). */
  first: HoldStep[];
  /** The exec fifo, opened O_PATH, handed to the trampoline at {@linkcode EXEC_FIFO_FD}. */
  fifoFd: number;
  /**
   * Called on the thread in the container's namespaces just before it pivots into the root
   * (see `buildRoot`): the OCI `createContainer` hooks.
   */
  beforePivot?: () => void;
}

/** Where the trampoline of a held start finds its exec fifo. */
export const EXEC_FIFO_FD = 6;

/** How the command's process gets its stdio. */
export interface InPlaceStdio {
  /** The command's stdin when it has no terminal: mydocker's, or /dev/null. */
  stdin: "inherit" | "null";
  /** Whether the command leads a process group of its own (else it joins mydocker's). */
  newGroup: boolean;
  /** Descriptors of this process the command gets as its stdout and stderr, instead of ours. */
  output?: readonly [number, number];
  /** Hold the start before the exec (see {@linkcode InPlaceHold}). */
  hold?: InPlaceHold;
}

/** A trampoline spawned by {@linkcode spawnInPlace}, waiting for its tape. */
export interface SpawnedInPlace {
  /** Its host pid: PID 1 of the container. */
  pid: number;
  /** The command's path (for errors). */
  path: string;
  /** The tape that releases it. */
  tape: StartTape;
  /** The write end of the pipe its tape is read from. */
  tapeFd: number;
  /** The read end of its status pipe. */
  statusFd: number;
  /** The write end of its lifeline. */
  lifelineFd: number;
  /** Which of those three this process still holds. */
  held: Set<number>;
  /** Whether the start is held: released once the trampoline reports it is ready. */
  holds: boolean;
}

/**
 * The spawn options of the trampoline: its stdio, then the lifeline, tape and status pipe (and
 * a held start's exec fifo).
 */
function spawnOptions(
  stdio: InPlaceStdio,
  consolePath: string | undefined,
  fds: readonly number[],
): SpawnOptions {
  const { LIFELINE, TAPE, STATUS } = TrampolineFd;
  const trampolineFds: SpawnAction[] = [
    ...fds.map((from, i): SpawnAction => ({ op: "dup2", from, to: STAGING_FD + i })),
    ...[LIFELINE, TAPE, STATUS, EXEC_FIFO_FD].slice(0, fds.length).map((to, i): SpawnAction => ({
      op: "dup2",
      from: STAGING_FD + i,
      to,
    })),
  ];
  if (consolePath !== undefined) {
    // A session leader opening a terminal gets it as its controlling terminal.
    return {
      group: "new-session",
      files: [{ fd: 0, path: consolePath, flags: OpenFlag.RDWR }],
      actions: [{ op: "dup2", from: 0, to: 1 }, { op: "dup2", from: 0, to: 2 }, ...trampolineFds],
    };
  }
  const stdin: SpawnFile[] = stdio.stdin === "null"
    ? [{ fd: 0, path: "/dev/null", flags: OpenFlag.RDONLY }]
    : [];
  const output: SpawnAction[] = stdio.output === undefined ? [] : [
    { op: "dup2", from: stdio.output[0], to: 1 },
    { op: "dup2", from: stdio.output[1], to: 2 },
  ];
  return {
    group: stdio.newGroup ? "new-group" : "inherit",
    files: stdin,
    actions: [...output, ...trampolineFds],
  };
}

/** Whether a credential step changes a file's owner (made here) rather than the process. */
function isOwnership(step: CredentialStep): boolean {
  return step.op === "fchown" || step.op === "chown";
}

/** Opens the namespace at `path` (resolved in the host's mount namespace), if any. */
function openNamespace(path: string | undefined, opened: number[], sys: Sys): number | undefined {
  if (path === undefined) return undefined;
  const fd = sys.open(path, OpenFlag.RDONLY);
  opened.push(fd);
  return fd;
}

/**
 * Builds container `spec` from the calling thread and spawns its start trampoline, waiting for
 * its tape as PID 1 of the new PID namespace; the thread is back in the host's namespaces when
 * this returns or throws. On failure, nothing was spawned.
 *
 * @throws {ExitCodeError} with Docker's exit code: 125 when the container cannot be built, 126
 * or 127 when the command cannot be executed or found.
 */
export function spawnInPlace(
  spec: ContainerSpec,
  stdio: InPlaceStdio,
  sys: Sys = realSys,
): SpawnedInPlace {
  const trampoline = startTrampoline(Deno.build.arch);
  if (trampoline === undefined) {
    throw new Error(`no start trampoline for architecture "${Deno.build.arch}"`);
  }
  const namespaces = containerNamespaces(spec);
  const opened: number[] = [];
  const pipes = () => {
    const ends = pipe();
    opened.push(...ends);
    return ends;
  };
  const [lifeline, lifelineFd] = pipes();
  const [tapeRead, tapeFd] = pipes();
  const [statusFd, statusWrite] = pipes();
  const joinedFds: number[] = [];
  const origin = saveOrigin(namespaces, sys);
  let spawned: SpawnedInPlace | undefined;
  try {
    const mountNamespace = openNamespace(spec.joinMountNamespace, joinedFds, sys);
    const { pidNamespace: pid } = spec;
    const pidNamespace = openNamespace(
      typeof pid === "object" ? pid.join : undefined,
      joinedFds,
      sys,
    );
    // Entering a mount namespace needs a file system context of the thread's own.
    sys.unshare(
      mountNamespace === undefined ? namespaces : (namespaces & ~CloneFlag.NEWNS) | CloneFlag.FS,
    );
    try {
      joinNetwork(spec, sys);
      joinNamespaces(spec, sys);
      applySysctls(spec, sys);
      if (mountNamespace !== undefined) sys.setns(mountNamespace, CloneFlag.NEWNS);
      buildRoot(spec, "later", sys, stdio.hold?.beforePivot);
      sys.writeFile(TRAMPOLINE_PATH, trampoline, 0o700);
      const consolePath = spec.terminal && createConsole(spec.terminal.socketFd, true, sys);
      finishContainer(spec, sys);
      const plan = planCredentials(containerCredentials(spec, consolePath), sys);
      applyCredentialSteps(plan.steps.filter(isOwnership), sys);
      const { hold } = stdio;
      const credentialSteps = plan.steps.filter((step) => !isOwnership(step));
      const tape = startTape(
        hold === undefined ? credentialSteps : [
          ...hold.first,
          ...credentialSteps,
          { op: "report-ready" },
          { op: "wait-fifo", fd: EXEC_FIFO_FD },
        ],
        Deno.build.arch as SyscallArch,
        spec.init,
      );
      const args = spec.process.args;
      const path = resolveCommand(args[0] ?? "", plan.env, sys);
      checkExecutable(path, sys);
      const fds = [lifeline, tapeRead, statusWrite];
      if (hold !== undefined) fds.push(hold.fifoFd);
      const options = spawnOptions(stdio, consolePath, fds);
      if (pidNamespace !== undefined) sys.setns(pidNamespace, CloneFlag.NEWPID);
      else if (pid !== "host") sys.unshare(CloneFlag.NEWPID);
      try {
        const pid = sys.spawn(TRAMPOLINE_PATH, [path, ...args], plan.env, options);
        const held = new Set([tapeFd, statusFd, lifelineFd]);
        spawned = {
          pid,
          path,
          tape,
          tapeFd,
          statusFd,
          lifelineFd,
          held,
          holds: hold !== undefined,
        };
      } finally {
        sys.setns(origin.pidNamespace, CloneFlag.NEWPID);
      }
    } finally {
      returnTo(origin, sys);
    }
  } finally {
    closeOrigin(origin, sys);
    const kept = spawned === undefined ? [] : [tapeFd, statusFd, lifelineFd];
    for (const fd of opened) if (!kept.includes(fd)) close(fd);
    for (const fd of joinedFds) sys.close(fd);
  }
  return spawned;
}

/** Closes the descriptors of `spawned` this process still holds. */
export function closeSpawned(spawned: SpawnedInPlace): void {
  for (const fd of spawned.held) close(fd);
  spawned.held.clear();
}

/** Closes descriptor `fd` of `spawned`. */
function closeHeld(spawned: SpawnedInPlace, fd: number): void {
  if (spawned.held.delete(fd)) close(fd);
}

/**
 * Releases a trampoline spawned by {@linkcode spawnInPlace}: writes its tape and waits until it
 * has exec'd the command (its status pipe reaches its end), or, for a held start, reported that
 * it waits on its exec fifo; or until it reported a failure, which this throws. Closes the
 * descriptors of `spawned` either way.
 *
 * @throws {ExitCodeError} 125 when a step of the tape failed; 126 or 127 when the command could
 * not be executed or found.
 */
export function releaseInPlace(spawned: SpawnedInPlace): void {
  let report: Uint8Array<ArrayBuffer>;
  try {
    writeAll(spawned.tapeFd, spawned.tape.bytes);
    closeHeld(spawned, spawned.tapeFd);
    report = readAll(spawned.statusFd, spawned.holds ? 8 : Infinity);
  } finally {
    closeSpawned(spawned);
  }
  if (report.length < 8) {
    if (!spawned.holds) return; // Exec'd (or killed before it could say otherwise).
    throw new ExitCodeError("Cannot create container: its process died before it was ready");
  }
  const view = new DataView(report.buffer);
  const index = view.getUint32(0, true);
  const errno = view.getUint32(4, true);
  if (errno === 0 && spawned.holds) return; // Ready, waiting on its exec fifo.
  const call = spawned.tape.calls[index];
  if (call !== undefined) {
    throw new ExitCodeError(
      `Cannot start container: ${call}: ${errnoName(errno)} (${errnoDescription(errno)})`,
      EXIT_TAPE_FAILED,
    );
  }
  throw commandFailure(spawned.path, errno);
}
