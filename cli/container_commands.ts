/**
 * The commands that manage containers after `run`: `ps`, `rm`, `logs`, `stop`, `kill`, `wait`.
 *
 * @module
 */

import { removeContainerDir } from "../runtime/state/container_dir.ts";
import { removeOrphanedCgroups } from "../runtime/cgroups/mod.ts";
import { type ContainerState, readState } from "../runtime/state/container_state.ts";
import {
  findContainer,
  listContainers,
  type StoredContainer,
} from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { kill } from "../sys/process.ts";
import { sweepStale } from "../runtime/host/run_container.ts";
import { signalNumber, SIGNALS } from "../sys/signals.ts";
import { formatColumns } from "./images_command.ts";
import { reportError } from "./report_error.ts";

/**
 * Parses a signal given as `SIGTERM`, `TERM`, `SIGRTMIN+3` or `15`; throws an ExitCodeError for
 * others.
 */
export function parseSignal(value: string): number {
  const number = signalNumber(value);
  if (number === undefined) throw new ExitCodeError(`Invalid signal: ${value}`);
  return number;
}

/** Says how long ago `iso` was, Docker style: `5 seconds ago`, `About a minute ago`. */
export function ago(iso: string, now = Date.now()): string {
  return `${duration(now - Date.parse(iso))} ago`;
}

/** Formats a duration Docker style: `Less than a second`, `5 seconds`, `3 minutes`, `2 hours`. */
export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 2) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  if (hours < 2) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  return `${Math.floor(hours / 24)} days`;
}

function status(container: StoredContainer, now: number): string {
  const { state } = container;
  if (state.status === "running") return `Up ${duration(now - Date.parse(state.startedAt!))}`;
  if (state.status === "created") return "Created";
  if (state.status === "unknown") return "Unknown";
  return `Exited (${state.exitCode}) ${ago(state.finishedAt ?? container.record.created, now)}`;
}

/** `mydocker ps [-a] [-q]`: lists running (or all) containers. */
export function psCommand(root: string, all: boolean, quiet: boolean): number {
  sweepStale(root);
  const now = Date.now();
  const containers = listContainers(root).reverse()
    .filter((c) => all || c.state.status === "running");
  if (quiet) {
    for (const c of containers) console.log(c.record.id.slice(0, 12));
    return 0;
  }
  const rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES"]];
  for (const c of containers) {
    const command = c.record.config.args.join(" ");
    rows.push([
      c.record.id.slice(0, 12),
      c.record.image,
      JSON.stringify(command.length > 20 ? `${command.slice(0, 19)}…` : command),
      ago(c.record.created, now),
      status(c, now),
      c.record.name,
    ]);
  }
  console.log(formatColumns(rows));
  return 0;
}

/** Whether a container in `state` may still run: created or running. */
function mayRun(state: ContainerState): boolean {
  return state.status === "created" || state.status === "running";
}

/**
 * Waits until the container has ended (exited, or its state unreadable), polling its state;
 * false when `ms` ran out first.
 */
async function exited(container: StoredContainer, ms = Infinity): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (mayRun(readState(container.dir.path))) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

function signalContainer(container: StoredContainer, signal: number): void {
  const { state, record } = container;
  if (state.status !== "running" || state.pid === undefined || !kill(state.pid, signal)) {
    throw new ExitCodeError(`Cannot kill container ${record.name}: it is not running`);
  }
}

/** Runs `action` on each named container, reporting failures; returns the exit code. */
async function eachContainer(
  root: string,
  references: readonly string[],
  action: (container: StoredContainer, reference: string) => Promise<void> | void,
): Promise<number> {
  let exitCode = 0;
  for (const reference of references) {
    try {
      await action(findContainer(root, reference), reference);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}

/** `mydocker stop [-t SECONDS] CONTAINER...`: the stop signal, then SIGKILL after the timeout. */
export function stopCommand(root: string, references: string[], seconds: number): Promise<number> {
  return eachContainer(root, references, async (container, reference) => {
    if (container.state.status === "running") {
      signalContainer(container, parseSignal(container.record.stopSignal));
      if (!(await exited(container, seconds * 1000))) {
        signalContainer(container, SIGNALS.KILL);
        await exited(container);
      }
    }
    console.log(reference);
  });
}

/** `mydocker kill [-s SIGNAL] CONTAINER...`: sends a signal (default SIGKILL). */
export function killCommand(root: string, references: string[], signal: string): Promise<number> {
  const number = parseSignal(signal);
  return eachContainer(root, references, (container, reference) => {
    signalContainer(container, number);
    console.log(reference);
  });
}

/** `mydocker wait CONTAINER...`: blocks until each exits and prints its exit code. */
export function waitCommand(root: string, references: string[]): Promise<number> {
  return eachContainer(root, references, async (container, reference) => {
    await exited(container);
    const { exitCode } = readState(container.dir.path);
    if (exitCode === undefined) {
      throw new ExitCodeError(`Cannot wait for container ${reference}: its state cannot be read`);
    }
    console.log(exitCode);
  });
}

/**
 * `mydocker rm [-f] CONTAINER...`: removes stopped containers (running ones with -f), with their
 * cgroups and anything left in them when their monitor was killed.
 */
export function rmCommand(root: string, references: string[], force: boolean): Promise<number> {
  return eachContainer(root, references, async (container, reference) => {
    if (container.state.status === "running") {
      if (!force) {
        throw new ExitCodeError(
          `Cannot remove container ${reference}: it is running; stop it first or use rm -f`,
        );
      }
      signalContainer(container, SIGNALS.KILL);
      await exited(container);
    }
    removeOrphanedCgroups(container.record.id);
    removeContainerDir(container.dir);
    console.log(reference);
  });
}

/** `mydocker logs CONTAINER`: the container's stdout to stdout, its stderr to stderr. */
export async function logsCommand(root: string, reference: string): Promise<number> {
  const { dir, record } = findContainer(root, reference);
  if (!record.detached) return 0;
  for (
    const [file, stream] of [[dir.stdoutLog, Deno.stdout], [dir.stderrLog, Deno.stderr]] as const
  ) {
    try {
      await (await Deno.open(file)).readable.pipeTo(stream.writable, { preventClose: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return 0;
}
