/**
 * A container's start on a thread of mydocker's own (a Deno Worker), where the kernel keeps the
 * state it changes to the thread: the thread unshares the mount, UTS, IPC, network and PID
 * namespaces for itself, builds the root and pivots into it, takes on the container's user,
 * capabilities, no_new_privs and seccomp filter with per-thread system calls, and posix_spawns
 * the command, which becomes PID 1 of the new PID namespace and inherits all of it. The command's
 * process first waits at a gate (a FIFO it opens in a spawn file action) so that the host can
 * mount its /proc (the PID namespace exists only once its first process does) and move it into
 * its cgroups before it execs: no Deno process ever runs in the container or is charged to it.
 * It execs the death trampoline first (`runtime/spec/death_trampoline.ts`), which gives it
 * SIGKILL as its parent-death signal: the thread stays, waiting for the command, until it ends,
 * so the container dies with mydocker however mydocker dies.
 *
 * @module
 */

import type { StartReport, StartRequest } from "../spec/start_messages.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../../sys/exit_codes.ts";
import { deathTrampoline } from "../spec/death_trampoline.ts";
import { memoryFile, OpenFlag } from "../../sys/fs.ts";
import { CloneFlag, gettid } from "../../sys/namespaces.ts";
import {
  spawn,
  type SpawnAction,
  type SpawnFile,
  type SpawnOptions,
  waitForChild,
} from "../../sys/process.ts";
import { realSys } from "../../sys/sys.ts";
import { createConsole } from "./console.ts";
import { joinNetwork } from "./network.ts";
import { seccompFilter } from "./seccomp.ts";
import { DEFAULT_CAPABILITIES } from "../spec/capabilities.ts";
import { checkExecutable, resolveCommand } from "./exec_program.ts";
import {
  buildRoot,
  containerNamespaces,
  finishContainer,
  takeOnContainerCredentials,
} from "./init_stage.ts";

/** The gate, inside the container's root: a FIFO on its /dev tmpfs, removed once released. */
const GATE = "/dev/.mydocker-start";
/**
 * The descriptor the gate is opened at in the command's process (then closed), and where the
 * lifeline goes next, for the trampoline.
 */
const GATE_FD = 3;
const LIFELINE_FD = 3;
/** The value of the `go` word that lets the thread spawn the command (any other stops it). */
const GO = 1;

declare const self: {
  onmessage: ((event: MessageEvent<StartRequest>) => void) | null;
  postMessage(report: StartReport): void;
};

/** The spawn options of the command: the gate first, then the lifeline and its stdio. */
function spawnOptions(request: StartRequest, consolePath: string | undefined): SpawnOptions {
  const gate: SpawnFile = { fd: GATE_FD, path: GATE, flags: OpenFlag.RDONLY };
  const lifeline: SpawnAction[] = [
    { op: "close", fd: GATE_FD },
    { op: "dup2", from: request.lifeline, to: LIFELINE_FD },
  ];
  const output: SpawnAction[] = request.output === undefined ? [] : [
    { op: "dup2", from: request.output[0], to: 1 },
    { op: "dup2", from: request.output[1], to: 2 },
  ];
  if (consolePath !== undefined) {
    // A session leader opening a terminal gets it as its controlling terminal.
    return {
      group: "new-session",
      files: [gate, { fd: 0, path: consolePath, flags: OpenFlag.RDWR }],
      actions: [...lifeline, { op: "dup2", from: 0, to: 1 }, { op: "dup2", from: 0, to: 2 }],
    };
  }
  const stdin: SpawnFile[] = request.stdin === "null"
    ? [{ fd: 0, path: "/dev/null", flags: OpenFlag.RDONLY }]
    : [];
  return {
    group: request.newGroup ? "new-group" : "inherit",
    files: [gate, ...stdin],
    actions: [...lifeline, ...output],
  };
}

/** Builds the container and starts its command, reporting each step to the host. */
function start(request: StartRequest): void {
  const { spec } = request;
  const sys = realSys;
  const trampolineCode = deathTrampoline(Deno.build.arch);
  if (trampolineCode === undefined) {
    throw new Error(`no death trampoline for architecture "${Deno.build.arch}"`);
  }
  const trampoline = memoryFile("mydocker-start", trampolineCode);
  sys.unshare(containerNamespaces(spec) | CloneFlag.NEWPID);
  joinNetwork(spec, sys);
  buildRoot(spec, "later", sys);
  sys.mkfifo(GATE, 0o600);
  // The command's process opens the gate as the container's user: nothing else runs there yet.
  sys.chmod(GATE, 0o666);
  const consolePath = spec.terminal && createConsole(spec.terminal.socketFd, true, sys);
  finishContainer(spec, sys);
  const env = takeOnContainerCredentials(spec, consolePath, sys);
  const args = spec.process.args;
  const path = resolveCommand(args[0] ?? "", env, sys);
  checkExecutable(path, sys);
  self.postMessage({ kind: "ready", tid: gettid(), gate: GATE });
  const go = new Int32Array(request.go);
  Atomics.wait(go, 0, 0);
  if (Atomics.load(go, 0) !== GO) throw new Error("the start was abandoned");
  // The trampoline is exec'd by its descriptor's path in the container's /proc, mounted by then.
  const pid = spawn(
    `/proc/self/fd/${trampoline}`,
    [path, ...args],
    env,
    spawnOptions(request, consolePath),
  );
  sys.close(trampoline);
  self.postMessage({ kind: "started" });
  self.postMessage({ kind: "exited", ...waitForChild(pid) });
}

// What most containers need, made while the host prepares the plan.
seccompFilter(DEFAULT_CAPABILITIES);

self.onmessage = (event) => {
  try {
    start(event.data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const exitCode = error instanceof ExitCodeError ? error.exitCode : EXIT_MYDOCKER_FAILED;
    self.postMessage({
      kind: "failed",
      exitCode,
      message: error instanceof ExitCodeError ? message : `Cannot start container: ${message}`,
    });
  }
};
