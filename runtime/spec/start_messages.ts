/**
 * What the host and a container's start thread (`runtime/stage/start_thread.ts`, a Deno Worker)
 * say to each other: the plan goes down once; `ready`, then `started` or `failed`, come back.
 * Plain data, so that both sides agree on it without importing each other.
 *
 * @module
 */

import type { ContainerSpec } from "./container_spec.ts";

/** Where the command's stdin comes from when it has no terminal. */
export type CommandStdin = "inherit" | "null";

/** The plan the host sends the start thread. */
export interface StartRequest {
  /** The container to build and the command to start in it. */
  spec: ContainerSpec;
  /** The command's stdin when it has no terminal. */
  stdin: CommandStdin;
  /** Whether the command leads a process group of its own (else it joins mydocker's). */
  newGroup: boolean;
  /** Descriptors of this process the command gets as its stdout and stderr, instead of ours. */
  output?: readonly [number, number];
  /**
   * The read end of the lifeline, a pipe whose write end only mydocker holds: the command's
   * process gets it at descriptor 3 and exits if it has hung up (see `death_trampoline.ts`).
   */
  lifeline: number;
  /**
   * One 32-bit word the thread waits on after `ready`, until the host sets it to 1 and notifies:
   * the host records the container's mount namespace before its first process exists.
   */
  go: SharedArrayBuffer;
}

/** What the start thread reports. */
export type StartReport =
  /**
   * The root is built and the command's process is being spawned; it waits, as the first process
   * of the new PID namespace, at the gate (a FIFO at `gate`, a path inside the root) until the
   * host has mounted its /proc and moved it into its cgroups. `tid` is the thread's id, whose
   * `/proc/self/task/<tid>/children` names the process.
   */
  | { kind: "ready"; tid: number; gate: string }
  /** The command was exec'd. */
  | { kind: "started" }
  /**
   * The command ended: `code` is its exit code, or `signal` the signal that ended it. The thread
   * that started it stays until then, because the command's parent-death signal is tied to it.
   */
  | { kind: "exited"; code?: number; signal?: number }
  /** Building the container or starting the command failed: Docker's exit code and why. */
  | { kind: "failed"; exitCode: number; message: string };
