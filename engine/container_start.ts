/**
 * `start` and `restart` as dockerd does them: a stopped (or created) container is handed to a new
 * monitor, which starts it with the record it was made with, its writable layer as it was left,
 * and its log carried on; `restart` stops it first.
 *
 * @module
 */

import { removeOrphanedCgroups } from "../runtime/cgroups/mod.ts";
import { startMonitor } from "../runtime/host/detach.ts";
import { type LogPosition, readLog } from "../runtime/host/json_log_reader.ts";
import { sweepStale } from "../runtime/host/run_container.ts";
import { readState } from "../runtime/state/container_state.ts";
import {
  findContainer,
  killOrphanedProcess,
  type StoredContainer,
} from "../runtime/state/containers.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../sys/exit_codes.ts";
import { stopContainer, type StopOptions } from "./container_lifecycle.ts";

/** A container `start` has started (or found running), and where its log stood before. */
export interface StartedContainer {
  container: StoredContainer;
  /** The end of its log before the start: what it writes from then on follows. */
  position: LogPosition;
}

/**
 * `start`: starts the container `reference` names under a new monitor unless it runs already;
 * with `stdin`, a container without a terminal reads mydocker's stdin (one with a terminal gets
 * its input through `attach`).
 *
 * @throws {ExitCodeError} (125) when no container has that name, or (with the monitor's reason
 * and the container's exit code) when its command cannot be started.
 */
export async function startStoppedContainer(
  root: string,
  reference: string,
  options: { stdin: boolean },
): Promise<StartedContainer> {
  await sweepStale(root);
  const container = findContainer(root, reference);
  const { dir, record } = container;
  const { position } = readLog(dir.jsonLog, 1);
  if (["exited", "unknown"].includes(readState(dir.path).status)) {
    killOrphanedProcess(container.state);
    removeOrphanedCgroups(record.id);
    const stdin = options.stdin && !record.config.tty;
    const { state, message } = await startMonitor(dir, record, stdin);
    if (state.status === "exited" && (state.exitCode ?? 0) >= EXIT_MYDOCKER_FAILED) {
      throw new ExitCodeError(
        (message ?? `Cannot start container ${reference}`).replace(/^mydocker: /, ""),
        state.exitCode,
      );
    }
  }
  return { container, position };
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
  await startStoppedContainer(root, reference, { stdin: false });
}
