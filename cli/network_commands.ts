/**
 * The subcommands of `mydocker network` as one table typed `as const` (as `commands.ts` holds the
 * commands), and the reading of `network SUBCOMMAND ...` into an invocation. Runs nothing.
 *
 * @module
 */

import type { CommandSpec, OptionValues } from "./parse_args.ts";
import { type CommandGroup, parseGroupCommand } from "./command_group.ts";

/** Every subcommand of `mydocker network`, as data. */
export const NETWORK_COMMANDS = {
  create: {
    name: "network create",
    usage: "[OPTIONS] NETWORK",
    description: "Create a network",
    minArgs: 1,
    maxArgs: 1,
    options: [
      {
        long: "driver",
        short: "d",
        value: "DRIVER",
        help: "Driver to manage the network (bridge)",
      },
      { long: "subnet", value: "CIDR", help: "Subnet in CIDR format, e.g. 10.10.0.0/24" },
      { long: "gateway", value: "ADDRESS", help: "Gateway for the subnet" },
    ],
  },
  inspect: {
    name: "network inspect",
    usage: "NETWORK [NETWORK...]",
    description: "Display detailed information on one or more networks",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
  ls: {
    name: "network ls",
    usage: "[OPTIONS]",
    description: "List networks",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "quiet", short: "q", help: "Only display network IDs" },
      { long: "no-trunc", help: "Do not truncate the output" },
      {
        long: "format",
        value: "TEMPLATE",
        help: "Format output using a Go template ('json': each network as JSON)",
      },
    ],
  },
  prune: {
    name: "network prune",
    usage: "[OPTIONS]",
    description: "Remove all unused networks (and, once none is used, the default bridge)",
    minArgs: 0,
    maxArgs: 0,
    options: [{ long: "force", short: "f", help: "Do not prompt for confirmation" }],
  },
  rm: {
    name: "network rm",
    usage: "NETWORK [NETWORK...]",
    description: "Remove one or more networks",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

/** The name of a subcommand in {@linkcode NETWORK_COMMANDS}. */
export type NetworkCommandName = keyof typeof NETWORK_COMMANDS;

/** One `mydocker network SUBCOMMAND` invocation, its options typed by the table. */
export type NetworkInvocation = {
  [N in NetworkCommandName]: {
    command: N;
    args: string[];
    options: OptionValues<(typeof NETWORK_COMMANDS)[N]>;
  };
}[NetworkCommandName];

/** `mydocker network`'s subcommands as a group. */
const NETWORK_GROUP: CommandGroup = {
  name: "network",
  description: "Manage networks",
  commands: NETWORK_COMMANDS,
};

/**
 * Reads `network SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parseNetworkCommand(
  subcommand: string | undefined,
  args: readonly string[],
): NetworkInvocation | { help: string } {
  // Each subcommand's options parsed by its own spec.
  return parseGroupCommand(NETWORK_GROUP, subcommand, args) as NetworkInvocation | {
    help: string;
  };
}
