/**
 * A container's life after `run`, as dockerd decides it: which signal `stop` sends and when it
 * gives up waiting, what `kill` may signal, what `wait` waits for, what `rm` refuses and what it
 * removes (the container's cgroups and anything its killed monitor left in them, then its
 * directory). Containers are named by name, full id or unique id prefix.
 *
 * @module
 */

import { removeOrphanedCgroups } from "../runtime/cgroups/mod.ts";
import { removeContainerDir } from "../runtime/state/container_dir.ts";
import { removeAnonymousVolumes } from "../runtime/state/volume_store.ts";
import { releaseName } from "../runtime/state/container_names.ts";
import { type ContainerState, readState } from "../runtime/state/container_state.ts";
import { requestStop } from "../runtime/state/stop_request.ts";
import {
  findContainer,
  killOrphanedProcess,
  type StoredContainer,
} from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { kill } from "../sys/process.ts";
import { isAlive } from "../sys/process_identity.ts";
import { signalNumber, SIGNALS } from "../sys/signals.ts";

/** How often a waiter looks at a container's state. */
const POLL_MS = 20;

/** Docker's stop timeout, in seconds, for a container run without `--stop-timeout`. */
export const DEFAULT_STOP_TIMEOUT = 10;

/** How `stop` (and `restart`) was asked to stop a container. */
export interface StopOptions {
  /** `-t`: seconds before SIGKILL (negative: wait forever); the container's own when undefined. */
  seconds: number | undefined;
  /** `-s`: the first signal; the container's stop signal when undefined. */
  signal: string | undefined;
}

/**
 * Parses a signal given as `SIGTERM`, `TERM`, `SIGRTMIN+3` or `15`; throws an ExitCodeError for
 * others.
 */
export function parseSignal(value: string): number {
  const number = signalNumber(value);
  if (number === undefined) throw new ExitCodeError(`Invalid signal: ${value}`);
  return number;
}

/** Whether a container in `state` may still run: created, running or restarting. */
function mayRun(state: ContainerState): boolean {
  return ["created", "running", "restarting"].includes(state.status);
}

/** How long `wait` waits, once a container has ended, for its monitor to end too. */
const MONITOR_END_MS = 2000;

/**
 * Waits until the container has ended (exited, or its state unreadable), polling its state;
 * false when `ms` ran out first.
 */
async function exited(container: StoredContainer, ms = Infinity): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (mayRun(readState(container.dir.path))) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

function signalContainer(container: StoredContainer, signal: number): void {
  const { state, record } = container;
  if (state.status !== "running" || state.pid === undefined || !kill(state.pid, signal)) {
    throw new ExitCodeError(`Cannot kill container ${record.name}: it is not running`);
  }
}

/**
 * Ends a container with SIGKILL whatever its restart policy: its monitor is asked not to restart
 * it, and whatever run it started meanwhile is killed too.
 */
async function killForGood(container: StoredContainer): Promise<void> {
  requestStop(container.dir.path);
  for (let state; mayRun(state = readState(container.dir.path));) {
    if (state.status === "running" && state.pid !== undefined) kill(state.pid, SIGNALS.KILL);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * `stop`: sends `-s` or the container's stop signal, then SIGKILL after `-t` or the container's
 * stop timeout (a negative one: never); a container that does not run is left as it is.
 *
 * @throws {ExitCodeError} (125) when no container has that name, or the signal is not one.
 */
export async function stopContainer(
  root: string,
  reference: string,
  options: StopOptions,
): Promise<void> {
  const container = findContainer(root, reference);
  const signal = parseSignal(options.signal ?? container.record.stopSignal);
  if (!mayRun(container.state)) return;
  requestStop(container.dir.path); // Its monitor does not restart it.
  const { pid } = container.state;
  if (container.state.status === "running" && pid !== undefined) {
    kill(pid, signal);
    const seconds = options.seconds ?? container.record.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
    if (await exited(container, seconds < 0 ? Infinity : seconds * 1000)) return;
  }
  await killForGood(container);
}

/**
 * `kill`: sends `signal` to the container's PID 1.
 *
 * @throws {ExitCodeError} (125) when no container has that name or it is not running.
 */
export function killContainer(root: string, reference: string, signal: number): void {
  signalContainer(findContainer(root, reference), signal);
}

/**
 * `wait`: waits until the container has ended and returns its exit code.
 *
 * @throws {ExitCodeError} (125) when no container has that name or its state cannot be read.
 */
export async function waitContainer(root: string, reference: string): Promise<number> {
  const container = findContainer(root, reference);
  await exited(container);
  // As dockerd, once its output is all in its log: its monitor, which writes the log, has ended
  // too (right after it; a monitor that hangs on holds `wait` a while at most).
  const deadline = Date.now() + MONITOR_END_MS;
  while (isAlive(readState(container.dir.path).monitor) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const { exitCode } = readState(container.dir.path);
  if (exitCode === undefined) {
    throw new ExitCodeError(`Cannot wait for container ${reference}: its state cannot be read`);
  }
  return exitCode;
}

/**
 * `rm`: removes a container that does not run (one that runs only with `force`, after SIGKILL),
 * with its cgroups and anything left in them when its monitor was killed, and with `volumes` its
 * anonymous volumes that no other container uses.
 *
 * @throws {ExitCodeError} (125) when no container has that name, or it runs without `force`.
 */
export async function removeContainer(
  root: string,
  reference: string,
  force: boolean,
  volumes = false,
): Promise<void> {
  const container = findContainer(root, reference);
  const { status } = container.state;
  if (status === "running" || status === "restarting") {
    if (!force) {
      throw new ExitCodeError(
        `Cannot remove container ${reference}: it is ${status}; stop it first or use rm -f`,
      );
    }
    await killForGood(container);
  }
  killOrphanedProcess(container.state);
  removeOrphanedCgroups(container.record.id);
  removeContainerDir(container.dir);
  if (volumes) removeAnonymousVolumes(root, container.record.id, container.record.config.volumes);
  releaseName(root, container.record.name, container.record.id);
}
