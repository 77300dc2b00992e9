/**
 * `mydocker run -d`: creates the container, hands it to a monitor process in a session of its
 * own (stdin from /dev/null, stdout and stderr into the container's log files), and returns once
 * the container's command runs (or could not be started).
 *
 * @module
 */

import type { ContainerDir } from "../state/container_dir.ts";
import {
  type ContainerRecord,
  type ContainerState,
  readState,
  readStoredState,
} from "../state/container_state.ts";
import { ExitCodeError } from "../../sys/exit_codes.ts";
import { SpawnOpen } from "../../sys/process.ts";
import { INIT_STAGE_ARG, MONITOR_ARG } from "../spec/stage_args.ts";
import { createContainer, sweepStale } from "./run_container.ts";
import { spawnStage } from "./spawn_stage.ts";

const START_TIMEOUT_MS = 30_000;

/**
 * Starts container `record` in the background; returns its directory and its state once the
 * monitor has started it (or it has already exited).
 */
export async function startDetached(
  record: ContainerRecord,
): Promise<{ dir: ContainerDir; state: ContainerState }> {
  const root = record.config.stateRoot;
  sweepStale(root);
  const dir = createContainer(record);
  spawnStage([MONITOR_ARG, root, record.id], {
    group: "new-session",
    files: [
      { fd: 0, path: "/dev/null", flags: SpawnOpen.READ },
      { fd: 1, path: dir.stdoutLog, flags: SpawnOpen.APPEND },
      { fd: 2, path: dir.stderrLog, flags: SpawnOpen.APPEND },
    ],
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    let state: ContainerState;
    try {
      state = readStoredState(dir.path);
    } catch (error) {
      // A --rm container that has already ended and been removed; any other was removed by its
      // monitor because its state could not be written.
      if (error instanceof Deno.errors.NotFound) {
        if (record.remove) return { dir, state: { status: "exited", monitor: "" } };
        throw new ExitCodeError(
          `Cannot start container ${record.id}: its monitor could not write its state`,
        );
      }
      throw error;
    }
    if (state.status === "exited" || (state.status === "running" && hasExeced(state.pid!))) {
      return { dir, state: readState(dir.path) };
    }
    if (Date.now() > deadline) throw new Error(`Container ${record.id} did not start in time`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Whether the container's PID 1 runs the command: its command line no longer names the init
 * stage. A process that is gone (or a zombie, with an empty command line) has not: its monitor
 * is about to record how it ended.
 */
function hasExeced(pid: number): boolean {
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return cmdline !== "" && !cmdline.includes(INIT_STAGE_ARG);
  } catch {
    return false;
  }
}
