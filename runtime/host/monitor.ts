/**
 * The monitor of a detached container: a background mydocker process, in a session of its own,
 * that starts the container, waits for it and records how it ended, so that `ps`, `wait`,
 * `logs` and `stop` work after `mydocker run -d` has returned. Its stdout and stderr, and so the
 * container's, are the container's log files.
 *
 * @module
 */

import { containerDir } from "../state/container_dir.ts";
import { readRecord } from "../state/container_state.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError, exitCodeOf } from "../../sys/exit_codes.ts";
import { superviseContainer } from "./run_container.ts";
import { STATUS_FD } from "../spec/stage_args.ts";
import { close, setCloseOnExec, writeAll } from "../../sys/fs.ts";

/** Supervises container `id` of `stateRoot` until it exits; returns the monitor's exit code. */
export async function monitorMain(stateRoot: string, id: string): Promise<number> {
  const dir = containerDir(stateRoot, id);
  // The status pipe of `run -d`: closed once the command runs, and never inherited by it.
  setCloseOnExec(STATUS_FD);
  try {
    const status = await superviseContainer(dir, readRecord(dir.path), {
      started: () => close(STATUS_FD),
      failed(error) {
        const line = `mydocker: ${error instanceof Error ? error.message : String(error)}`;
        console.error(line); // For `logs`.
        writeAll(STATUS_FD, new TextEncoder().encode(line)); // For `run -d`.
      },
    });
    return exitCodeOf(status);
  } catch (error) {
    return error instanceof ExitCodeError ? error.exitCode : EXIT_MYDOCKER_FAILED;
  }
}
