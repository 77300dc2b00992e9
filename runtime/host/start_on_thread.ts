/**
 * Starting a container from a thread of mydocker's own, host side: the start thread
 * (`runtime/stage/start_thread.ts`, a Deno Worker) builds the container and spawns its command,
 * which waits at a gate as the first process of the new PID namespace; meanwhile this side
 * records the process, moves it into its cgroups, mounts its /proc from outside, and opens the
 * gate. Costs one Deno start in all, and the thread's start overlaps the host's own work when
 * {@linkcode prestartThread} is called early.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import type { CommandStdin, StartReport, StartRequest } from "../spec/start_messages.ts";
import { mountProcFromOutside } from "../stage/proc_from_outside.ts";
import { Errno } from "../../sys/errno.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../../sys/exit_codes.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { close, open, OpenFlag, pipe } from "../../sys/fs.ts";
import { type ExitStatus, kill, waitpid } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";

/** The `go` word's values: the thread may spawn the command, or must give up. */
const GO = 1;
const ABANDONED = 2;

/** How long the start may take before it is given up as hung. */
const START_TIMEOUT_MS = 30_000;

let prestarted: Worker | undefined;

function newThread(): Worker {
  return new Worker(new URL("../stage/start_thread.ts", import.meta.url), { type: "module" });
}

/**
 * Starts the start thread now (it takes 40 ms or so to load), for the next
 * {@linkcode startOnThread} of this process to use.
 */
export function prestartThread(): void {
  prestarted ??= newThread();
}

/** The reports of a start thread, one at a time, in order. */
class Reports {
  readonly #queue: StartReport[] = [];
  #wake: (() => void) | undefined;
  #error: string | undefined;

  constructor(thread: Worker) {
    thread.onmessage = (event: MessageEvent<StartReport>) => {
      this.#queue.push(event.data);
      this.#wake?.();
    };
    thread.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#error = event.message;
      this.#wake?.();
    };
  }

  /** Whether a report is waiting. */
  get pending(): boolean {
    return this.#queue.length > 0 || this.#error !== undefined;
  }

  /** The next report; throws when the thread failed or `timeoutMs` passed. */
  async next(timeoutMs = START_TIMEOUT_MS): Promise<StartReport> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length === 0) {
      if (this.#error !== undefined) {
        throw new ExitCodeError(`Cannot start container: ${this.#error}`);
      }
      if (Date.now() > deadline) throw new ExitCodeError("Cannot start container: it hung");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (Number.isFinite(deadline)) timer = setTimeout(resolve, deadline - Date.now());
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.#queue.shift()!;
  }
}

/** Throws the failure a report carries; returns the report otherwise. */
function expect<K extends StartReport["kind"]>(
  report: StartReport,
  kind: K,
): Extract<StartReport, { kind: K }> {
  if (report.kind === "failed") throw new ExitCodeError(report.message, report.exitCode);
  if (report.kind !== kind) {
    throw new ExitCodeError(`Cannot start container: expected "${kind}", got "${report.kind}"`);
  }
  return report as Extract<StartReport, { kind: K }>;
}

/** The process the thread `tid` spawned: the first child it has; waits for it to appear. */
async function childOf(tid: number, reports: Reports): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const children = Deno.readTextFileSync(`/proc/self/task/${tid}/children`).trim();
    if (children !== "") return Number(children.split(" ")[0]);
    if (reports.pending) expect(await reports.next(), "started"); // Throws its failure.
    if (Date.now() > deadline) throw new ExitCodeError("Cannot start container: it hung");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Opens the gate of process `pid` (a FIFO at `gate` inside its root, which the process is
 * opening for reading): opening its other end lets the process go on to exec the command.
 */
async function openGate(pid: number, gate: string): Promise<void> {
  const path = `/proc/${pid}/root${gate}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      close(open(path, OpenFlag.WRONLY | OpenFlag.NONBLOCK));
      break;
    } catch (error) {
      // ENXIO: the process has not reached the gate yet.
      if (!(error instanceof SyscallError && error.errno === Errno.ENXIO)) throw error;
      if (Date.now() > deadline) throw new ExitCodeError("Cannot start container: it hung");
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  try {
    Deno.removeSync(path);
  } catch (error) {
    // A command that has already ended took its root, and the gate, with it.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** What {@linkcode startOnThread} needs besides the spec. */
export interface ThreadStartOptions {
  /** The command's stdin when it has no terminal. */
  stdin: CommandStdin;
  /** Whether the command leads a process group of its own (else it joins mydocker's). */
  newGroup: boolean;
  /** Descriptors the command gets as its stdout and stderr, instead of mydocker's. */
  output?: readonly [number, number];
  /**
   * Called with the container's mount namespace (`mnt:[inode]`) before its first process exists:
   * record it, so that a sweep can find that process should mydocker die before it knows its pid.
   */
  ready(mountNamespace: string): void;
  /**
   * Called with the command's host pid as soon as its process exists, before it runs anything:
   * record it, and move it into the container's cgroups.
   */
  spawned(pid: number): void;
}

/** A container started on a thread: its command's host pid, and how the command ends. */
export interface ThreadStarted {
  /** The command's host pid (PID 1 of the container). */
  pid: number;
  /** Resolves with how the command ended, once it has (the thread reaps it). */
  exited: Promise<ExitStatus>;
}

/**
 * Builds container `spec` on a start thread and starts its command there; returns once the
 * command has been exec'd. On failure, kills and reaps what was started.
 *
 * @throws {ExitCodeError} with Docker's exit code: 125 when the container cannot be built, 126
 * or 127 when the command cannot be executed or found.
 */
export async function startOnThread(
  spec: ContainerSpec,
  options: ThreadStartOptions,
): Promise<ThreadStarted> {
  const thread = prestarted ?? newThread();
  prestarted = undefined;
  const reports = new Reports(thread);
  const [lifeline, lifelineHeld] = pipe();
  let pid: number | undefined;
  const go = new Int32Array(new SharedArrayBuffer(4));
  try {
    const request: StartRequest = {
      spec,
      stdin: options.stdin,
      newGroup: options.newGroup,
      ...(options.output === undefined ? {} : { output: options.output }),
      lifeline,
      go: go.buffer as SharedArrayBuffer,
    };
    thread.postMessage(request);
    const ready = expect(await reports.next(), "ready");
    options.ready(Deno.readLinkSync(`/proc/self/task/${ready.tid}/ns/mnt`));
    Atomics.store(go, 0, GO);
    Atomics.notify(go, 0);
    pid = await childOf(ready.tid, reports);
    options.spawned(pid);
    mountProcFromOutside(pid, spec);
    await openGate(pid, ready.gate);
    expect(await reports.next(), "started");
  } catch (error) {
    Atomics.store(go, 0, ABANDONED);
    Atomics.notify(go, 0);
    if (pid !== undefined) {
      kill(pid, SIGNALS.KILL);
      await waitpid(pid).catch(() => undefined); // The thread may have reaped it.
    }
    thread.terminate();
    close(lifelineHeld);
    if (error instanceof ExitCodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ExitCodeError(`Cannot start container: ${message}`, EXIT_MYDOCKER_FAILED, {
      cause: error,
    });
  } finally {
    close(lifeline);
  }
  const exited = reports.next(Infinity).then((report) => {
    const ended = expect(report, "exited");
    return (ended.signal === undefined
      ? { code: ended.code ?? EXIT_MYDOCKER_FAILED }
      : { signal: ended.signal }) as ExitStatus;
  }).finally(() => {
    thread.terminate();
    close(lifelineHeld);
  });
  return { pid, exited };
}
