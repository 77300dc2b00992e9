/**
 * One container's records on disk: `config.json` (what it is, written once) and `state.json`
 * (where it is in its life, rewritten atomically), both in the container's directory. Readers
 * tolerate a state file that is missing or damaged (a disk that filled up): it reads as "unknown".
 *
 * @module
 */

import type { ContainerConfig } from "../spec/container_config.ts";
import type { RestartPolicy } from "../spec/restart_policy.ts";
import { RECORD_FILE, STATE_FILE } from "./container_dir.ts";
import { EXIT_KILLED, ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import { pathExists } from "../../sys/path_exists.ts";
import { isAlive } from "../../sys/process_identity.ts";

/** What a container is: written when it is created. */
export interface ContainerRecord {
  id: string;
  name: string;
  /** The image as the user named it (or the --rootfs directory). */
  image: string;
  /** The image's id (config digest), which `rmi` checks; absent for `--rootfs`. */
  imageId?: string;
  /** When it was created (ISO 8601). */
  created: string;
  /** Remove everything when it exits (`--rm`). */
  remove: boolean;
  /** Runs in the background (`-d`): stdout and stderr go to log files. */
  detached: boolean;
  /** The signal `stop` sends first (the image's StopSignal, else SIGTERM). */
  stopSignal: string;
  /** Seconds `stop` waits before SIGKILL (`--stop-timeout`; negative: forever); absent: 10. */
  stopTimeout?: number;
  /** When its monitor starts it again (`--restart`); absent: never. */
  restartPolicy?: RestartPolicy;
  /** The caps of its json-file log (`--log-opt max-size=…`, `max-file=…`); absent: defaults. */
  logLimits?: { maxSize: number; maxFiles: number };
  /** Everything needed to start it. */
  config: ContainerConfig;
}

/**
 * Where a container is in its life; "unknown" when its state file cannot be read, "restarting"
 * while its monitor waits to start it again.
 */
export interface ContainerState {
  status: "created" | "running" | "restarting" | "exited" | "unknown";
  /** The process that started the container and waits for it (`pid start-time`). */
  monitor: string;
  /** Host pid of the container's PID 1, while running. */
  pid?: number;
  /**
   * The container's first process (`pid start-time`), recorded as soon as it exists, before it
   * runs anything: what a sweep kills when its monitor has died.
   */
  process?: string;
  /**
   * The container's mount namespace (`mnt:[inode]`) and the system's uptime in clock ticks when
   * it was made, recorded before its first process exists: how a sweep finds that process when
   * its monitor died before recording it.
   */
  mountNamespace?: { name: string; since: number };
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** How many times its monitor has started it again (`--restart`). */
  restartCount?: number;
}

/**
 * Writes `value` as JSON to `path` atomically: into a temporary file beside it (synced to disk
 * when `durable`), then renamed over `path`. On failure the temporary file is removed and `path`
 * is unchanged. A rename alone is atomic against any process's death; the sync only matters for
 * a power loss, so it is kept for what must outlive one (a kept container's record and its final
 * state): a start of a `--rm` container syncs nothing, which on a real disk saved 15–20 ms.
 *
 * @throws {ExitCodeError} (125): `Cannot write "…/state.json": no space left on device`.
 */
function writeAtomically(path: string, value: unknown, durable: boolean): void {
  const temporary = `${path}.${Deno.pid}.tmp`;
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    {
      using file = Deno.openSync(temporary, { write: true, create: true, truncate: true });
      for (let written = 0; written < bytes.length;) {
        written += file.writeSync(bytes.subarray(written));
      }
      if (durable) file.syncSync();
    }
    Deno.renameSync(temporary, path);
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
    throw new ExitCodeError(`Cannot write "${path}": ${fsErrorReason(error)}`, undefined, {
      cause: error,
    });
  }
}

/**
 * Writes a container's record into its directory, synced to disk unless the container is removed
 * when it ends (`--rm`); throws an ExitCodeError when it cannot.
 */
export function writeRecord(dir: string, record: ContainerRecord): void {
  writeAtomically(`${dir}/${RECORD_FILE}`, record, !record.remove);
}

/** Reads a container's record from its directory. */
export function readRecord(dir: string): ContainerRecord {
  return JSON.parse(Deno.readTextFileSync(`${dir}/${RECORD_FILE}`)) as ContainerRecord;
}

/**
 * Writes a container's state into its directory; throws an ExitCodeError when it cannot. Only a
 * `durable` state is synced to disk: the final state of a kept container. A running container's
 * state means nothing after a power loss (its processes are gone with it, and a sweep records a
 * container whose monitor is dead as exited).
 */
export function writeState(dir: string, state: ContainerState, durable = false): void {
  writeAtomically(`${dir}/${STATE_FILE}`, state, durable);
}

/**
 * Reads a container's state as stored, whether or not its monitor is still alive. Throws
 * Deno.errors.NotFound when the container directory is gone; a state file that is missing, empty
 * or not JSON reads as "unknown".
 */
export function readStoredState(dir: string): ContainerState {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/${STATE_FILE}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && !pathExists(dir)) throw error;
    return UNKNOWN_STATE;
  }
  try {
    return JSON.parse(text) as ContainerState;
  } catch {
    return UNKNOWN_STATE;
  }
}

const UNKNOWN_STATE: ContainerState = { status: "unknown", monitor: "" };

/**
 * Reads a container's state. A container whose monitor died while it ran (mydocker killed with
 * SIGKILL, which kills the container too) reads as exited with code 137.
 */
export function readState(dir: string): ContainerState {
  const state = readStoredState(dir);
  const live = ["created", "running", "restarting"].includes(state.status);
  if (live && !isAlive(state.monitor)) {
    return { ...state, status: "exited", exitCode: state.exitCode ?? EXIT_KILLED };
  }
  return state;
}
