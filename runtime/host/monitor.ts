/**
 * The monitor of a detached container: a background mydocker process, in a session of its own,
 * that starts the container, relays its stdout and stderr (or its terminal, which it serves to
 * `attach` clients) into its json-file log, waits for it,
 * records how it ended and, as its restart policy says, starts it again after Docker's back-off,
 * so that `ps`, `wait`, `logs`, `stop` and `--restart` work after `mydocker run -d` or
 * `mydocker start` has returned.
 *
 * @module
 */

import { type ContainerDir, containerDir } from "../state/container_dir.ts";
import { readRecord, readStoredState, writeState } from "../state/container_state.ts";
import { clearStopRequest, stopRequested } from "../state/stop_request.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError, exitCodeOf } from "../../sys/exit_codes.ts";
import { FIRST_RESTART_DELAY_MS, nextRestartDelay, shouldRestart } from "../spec/restart_policy.ts";
import { processIdentity } from "../../sys/process_identity.ts";
import { superviseContainer } from "./run_container.ts";
import { STATUS_FD } from "../spec/stage_args.ts";
import { close, setCloseOnExec, writeAll } from "../../sys/fs.ts";
import { DEFAULT_LOG_LIMITS, JsonLogWriter } from "./json_log.ts";
import { StdioRelay } from "./stdio_relay.ts";
import { AttachServer } from "./attach_server.ts";

/** How often a monitor waiting to restart its container looks for a stop request. */
const POLL_MS = 20;

/** Waits `ms`; false when a stop was asked for meanwhile. */
async function waitUnlessStopped(dir: ContainerDir, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (stopRequested(dir.path)) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, deadline - Date.now())));
  }
  return !stopRequested(dir.path);
}

/** Records container `dir` as restarting (or, at the end, exited) with its restart count. */
function recordBetweenRuns(
  dir: ContainerDir,
  status: "restarting" | "exited",
  restartCount: number,
): void {
  writeState(dir.path, { ...readStoredState(dir.path), status, restartCount });
}

/**
 * Listens on container `dir`'s attach socket, its terminal's output going to `log`; when that
 * fails, says why on the status pipe (if `reporting`) and in the log, and returns undefined.
 */
async function listenForAttach(
  dir: ContainerDir,
  log: (bytes: Uint8Array) => void,
  reporting: boolean,
): Promise<AttachServer | undefined> {
  try {
    return await AttachServer.listen(dir.path, log);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const line = `mydocker: Cannot listen on the attach socket of ${dir.path}: ${reason}`;
    log(new TextEncoder().encode(`${line}\n`));
    if (reporting) writeAll(STATUS_FD, new TextEncoder().encode(line));
    return undefined;
  }
}

/** Supervises container `id` of `stateRoot` until it exits; returns the monitor's exit code. */
export async function monitorMain(stateRoot: string, id: string): Promise<number> {
  const dir = containerDir(stateRoot, id);
  // The status pipe of `run -d` and `start`: closed once the command runs, never inherited by it.
  setCloseOnExec(STATUS_FD);
  let reporting = true;
  const encoder = new TextEncoder();
  const record = readRecord(dir.path);
  // A foreground run its policy restarts: recorded as restarting, to start after the back-off.
  const stored = readStoredState(dir.path);
  const continuing = stored.status === "restarting";
  if (!continuing) clearStopRequest(dir.path);
  const log = new JsonLogWriter(dir.jsonLog, record.logLimits ?? DEFAULT_LOG_LIMITS);
  let restartCount = continuing ? stored.restartCount ?? 1 : 0;
  let delay: number | undefined = continuing ? FIRST_RESTART_DELAY_MS : undefined;
  let server: AttachServer | undefined;
  try {
    if (continuing) {
      writeState(dir.path, { ...stored, monitor: processIdentity() });
      close(STATUS_FD);
      reporting = false;
      if (!await waitUnlessStopped(dir, delay!)) {
        recordBetweenRuns(dir, "exited", restartCount);
        return stored.exitCode ?? 0;
      }
    }
    if (record.config.tty) {
      // A terminal's output is logged as stdout, as Docker logs it.
      server = await listenForAttach(dir, (bytes) => log.write("stdout", bytes), reporting);
      if (server === undefined) {
        writeState(dir.path, {
          ...readStoredState(dir.path),
          status: "exited",
          finishedAt: new Date().toISOString(),
          exitCode: EXIT_MYDOCKER_FAILED,
        });
        return EXIT_MYDOCKER_FAILED;
      }
    }
    for (;;) {
      const terminal = server?.terminal();
      const output = terminal !== undefined ? undefined : new StdioRelay((fd, bytes) => {
        log.write(fd === 1 ? "stdout" : "stderr", bytes);
        return true;
      });
      const began = Date.now();
      let exitCode: number;
      try {
        exitCode = exitCodeOf(
          await superviseContainer(dir, record, {
            started: () => {
              if (reporting) close(STATUS_FD);
              reporting = false;
            },
            failed(error) {
              const line = `mydocker: ${error instanceof Error ? error.message : String(error)}`;
              log.write("stderr", encoder.encode(`${line}\n`)); // For `logs`.
              if (reporting) writeAll(STATUS_FD, encoder.encode(line)); // For `run -d`.
            },
            ...(output === undefined ? {} : { output }),
            ...(terminal === undefined ? {} : { terminal }),
            ...(restartCount === 0 ? {} : { restartCount }),
          }),
        );
      } catch (error) {
        exitCode = error instanceof ExitCodeError ? error.exitCode : EXIT_MYDOCKER_FAILED;
        if (reporting) return exitCode; // `run -d` or `start` says why.
      } finally {
        output?.close();
        await output?.finish();
        await terminal?.finish();
      }
      if (!shouldRestart(record.restartPolicy, exitCode, restartCount, stopRequested(dir.path))) {
        return exitCode;
      }
      delay = nextRestartDelay(delay, Date.now() - began);
      recordBetweenRuns(dir, "restarting", ++restartCount);
      if (!await waitUnlessStopped(dir, delay)) {
        recordBetweenRuns(dir, "exited", restartCount);
        return exitCode;
      }
    }
  } finally {
    await server?.close();
    log.close();
  }
}
