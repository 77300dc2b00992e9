/**
 * The command line read into a request: mydocker's own options (`--root`, `--help`), the command
 * named, and its arguments parsed by the table in `commands.ts`. Runs nothing.
 *
 * @module
 */

import { type CommandName, COMMANDS, type OptionsOf } from "./commands.ts";
import { MYDOCKER_VERSION } from "../engine/version.ts";
import {
  formatHelp,
  parseCommandArgs,
  type ParsedArgs,
  parseIntFlag,
  UsageError,
} from "./parse_args.ts";
import { type PsOptions, psOptions } from "./ps_options.ts";
import type { StopOptions } from "../engine/container_lifecycle.ts";
import { parseVolumeCommand, type VolumeInvocation } from "./volume_commands.ts";
import { type NetworkInvocation, parseNetworkCommand } from "./network_commands.ts";
import { parsePruneCommand, type PruneGroup, type PruneInvocation } from "./prune_commands.ts";

/** The state root when neither `--root` nor `$MYDOCKER_ROOT` names one. */
export const DEFAULT_ROOT = "/var/lib/mydocker";

/** One `mydocker run` invocation. */
export interface RunInvocation {
  /** The IMAGE argument. */
  image: string;
  /** COMMAND and ARGs. */
  command: string[];
  /** The parsed options. */
  options: OptionsOf<"run">;
  /** The state root. */
  root: string;
}

/** What the command line asks for. */
export type ParsedCommand =
  | { name: "run"; invocation: RunInvocation }
  | { name: "pull"; image: string; platform: string | undefined; quiet: boolean; root: string }
  | { name: "images"; options: OptionsOf<"images">; root: string }
  | { name: "rmi"; images: string[]; force: boolean; root: string }
  | { name: "ps"; options: PsOptions; root: string }
  | { name: "rm"; containers: string[]; force: boolean; volumes: boolean; root: string }
  | { name: "logs"; container: string; options: OptionsOf<"logs">; root: string }
  | {
    name: "start";
    containers: string[];
    attach: boolean;
    interactive: boolean;
    detachKeys: string | undefined;
    root: string;
  }
  | {
    name: "attach";
    container: string;
    stdin: boolean;
    sigProxy: boolean;
    detachKeys: string | undefined;
    root: string;
  }
  | { name: "restart"; containers: string[]; stop: StopOptions; root: string }
  | { name: "stop"; containers: string[]; stop: StopOptions; root: string }
  | { name: "kill"; containers: string[]; signal: string; root: string }
  | { name: "wait"; containers: string[]; root: string }
  | { name: "completion"; shell: "bash" | "zsh" }
  | {
    name: "exec";
    container: string;
    command: string[];
    options: OptionsOf<"exec">;
    root: string;
  }
  | { name: "cp"; source: string; dest: string; root: string }
  | { name: "diff"; container: string; root: string }
  | { name: "export"; container: string; output: string | undefined; root: string }
  | { name: "volume"; invocation: VolumeInvocation; root: string }
  | { name: "network"; invocation: NetworkInvocation; root: string }
  | { name: "port"; container: string; port: string | undefined; root: string }
  | {
    name: "inspect";
    references: string[];
    type: string | undefined;
    format: string | undefined;
    root: string;
  }
  | { name: "version"; format: string | undefined }
  | { name: "info"; format: string | undefined; root: string }
  | { name: "tag"; source: string; target: string; root: string }
  | { name: "rename"; container: string; newName: string; root: string }
  | { name: "top"; container: string; psArgs: string[]; root: string }
  | { name: "stats"; containers: string[]; noStream: boolean; root: string }
  | { name: "prune"; invocation: PruneInvocation; root: string }
  | { name: "save"; images: string[]; output: string | undefined; root: string }
  | { name: "load"; input: string | undefined; quiet: boolean; root: string }
  | { name: "usage-error"; message: string; hint: string }
  | { name: "help"; text: string };

/** `-s` and `-t` of `stop` and `restart`; throws a UsageError for a `-t` that is no integer. */
function stopOptions(options: OptionsOf<"stop">, command: string): StopOptions {
  const { time, signal } = options;
  const seconds = time === undefined ? undefined : parseIntFlag(time, "-t, --time", command);
  return { seconds, signal };
}

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    "Usage:  mydocker [OPTIONS] COMMAND",
    "",
    "Run containers from OCI images, without a daemon.",
    "",
    "Options:",
    "      --root DIR  Where images and containers are stored",
    `                  (default: $MYDOCKER_ROOT or ${DEFAULT_ROOT})`,
    "      --help      Print usage",
    "  -v, --version   Print version information and quit",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}  ${c.description}`),
    "",
    "Run 'mydocker COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

/** The request of `GROUP SUBCOMMAND ARGS...` for the groups of `prune_commands.ts`. */
function pruneGroup(
  group: PruneGroup,
  subcommand: string | undefined,
  args: readonly string[],
  root: string,
): ParsedCommand {
  const parsed = parsePruneCommand(group, subcommand, args);
  return "help" in parsed
    ? { name: "help", text: parsed.help }
    : { name: "prune", invocation: parsed, root };
}

/**
 * How each command's parsed arguments become the request: one entry per command, each typed by
 * its own options (a command missing here does not compile).
 */
const TO_COMMAND: {
  readonly [N in CommandName]: (
    parsed: ParsedArgs<(typeof COMMANDS)[N]>,
    root: string,
  ) => ParsedCommand;
} = {
  run: ({ args, rest, options }, root) => {
    if (options.stopTimeout !== undefined) {
      parseIntFlag(options.stopTimeout, "--stop-timeout", "mydocker run");
    }
    return { name: "run", invocation: { image: args[0]!, command: rest, options, root } };
  },
  exec: ({ args, rest, options }, root) => ({
    name: "exec",
    container: args[0]!,
    command: rest,
    options,
    root,
  }),
  pull: ({ args, options }, root) => ({
    name: "pull",
    image: args[0]!,
    platform: options.platform,
    quiet: options.quiet === true,
    root,
  }),
  images: ({ options }, root) => ({ name: "images", options, root }),
  rmi: ({ args, options }, root) => ({
    name: "rmi",
    images: args,
    force: options.force === true,
    root,
  }),
  ps: ({ options }, root) => ({ name: "ps", options: psOptions(options), root }),
  rm: ({ args, options }, root) => ({
    name: "rm",
    containers: args,
    force: options.force === true,
    volumes: options.volumes === true,
    root,
  }),
  logs: ({ args, options }, root) => ({ name: "logs", container: args[0]!, options, root }),
  start: ({ args, options }, root) => ({
    name: "start",
    containers: args,
    attach: options.attach === true,
    interactive: options.interactive === true,
    detachKeys: options.detachKeys,
    root,
  }),
  attach: ({ args, options }, root) => ({
    name: "attach",
    container: args[0]!,
    stdin: options.noStdin !== true,
    sigProxy: options.sigProxy !== false,
    detachKeys: options.detachKeys,
    root,
  }),
  restart: ({ args, options }, root) => ({
    name: "restart",
    containers: args,
    stop: stopOptions(options, "mydocker restart"),
    root,
  }),
  stop: ({ args, options }, root) => ({
    name: "stop",
    containers: args,
    stop: stopOptions(options, "mydocker stop"),
    root,
  }),
  kill: ({ args, options }, root) => ({
    name: "kill",
    containers: args,
    signal: options.signal,
    root,
  }),
  wait: ({ args }, root) => ({ name: "wait", containers: args, root }),
  inspect: ({ args, options }, root) => ({
    name: "inspect",
    references: args,
    type: options.type,
    format: options.format,
    root,
  }),
  version: ({ options }) => ({ name: "version", format: options.format }),
  info: ({ options }, root) => ({ name: "info", format: options.format, root }),
  completion: ({ args }) =>
    args[0] === "bash" || args[0] === "zsh" ? { name: "completion", shell: args[0] } : {
      name: "usage-error",
      message: `invalid argument "${args[0]}" for "mydocker completion"`,
      hint: "See 'mydocker completion --help'.",
    },
  network: ({ args, rest }, root) => {
    const parsed = parseNetworkCommand(args[0], rest);
    return "help" in parsed
      ? { name: "help", text: parsed.help }
      : { name: "network", invocation: parsed, root };
  },
  port: ({ args }, root) => ({ name: "port", container: args[0]!, port: args[1], root }),
  volume: ({ args, rest }, root) => {
    const parsed = parseVolumeCommand(args[0], rest);
    return "help" in parsed
      ? { name: "help", text: parsed.help }
      : { name: "volume", invocation: parsed, root };
  },
  cp: ({ args }, root) => ({ name: "cp", source: args[0]!, dest: args[1]!, root }),
  diff: ({ args }, root) => ({ name: "diff", container: args[0]!, root }),
  export: ({ args, options }, root) => ({
    name: "export",
    container: args[0]!,
    output: options.output,
    root,
  }),
  tag: ({ args }, root) => ({ name: "tag", source: args[0]!, target: args[1]!, root }),
  rename: ({ args }, root) => ({ name: "rename", container: args[0]!, newName: args[1]!, root }),
  top: ({ args, rest }, root) => ({ name: "top", container: args[0]!, psArgs: rest, root }),
  stats: ({ args, options }, root) => ({
    name: "stats",
    containers: args,
    noStream: options.noStream === true,
    root,
  }),
  container: ({ args, rest }, root) => pruneGroup("container", args[0], rest, root),
  image: ({ args, rest }, root) => pruneGroup("image", args[0], rest, root),
  system: ({ args, rest }, root) => pruneGroup("system", args[0], rest, root),
  save: ({ args, options }, root) => ({ name: "save", images: args, output: options.output, root }),
  load: ({ options }, root) => ({
    name: "load",
    input: options.input,
    quiet: options.quiet === true,
    root,
  }),
};

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** Parses the arguments of command `name` and builds its request (or its help). */
function toCommand<N extends CommandName>(
  name: N,
  args: readonly string[],
  root: string,
): ParsedCommand {
  const spec = COMMANDS[name];
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help) return { name: "help", text: formatHelp(spec) };
  return TO_COMMAND[name](parsed, root);
}

/** Parses `args` (without the program name) into the command they name; runs nothing. */
export function parseCommandLine(args: readonly string[]): ParsedCommand {
  let root = Deno.env.get("MYDOCKER_ROOT") || DEFAULT_ROOT;
  let index = 0;
  for (; index < args.length && args[index]!.startsWith("-"); index++) {
    const arg = args[index]!;
    if (arg === "--help") return { name: "help", text: generalHelp() };
    if (arg === "--version" || arg === "-v") {
      return { name: "help", text: `mydocker version ${MYDOCKER_VERSION}` };
    }
    if (arg === "--root" && index + 1 < args.length) root = args[++index]!;
    else if (arg.startsWith("--root=")) root = arg.slice("--root=".length);
    else {
      return {
        name: "usage-error",
        message: `unknown flag: ${arg.replace(/=.*/, "")}`,
        hint: "See 'mydocker --help'.",
      };
    }
  }
  const name = args[index];
  if (name === undefined) return { name: "help", text: generalHelp() };
  if (!isCommandName(name)) {
    return {
      name: "usage-error",
      message: `'${name}' is not a mydocker command.`,
      hint: "See 'mydocker --help'.",
    };
  }
  try {
    return toCommand(name, args.slice(index + 1), root);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { name: "usage-error", message: error.message, hint: `See '${error.command} --help'.` };
  }
}
