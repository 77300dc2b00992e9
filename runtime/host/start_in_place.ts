/**
 * Starting a container from mydocker's main thread, host side: the thread builds the container
 * and spawns its start trampoline (`runtime/stage/spawn_in_place.ts`), which waits for its tape
 * as the first process of the new PID namespace; this side then records the process, moves it
 * into its cgroups, mounts its /proc from outside and writes the tape, which takes on the
 * container's credentials and execs the command. One Deno start in all.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { mountProcFromOutside } from "../stage/proc_from_outside.ts";
import {
  closeSpawned,
  type InPlaceStdio,
  releaseInPlace,
  spawnInPlace,
  TRAMPOLINE_PATH,
} from "../stage/spawn_in_place.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../../sys/exit_codes.ts";
import { type ExitStatus, kill, waitpid } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";

/** What {@linkcode startInPlace} needs besides the spec. */
export interface InPlaceStartOptions extends InPlaceStdio {
  /**
   * Called with the command's host pid as soon as its process exists, before it runs anything
   * of the image's: record it, and move it into the container's cgroups.
   */
  spawned(pid: number): void;
}

/** A started container: its command's host pid, and how the command ends. */
export interface StartedInPlace {
  /** The command's host pid (PID 1 of the container). */
  pid: number;
  /** Resolves with how the command ended, once it has (reaped by this process). */
  exited: Promise<ExitStatus>;
}

/**
 * Builds container `spec` and starts its command from this thread; returns once the command has
 * been exec'd. On failure, kills and reaps what was started.
 *
 * @throws {ExitCodeError} with Docker's exit code: 125 when the container cannot be built, 126
 * or 127 when the command cannot be executed or found.
 */
export async function startInPlace(
  spec: ContainerSpec,
  options: InPlaceStartOptions,
): Promise<StartedInPlace> {
  const spawned = spawnInPlace(spec, options);
  const { pid } = spawned;
  const exited = waitpid(pid);
  try {
    options.spawned(pid);
    mountProcFromOutside(pid, spec);
    Deno.removeSync(`/proc/${pid}/root${TRAMPOLINE_PATH}`);
    releaseInPlace(spawned);
  } catch (error) {
    closeSpawned(spawned);
    kill(pid, SIGNALS.KILL);
    await exited.catch(() => undefined);
    if (error instanceof ExitCodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ExitCodeError(`Cannot start container: ${message}`, EXIT_MYDOCKER_FAILED, {
      cause: error,
    });
  }
  return { pid, exited };
}
