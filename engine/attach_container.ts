/**
 * `attach` and `start -a`, as Docker attaches: to a container with a terminal through its
 * monitor's attach socket (stdin forwarded when it was run with `-i`, detach keys, window
 * sizes); to one without, by following what it writes to its log from now on, signals
 * forwarded to it. Either ends with the container's exit code, or on a detach.
 *
 * @module
 */

import { attachTerminal } from "../runtime/host/attach_client.ts";
import type { LogEntry } from "../runtime/host/json_log.ts";
import { followLog, type LogPosition, readLog } from "../runtime/host/json_log_reader.ts";
import { readState } from "../runtime/state/container_state.ts";
import { findContainer, type StoredContainer } from "../runtime/state/containers.ts";
import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../sys/exit_codes.ts";
import { isatty } from "../sys/pty.ts";
import { isAlive } from "../sys/process_identity.ts";
import { killContainer } from "./container_lifecycle.ts";
import { startStoppedContainer } from "./container_start.ts";
import { SIGNALS } from "../sys/signals.ts";

/** How to attach. */
export interface AttachOptions {
  /** Give the container mydocker's stdin (if it was run with `-i`). */
  stdin: boolean;
  /** The detach keys' bytes (empty: none). */
  detachKeys: Uint8Array;
  /** Forward mydocker's signals to a container without a terminal. */
  sigProxy: boolean;
  /** Prints one entry of a container without a terminal; false when output is closed. */
  print: (entry: LogEntry) => boolean;
}

/** The signals `--sig-proxy` forwards, as mydocker's foreground `run` forwards them. */
const PROXIED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

/**
 * Throws ExitCodeError (125) `the input device is not a TTY`, as Docker does, when stdin would
 * be attached to `container`'s terminal but is not a terminal itself.
 */
function checkAttachInput(container: StoredContainer, stdin: boolean): void {
  const { tty, interactive } = container.record.config;
  if (tty && interactive && stdin && !isatty(0)) {
    throw new ExitCodeError("the input device is not a TTY");
  }
}

/**
 * `attach`: attaches to the running container `reference` names under `root`; returns its exit
 * code once it has ended, or "detached".
 *
 * @throws {ExitCodeError} (125) when no container has that name or it does not run.
 */
export async function attachContainer(
  root: string,
  reference: string,
  options: AttachOptions,
): Promise<number | "detached"> {
  const container = findContainer(root, reference);
  const { status } = readState(container.dir.path);
  if (status === "restarting") {
    throw new ExitCodeError(
      "You cannot attach to a restarting container, wait until it is running",
    );
  }
  if (status !== "running") {
    throw new ExitCodeError("You cannot attach to a stopped container, start it first");
  }
  checkAttachInput(container, options.stdin);
  const { position } = readLog(container.dir.jsonLog, 1);
  return await followContainer(container, position, false, options);
}

/**
 * `start -a`: starts the container `reference` names (unless it runs) and attaches to it from
 * its start on (with mydocker's stdin when `options.stdin`, as `start -i`); returns its exit code
 * once it has ended, or "detached".
 *
 * @throws {ExitCodeError} (125) when no container has that name or it cannot be started.
 */
export async function startAttached(
  root: string,
  reference: string,
  options: AttachOptions,
): Promise<number | "detached"> {
  checkAttachInput(findContainer(root, reference), options.stdin);
  const { container, position } = await startStoppedContainer(root, reference, options);
  return await followContainer(container, position, true, options);
}

/**
 * Follows `container` (which runs, or has just been started) until it ends or the user detaches:
 * its terminal, with the run's output so far when `replay` is set, or its log from `position`.
 * Returns its exit code, or "detached".
 */
async function followContainer(
  container: StoredContainer,
  position: LogPosition,
  replay: boolean,
  options: AttachOptions,
): Promise<number | "detached"> {
  const { dir, record } = container;
  // Its log is whole once its monitor, which writes it, is gone too.
  const ended = () => {
    const state = readState(dir.path);
    return ["exited", "unknown"].includes(state.status) && !isAlive(state.monitor);
  };
  if (record.config.tty) {
    const end = await attachTerminal(dir.path, {
      stdin: options.stdin && record.config.interactive,
      detachKeys: options.detachKeys,
      replay,
    });
    if (end === "detached") return "detached";
    // Its monitor was gone (or going) before we came: what `start -a` missed is in the log.
    if (end === "unreachable" && replay) await printLog(dir.jsonLog, position, ended, options);
  } else {
    const stop = options.sigProxy ? proxySignals(container) : () => {};
    try {
      await printLog(dir.jsonLog, position, ended, options);
    } finally {
      stop();
    }
  }
  return readState(dir.path).exitCode ?? EXIT_MYDOCKER_FAILED;
}

/** Prints the log at `path` from `position` until the container has `ended`. */
async function printLog(
  path: string,
  position: LogPosition,
  ended: () => boolean,
  options: AttachOptions,
): Promise<void> {
  for await (const entry of followLog(path, position, ended)) {
    if (!options.print(entry)) break;
  }
}

/** Forwards mydocker's {@linkcode PROXIED} signals to `container`; returns how to stop. */
function proxySignals(container: StoredContainer): () => void {
  const { stateRoot } = container.record.config;
  const removers = PROXIED.map((name) => {
    const listener = () => {
      try {
        killContainer(
          stateRoot,
          container.record.id,
          SIGNALS[name.slice(3) as keyof typeof SIGNALS],
        );
      } catch {
        // It has ended meanwhile.
      }
    };
    Deno.addSignalListener(name, listener);
    return () => Deno.removeSignalListener(name, listener);
  });
  return () => removers.forEach((remove) => remove());
}
