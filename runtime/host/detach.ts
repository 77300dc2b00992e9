/**
 * `mydocker run -d` and `mydocker start`: hands a container to a monitor process in a session of
 * its own (stdin and its own stdout and stderr /dev/null: it relays the container's output into
 * the container's json-file log), and returns once the container's command runs (or could not be
 * started). A foreground run that its restart policy restarts is handed over likewise.
 *
 * @module
 */

import type { ContainerDir } from "../state/container_dir.ts";
import {
  type ContainerRecord,
  type ContainerState,
  readState,
  readStoredState,
  writeState,
} from "../state/container_state.ts";
import { containerDir } from "../state/container_dir.ts";
import { stopRequested } from "../state/stop_request.ts";
import { shouldRestart } from "../spec/restart_policy.ts";
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
  await sweepStale(record.config.stateRoot);
  return await startMonitor(createContainer(record), record);
}

/**
 * Hands container `record`, whose directory `dir` exists, to a new monitor (with mydocker's
 * stdin as the container's when `stdin` is set, `start -i`); returns its state
 * once the monitor has started it (or it has already exited), with the monitor's one-line reason
 * when the command could not be started.
 */
export async function startMonitor(
  dir: ContainerDir,
  record: ContainerRecord,
  stdin = false,
): Promise<{ dir: ContainerDir; state: ContainerState; message?: string }> {
  const [statusRead, statusWrite] = pipe();
  try {
    spawnStage([MONITOR_ARG, record.config.stateRoot, record.id], {
      group: "new-session",
      files: [0, 1, 2].filter((fd) => fd !== 0 || !stdin).map((fd) => ({
        fd,
        path: "/dev/null",
        flags: fd === 0 ? SpawnOpen.READ : SpawnOpen.APPEND,
      })),
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

/**
 * Once a foreground run of container `record` has ended with `exitCode`: when its restart policy
 * says so, records it as restarting (its first restart) and hands it to a monitor that starts it
 * again after the back-off and goes on as its policy says. Returns once the monitor has taken it.
 */
export async function restartInBackground(
  record: ContainerRecord,
  exitCode: number,
): Promise<void> {
  const dir = containerDir(record.config.stateRoot, record.id);
  if (!shouldRestart(record.restartPolicy, exitCode, 0, stopRequested(dir.path))) return;
  writeState(dir.path, { ...readStoredState(dir.path), status: "restarting", restartCount: 1 });
  await startMonitor(dir, record);
}
