/**
 * The commands that manage containers after `run`: `ps`, `rm`, `start`, `restart`, `stop`, `kill`,
 * `wait`.
 * The engine decides what each does to a container; these print what Docker prints, one
 * container at a time, carrying on past one that fails.
 *
 * @module
 */

import {
  killContainer,
  parseSignal,
  removeContainer,
  stopContainer,
  waitContainer,
} from "../engine/container_lifecycle.ts";
import { containerSummaries, type ContainerSummary } from "../engine/container_listing.ts";
import { restartContainer, startStoppedContainer } from "../engine/container_start.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { printLogEntry } from "./logs_command.ts";
import { containerSizes } from "../engine/container_size.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatColumns } from "./images_command.ts";
import type { PsFilterKey, PsOptions } from "./ps_options.ts";
import { reportError } from "./report_error.ts";

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

function status(container: ContainerSummary, now: number): string {
  const { state } = container;
  if (state.status === "running") return `Up ${duration(now - Date.parse(state.startedAt!))}`;
  if (state.status === "created") return "Created";
  if (state.status === "unknown") return "Unknown";
  if (state.status === "restarting") {
    return `Restarting (${state.exitCode}) ${ago(state.finishedAt ?? container.created, now)}`;
  }
  return `Exited (${state.exitCode}) ${ago(state.finishedAt ?? container.created, now)}`;
}

/** Whether container `c` matches every filter key of `filters` (any of a key's values). */
function matches(c: ContainerSummary, filters: PsOptions["filters"]): boolean {
  const tests: Record<PsFilterKey, (wanted: string) => boolean> = {
    status: (wanted) => (c.state.status === "unknown" ? "dead" : c.state.status) === wanted,
    name: (wanted) => c.name.includes(wanted),
    id: (wanted) => c.id.startsWith(wanted),
    ancestor: (wanted) =>
      [c.image, `${c.image}:latest`].includes(wanted) ||
      [wanted, `${wanted}:latest`].includes(c.image) ||
      (c.imageId !== undefined && c.imageId.replace(/^sha256:/, "").startsWith(
        wanted.replace(/^sha256:/, ""),
      ) && wanted.length >= 4),
  };
  return [...filters].every(([key, values]) => values.some(tests[key]));
}

/** `mydocker ps [OPTIONS]`: lists running (or all) containers, Docker's columns. */
export async function psCommand(root: string, options: PsOptions): Promise<number> {
  const containers = containerSummaries(root, options.all)
    .filter((c) => matches(c, options.filters))
    .slice(0, options.last);
  const now = Date.now();
  const id = (c: ContainerSummary) => options.noTrunc ? c.id : c.id.slice(0, 12);
  if (options.quiet) {
    for (const c of containers) console.log(id(c));
    return 0;
  }
  const sizes = options.size ? await containerSizes(root, containers) : undefined;
  const rows = [[
    "CONTAINER ID",
    "IMAGE",
    "COMMAND",
    "CREATED",
    "STATUS",
    "NAMES",
    ...(sizes ? ["SIZE"] : []),
  ]];
  for (const c of containers) {
    const command = c.args.join(" ");
    const size = sizes?.get(c.id);
    rows.push([
      id(c),
      c.image,
      JSON.stringify(
        command.length > 20 && !options.noTrunc ? `${command.slice(0, 19)}…` : command,
      ),
      ago(c.created, now),
      status(c, now),
      c.name,
      ...(size ? [`${formatBytes(size.rw)} (virtual ${formatBytes(size.rootFs)})`] : []),
    ]);
  }
  console.log(formatColumns(rows));
  return 0;
}

/** Runs `action` on each named container, reporting failures; returns the exit code. */
async function eachContainer(
  references: readonly string[],
  action: (reference: string) => Promise<void> | void,
): Promise<number> {
  let exitCode = 0;
  for (const reference of references) {
    try {
      await action(reference);
    } catch (error) {
      exitCode = reportError(error);
    }
  }
  return exitCode;
}

/** `mydocker stop [-t SECONDS] CONTAINER...`: the stop signal, then SIGKILL after the timeout. */
export function stopCommand(root: string, references: string[], seconds: number): Promise<number> {
  return eachContainer(references, async (reference) => {
    await stopContainer(root, reference, seconds);
    console.log(reference);
  });
}

/** `mydocker kill [-s SIGNAL] CONTAINER...`: sends a signal (default SIGKILL). */
export function killCommand(root: string, references: string[], signal: string): Promise<number> {
  const number = parseSignal(signal);
  return eachContainer(references, (reference) => {
    killContainer(root, reference, number);
    console.log(reference);
  });
}

/** `mydocker wait CONTAINER...`: blocks until each exits and prints its exit code. */
export function waitCommand(root: string, references: string[]): Promise<number> {
  return eachContainer(references, async (reference) => {
    console.log(await waitContainer(root, reference));
  });
}

/**
 * `mydocker rm [-f] [-v] CONTAINER...`: removes stopped containers (running ones with -f), and
 * with -v their anonymous volumes.
 */
export function rmCommand(
  root: string,
  references: string[],
  force: boolean,
  volumes: boolean,
): Promise<number> {
  return eachContainer(references, async (reference) => {
    await removeContainer(root, reference, force, volumes);
    console.log(reference);
  });
}

/** `mydocker restart [-t SECONDS] CONTAINER...`: stops each (see `stop`), then starts it. */
export function restartCommand(
  root: string,
  references: string[],
  seconds: number,
): Promise<number> {
  return eachContainer(references, async (reference) => {
    await restartContainer(root, reference, seconds);
    console.log(reference);
  });
}

/**
 * `mydocker start [-a] [-i] CONTAINER...`: starts each stopped container in the background and
 * prints its name; with `-a` (or `-i`, which also gives it mydocker's stdin), one container whose
 * output is printed until it ends, mydocker's SIGINT and SIGTERM forwarded to it, and its exit
 * code returned.
 */
export async function startCommand(
  root: string,
  references: string[],
  attach: boolean,
  interactive: boolean,
): Promise<number> {
  if (!attach && !interactive) {
    return await eachContainer(references, async (reference) => {
      await startStoppedContainer(root, reference, { attach: false, stdin: false });
      console.log(reference);
    });
  }
  if (references.length > 1) {
    throw new ExitCodeError("you cannot start and attach multiple containers at once");
  }
  const reference = references[0]!;
  const started = await startStoppedContainer(root, reference, {
    attach: true,
    stdin: interactive,
  });
  const forward = (signal: "SIGINT" | "SIGTERM") => () => {
    try {
      killContainer(root, reference, parseSignal(signal));
    } catch {
      // It has ended meanwhile.
    }
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = forward(signal);
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  try {
    for await (const entry of started.output) {
      if (!printLogEntry(entry, false)) break;
    }
  } finally {
    for (const remove of listeners) remove();
  }
  return started.exitCode();
}
