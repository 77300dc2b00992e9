/**
 * The two-word commands that free space, `container prune`, `image prune`, `system prune` and
 * `system df`, as tables typed `as const` (as `volume_commands.ts` holds `volume`'s), and the
 * reading of `GROUP SUBCOMMAND ...` into an invocation. Runs nothing.
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

const FORCE = { long: "force", short: "f", help: "Do not prompt for confirmation" } as const;

/** The subcommands of each group, as data. */
export const PRUNE_GROUPS = {
  container: {
    prune: {
      name: "container prune",
      usage: "[OPTIONS]",
      description: "Remove all stopped containers",
      minArgs: 0,
      maxArgs: 0,
      options: [FORCE],
    },
  },
  image: {
    prune: {
      name: "image prune",
      usage: "[OPTIONS]",
      description: "Remove unused images",
      minArgs: 0,
      maxArgs: 0,
      options: [
        { long: "all", short: "a", help: "Remove all unused images, not just dangling ones" },
        FORCE,
      ],
    },
  },
  system: {
    df: {
      name: "system df",
      usage: "[OPTIONS]",
      description: "Show mydocker disk usage",
      minArgs: 0,
      maxArgs: 0,
      options: [
        { long: "verbose", short: "v", help: "Show detailed information on space usage" },
      ],
    },
    prune: {
      name: "system prune",
      usage: "[OPTIONS]",
      description: "Remove unused data",
      minArgs: 0,
      maxArgs: 0,
      options: [
        { long: "all", short: "a", help: "Remove all unused images not just dangling ones" },
        FORCE,
        { long: "volumes", help: "Prune anonymous volumes" },
      ],
    },
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, CommandSpec>>>>;

/** A group of {@linkcode PRUNE_GROUPS}: `container`, `image` or `system`. */
export type PruneGroup = keyof typeof PRUNE_GROUPS;

type Subcommands<G extends PruneGroup> = (typeof PRUNE_GROUPS)[G];

/** One `mydocker GROUP SUBCOMMAND` invocation, its options typed by the table. */
export type PruneInvocation = {
  [G in PruneGroup]: {
    [N in keyof Subcommands<G>]: {
      group: G;
      command: N;
      options: Subcommands<G>[N] extends CommandSpec ? OptionValues<Subcommands<G>[N]> : never;
    };
  }[keyof Subcommands<G>];
}[PruneGroup];

const DESCRIPTIONS: Readonly<Record<PruneGroup, string>> = {
  container: "Manage containers",
  image: "Manage images",
  system: "Manage mydocker",
};

/** `mydocker GROUP --help`: the group's subcommands. */
function groupHelp(group: PruneGroup): string {
  return [
    `Usage:  mydocker ${group} COMMAND`,
    "",
    DESCRIPTIONS[group],
    "",
    "Commands:",
    ...Object.entries(PRUNE_GROUPS[group]).map(([name, c]) =>
      `  ${name.padEnd(8)}  ${c.description}`
    ),
    "",
    `Run 'mydocker ${group} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

/**
 * Reads `GROUP SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parsePruneCommand(
  group: PruneGroup,
  subcommand: string | undefined,
  args: readonly string[],
): PruneInvocation | { help: string } {
  if (subcommand === undefined) return { help: groupHelp(group) };
  const table: Readonly<Record<string, CommandSpec>> = PRUNE_GROUPS[group];
  const spec = table[subcommand];
  if (!Object.hasOwn(table, subcommand) || spec === undefined) {
    throw new UsageError(`unknown command '${group} ${subcommand}'`, `mydocker ${group}`);
  }
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help) return { help: formatHelp(spec) };
  // Each subcommand's options parsed by its own spec.
  return { group, command: subcommand, options: parsed.options } as PruneInvocation;
}
