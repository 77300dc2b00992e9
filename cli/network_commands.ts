/**
 * The subcommands of `mydocker network` as one table typed `as const` (as `commands.ts` holds the
 * commands), and the reading of `network SUBCOMMAND ...` into an invocation. Runs nothing.
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

function networkHelp(): string {
  return [
    "Usage:  mydocker network COMMAND",
    "",
    "Manage networks",
    "",
    "Commands:",
    ...Object.entries(NETWORK_COMMANDS).map(([name, c]) => `  ${name.padEnd(8)}  ${c.description}`),
    "",
    "Run 'mydocker network COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

function isNetworkCommand(name: string): name is NetworkCommandName {
  return Object.hasOwn(NETWORK_COMMANDS, name);
}

/**
 * Reads `network SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parseNetworkCommand(
  subcommand: string | undefined,
  args: readonly string[],
): NetworkInvocation | { help: string } {
  if (subcommand === undefined) return { help: networkHelp() };
  if (!isNetworkCommand(subcommand)) {
    throw new UsageError(`unknown command 'network ${subcommand}'`, "mydocker network");
  }
  const spec = NETWORK_COMMANDS[subcommand];
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help) return { help: formatHelp(spec) };
  return { command: subcommand, args: parsed.args, options: parsed.options } as NetworkInvocation;
}
