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
import { close, pipe } from "../../sys/fs.ts";
import { SpawnOpen } from "../../sys/process.ts";
import { readAsync } from "../../sys/pty.ts";
import { MONITOR_ARG, STATUS_FD } from "../spec/stage_args.ts";
import { createContainer, sweepStale } from "./run_container.ts";
import { spawnStage } from "./spawn_stage.ts";

/**
 * Starts container `record` in the background; returns its directory and its state once the
 * monitor has started it (or it has already exited), with the monitor's one-line reason when
 * the command could not be started.
 */
export async function startDetached(
  record: ContainerRecord,
): Promise<{ dir: ContainerDir; state: ContainerState; message?: string }> {
  const root = record.config.stateRoot;
  sweepStale(root);
  const dir = createContainer(record);
  const [statusRead, statusWrite] = pipe();
  try {
    spawnStage([MONITOR_ARG, root, record.id], {
      group: "new-session",
      files: [
        { fd: 0, path: "/dev/null", flags: SpawnOpen.READ },
        { fd: 1, path: dir.stdoutLog, flags: SpawnOpen.APPEND },
        { fd: 2, path: dir.stderrLog, flags: SpawnOpen.APPEND },
      ],
      actions: [{ op: "dup2", from: statusWrite, to: STATUS_FD }],
    });
  } finally {
    close(statusWrite);
  }
  // The monitor closes its end once the command runs, or once it has written why it does not.
  const buffer = new Uint8Array(4096);
  let failure = "";
  try {
    for (let count; (count = await readAsync(statusRead, buffer)) > 0;) {
      failure += new TextDecoder().decode(buffer.subarray(0, count));
    }
  } finally {
    close(statusRead);
  }
  const message = failure === "" ? {} : { message: failure };
  try {
    readStoredState(dir.path);
    return { dir, state: readState(dir.path), ...message };
  } catch (error) {
    // A --rm container that has already ended and been removed; any other was removed by its
    // monitor because its state could not be written.
    if (error instanceof Deno.errors.NotFound) {
      if (record.remove) return { dir, state: { status: "exited", monitor: "" }, ...message };
      throw new ExitCodeError(
        `Cannot start container ${record.id}: its monitor could not write its state`,
      );
    }
    throw error;
  }
}
