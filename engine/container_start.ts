/**
 * `start` and `restart` as dockerd does them: a stopped (or created) container is handed to a new
 * monitor, which starts it with the record it was made with, its writable layer as it was left,
 * and its log carried on; `restart` stops it first. `start -a` follows what it writes from then
 * on and ends with it.
 *
 * @module
 */

import { removeOrphanedCgroups } from "../runtime/cgroups/mod.ts";
import { startMonitor } from "../runtime/host/detach.ts";
import { readLog } from "../runtime/host/json_log_reader.ts";
import { followLog } from "../runtime/host/json_log_reader.ts";
import type { LogEntry } from "../runtime/host/json_log.ts";
import { sweepStale } from "../runtime/host/run_container.ts";
import { readState } from "../runtime/state/container_state.ts";
import { findContainer, killOrphanedProcess } from "../runtime/state/containers.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../sys/exit_codes.ts";
import { stopContainer, type StopOptions } from "./container_lifecycle.ts";

/** A started container: its output from now on, when attached, and then its exit code. */
export interface StartedContainer {
  /** What it writes from its start on, until it has ended (empty unless attached). */
  output: AsyncGenerator<LogEntry>;
  /** Its exit code once it has ended (attached), or 0. */
  exitCode: () => number;
}

/**
 * `start`: starts the container `reference` names under a new monitor unless it runs already;
 * with `attach`, its output is followed until it ends; with `stdin`, it reads mydocker's stdin.
 *
 * @throws {ExitCodeError} (125) when no container has that name, or (with the monitor's reason
 * and the container's exit code) when its command cannot be started.
 */
export async function startStoppedContainer(
  root: string,
  reference: string,
  options: { attach: boolean; stdin: boolean },
): Promise<StartedContainer> {
  sweepStale(root);
  const container = findContainer(root, reference);
  const { dir, record } = container;
  const { position } = readLog(dir.jsonLog, 1);
  const ended = () => ["exited", "unknown"].includes(readState(dir.path).status);
  if (ended()) {
    killOrphanedProcess(container.state);
    removeOrphanedCgroups(record.id);
    const { state, message } = await startMonitor(dir, record, options.stdin);
    if (state.status === "exited" && (state.exitCode ?? 0) >= EXIT_MYDOCKER_FAILED) {
      throw new ExitCodeError(
        (message ?? `Cannot start container ${reference}`).replace(/^mydocker: /, ""),
        state.exitCode,
      );
    }
  }
  if (!options.attach) return { output: (async function* () {})(), exitCode: () => 0 };
  return {
    output: followLog(dir.jsonLog, position, ended),
    exitCode: () => readState(dir.path).exitCode ?? EXIT_MYDOCKER_FAILED,
  };
}

/**
 * `restart`: stops the container as `stop` does with `options` and starts it again.
 *
 * @throws {ExitCodeError} (125) when no container has that name or it cannot be started.
 */
export async function restartContainer(
  root: string,
  reference: string,
  options: StopOptions,
): Promise<void> {
  await stopContainer(root, reference, options);
  await startStoppedContainer(root, reference, { attach: false, stdin: false });
}
