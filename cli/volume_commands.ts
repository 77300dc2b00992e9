/**
 * The subcommands of `mydocker volume` as one table typed `as const` (as `commands.ts` holds the
 * commands), and the reading of `volume SUBCOMMAND ...` into an invocation. Runs nothing.
 *
 * @module
 */

import type { CommandSpec, OptionValues } from "./parse_args.ts";
import { type CommandGroup, parseGroupCommand } from "./command_group.ts";

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

/** `mydocker volume`'s subcommands as a group. */
const VOLUME_GROUP: CommandGroup = {
  name: "volume",
  description: "Manage volumes",
  commands: VOLUME_COMMANDS,
};

/**
 * Reads `volume SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parseVolumeCommand(
  subcommand: string | undefined,
  args: readonly string[],
): VolumeInvocation | { help: string } {
  // Each subcommand's options parsed by its own spec.
  return parseGroupCommand(VOLUME_GROUP, subcommand, args) as VolumeInvocation | { help: string };
}
