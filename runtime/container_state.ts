/**
 * One container's records on disk: `config.json` (what it is, written once) and `state.json`
 * (where it is in its life, rewritten atomically), both in the container's directory.
 *
 * @module
 */

import type { ContainerConfig } from "./run_container.ts";
import { isAlive } from "./process_identity.ts";

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
  /** Everything needed to start it. */
  config: ContainerConfig;
}

/** Where a container is in its life. */
export interface ContainerState {
  status: "created" | "running" | "exited";
  /** The process that started the container and waits for it (`pid start-time`). */
  monitor: string;
  /** Host pid of the container's PID 1, while running. */
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
}

function writeAtomically(path: string, value: unknown): void {
  const temporary = `${path}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(temporary, JSON.stringify(value));
  Deno.renameSync(temporary, path);
}

/** Writes a container's record into its directory. */
export function writeRecord(dir: string, record: ContainerRecord): void {
  writeAtomically(`${dir}/config.json`, record);
}

/** Reads a container's record from its directory. */
export function readRecord(dir: string): ContainerRecord {
  return JSON.parse(Deno.readTextFileSync(`${dir}/config.json`)) as ContainerRecord;
}

/** Writes a container's state into its directory. */
export function writeState(dir: string, state: ContainerState): void {
  writeAtomically(`${dir}/state.json`, state);
}

/** Reads a container's state as stored, whether or not its monitor is still alive. */
export function readStoredState(dir: string): ContainerState {
  return JSON.parse(Deno.readTextFileSync(`${dir}/state.json`)) as ContainerState;
}

/**
 * Reads a container's state. A container whose monitor died while it ran (mydocker killed with
 * SIGKILL, which kills the container too) reads as exited with code 137.
 */
export function readState(dir: string): ContainerState {
  const state = readStoredState(dir);
  if (state.status !== "exited" && !isAlive(state.monitor)) {
    return { ...state, status: "exited", exitCode: state.exitCode ?? 137 };
  }
  return state;
}
