/**
 * The subcommands of `mydocker volume` as one table typed `as const` (as `commands.ts` holds the
 * commands), and the reading of `volume SUBCOMMAND ...` into an invocation. Runs nothing.
 *
 * @module
 */

import {
  type CommandSpec,
  formatHelp,
  type OptionValues,
  parseCommandArgs,
  UsageError,
} from "./parse_args.ts";

/** Every subcommand of `mydocker volume`, as data. */
export const VOLUME_COMMANDS = {
  create: {
    name: "volume create",
    usage: "[OPTIONS] [VOLUME]",
    description: "Create a volume",
    minArgs: 0,
    maxArgs: 1,
    options: [{
      long: "label",
      value: "KEY=VALUE",
      multiple: true,
      help: "Set metadata for a volume",
    }],
  },
  inspect: {
    name: "volume inspect",
    usage: "VOLUME [VOLUME...]",
    description: "Display detailed information on one or more volumes",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
  ls: {
    name: "volume ls",
    usage: "[OPTIONS]",
    description: "List volumes",
    minArgs: 0,
    maxArgs: 0,
    options: [{ long: "quiet", short: "q", help: "Only display volume names" }],
  },
  prune: {
    name: "volume prune",
    usage: "[OPTIONS]",
    description: "Remove unused local volumes",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "all", short: "a", help: "Remove all unused volumes, not just anonymous ones" },
      { long: "force", short: "f", help: "Do not prompt for confirmation" },
    ],
  },
  rm: {
    name: "volume rm",
    usage: "[OPTIONS] VOLUME [VOLUME...]",
    description: "Remove one or more volumes",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{ long: "force", short: "f", help: "Ignore volumes that do not exist" }],
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

/** The name of a subcommand in {@linkcode VOLUME_COMMANDS}. */
export type VolumeCommandName = keyof typeof VOLUME_COMMANDS;

/** One `mydocker volume SUBCOMMAND` invocation, its options typed by the table. */
export type VolumeInvocation = {
  [N in VolumeCommandName]: {
    command: N;
    args: string[];
    options: OptionValues<(typeof VOLUME_COMMANDS)[N]>;
  };
}[VolumeCommandName];

/** `mydocker volume --help`: the subcommands. */
function volumeHelp(): string {
  return [
    "Usage:  mydocker volume COMMAND",
    "",
    "Manage volumes",
    "",
    "Commands:",
    ...Object.entries(VOLUME_COMMANDS).map(([name, c]) => `  ${name.padEnd(8)}  ${c.description}`),
    "",
    "Run 'mydocker volume COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

function isVolumeCommand(name: string): name is VolumeCommandName {
  return Object.hasOwn(VOLUME_COMMANDS, name);
}

/**
 * Reads `volume SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parseVolumeCommand(
  subcommand: string | undefined,
  args: readonly string[],
): VolumeInvocation | { help: string } {
  if (subcommand === undefined) return { help: volumeHelp() };
  if (!isVolumeCommand(subcommand)) {
    throw new UsageError(`unknown command 'volume ${subcommand}'`, "mydocker volume");
  }
  const spec = VOLUME_COMMANDS[subcommand];
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help) return { help: formatHelp(spec) };
  // Each subcommand's options parsed by its own spec.
  return { command: subcommand, args: parsed.args, options: parsed.options } as VolumeInvocation;
}
