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
  type StopOptions,
  waitContainer,
} from "../engine/container_lifecycle.ts";
import { containerSummaries, type ContainerSummary } from "../engine/container_listing.ts";
import { publishedPorts } from "../engine/networks.ts";
import { portsCell } from "../runtime/spec/port_bindings.ts";
import { restartContainer, startStoppedContainer } from "../engine/container_start.ts";
import { startAttached } from "../engine/attach_container.ts";
import { attachOptions } from "./attach_command.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { containerSizes } from "../engine/container_size.ts";
import { formatBytes } from "./format_bytes.ts";
import type { PsFilterKey, PsOptions } from "./ps_options.ts";
import { reportError } from "./report_error.ts";
import { ago, duration, goTime } from "./human_time.ts";
import { printFormatted } from "./format_option.ts";

/** A container's STATUS, as `ps` shows it: `Up 3 minutes`, `Exited (1) 2 hours ago`. */
export function status(container: ContainerSummary, now: number): string {
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

/** A container's COMMAND, as `ps` shows it: quoted, cut at 20 characters unless `noTrunc`. */
export function commandCell(container: ContainerSummary, noTrunc = false): string {
  const command = container.args.join(" ");
  return JSON.stringify(command.length > 20 && !noTrunc ? `${command.slice(0, 19)}…` : command);
}

/** `ps`'s `--format` placeholders and their `table` headers, as Docker names them. */
const PS_HEADERS = {
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Ports: "PORTS",
  State: "STATE",
  Status: "STATUS",
  Size: "SIZE",
  Names: "NAMES",
  Labels: "LABELS",
} as const;

/** One `ps` row as `--format` sees it: Docker's placeholders, all strings. */
type PsRow = Record<keyof typeof PS_HEADERS, string>;

/** `ps`'s default table, Docker's. */
const PS_TABLE =
  "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/** `mydocker ps [OPTIONS]`: lists running (or all) containers, Docker's columns or `--format`. */
export async function psCommand(root: string, options: PsOptions): Promise<number> {
  const containers = (await containerSummaries(root, options.all))
    .filter((c) => matches(c, options.filters))
    .slice(0, options.last);
  const now = Date.now();
  const id = (c: ContainerSummary) => options.noTrunc ? c.id : c.id.slice(0, 12);
  if (options.quiet) {
    if (options.format !== undefined) {
      console.error("WARNING: Ignoring custom format, because both --format and --quiet are set.");
    }
    for (const c of containers) console.log(id(c));
    return 0;
  }
  const withSize = options.size || options.format?.includes(".Size") === true;
  const sizes = withSize ? await containerSizes(root, containers) : undefined;
  const ports = publishedPorts(root);
  const rows = containers.map((c): PsRow => {
    const size = sizes?.get(c.id);
    return {
      ID: id(c),
      Image: c.image,
      Command: commandCell(c, options.noTrunc),
      CreatedAt: goTime(c.created),
      RunningFor: ago(c.created, now),
      Ports: portsCell(ports.get(c.id) ?? []),
      State: c.state.status === "unknown" ? "dead" : c.state.status,
      Status: status(c, now),
      Size: size ? `${formatBytes(size.rw)} (virtual ${formatBytes(size.rootFs)})` : "0B",
      Names: c.name,
      Labels: "",
    };
  });
  const format = options.format ?? (options.size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE);
  printFormatted(format === "table" ? PS_TABLE : format, rows, PS_HEADERS);
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

/**
 * `mydocker stop [-s SIGNAL] [-t SECONDS] CONTAINER...`: the stop signal, then SIGKILL after the
 * timeout.
 */
export function stopCommand(
  root: string,
  references: string[],
  options: StopOptions,
): Promise<number> {
  return eachContainer(references, async (reference) => {
    await stopContainer(root, reference, options);
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

/**
 * `mydocker restart [-s SIGNAL] [-t SECONDS] CONTAINER...`: stops each (see `stop`), then starts
 * it.
 */
export function restartCommand(
  root: string,
  references: string[],
  options: StopOptions,
): Promise<number> {
  return eachContainer(references, async (reference) => {
    await restartContainer(root, reference, options);
    console.log(reference);
  });
}

/**
 * `mydocker start [-a] [-i] [--detach-keys KEYS] CONTAINER...`: starts each stopped container in
 * the background and prints its name; with `-a` (or `-i`, which also gives it mydocker's stdin),
 * one container attached to from its start (its terminal, or its output with mydocker's signals
 * forwarded to it) until it ends, whose exit code is returned, or until the detach keys.
 */
export async function startCommand(
  root: string,
  references: string[],
  options: { attach: boolean; interactive: boolean; detachKeys: string | undefined },
): Promise<number> {
  if (!options.attach && !options.interactive) {
    return await eachContainer(references, async (reference) => {
      await startStoppedContainer(root, reference, { stdin: false });
      console.log(reference);
    });
  }
  if (references.length > 1) {
    throw new ExitCodeError("you cannot start and attach multiple containers at once");
  }
  const attach = attachOptions({
    stdin: options.interactive,
    sigProxy: true,
    detachKeys: options.detachKeys,
  });
  const end = await startAttached(root, references[0]!, attach);
  return end === "detached" ? 0 : end;
}
