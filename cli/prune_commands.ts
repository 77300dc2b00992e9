/**
 * The two-word commands that free space, `container prune`, `image prune`, `system prune` and
 * `system df`, as tables typed `as const` (as `volume_commands.ts` holds `volume`'s), and the
 * reading of `GROUP SUBCOMMAND ...` into an invocation. Runs nothing.
 *
 * @module
 */

import type { CommandSpec, OptionValues } from "./parse_args.ts";
import { parseGroupCommand } from "./command_group.ts";

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

/**
 * Reads `GROUP SUBCOMMAND ARGS...` into an invocation, or the help text asked for; throws a
 * UsageError.
 */
export function parsePruneCommand(
  group: PruneGroup,
  subcommand: string | undefined,
  args: readonly string[],
): PruneInvocation | { help: string } {
  const commands = PRUNE_GROUPS[group];
  const parsed = parseGroupCommand(
    { name: group, description: DESCRIPTIONS[group], commands },
    subcommand,
    args,
  );
  if ("help" in parsed) return parsed;
  // Each subcommand's options parsed by its own spec.
  return { group, command: parsed.command, options: parsed.options } as PruneInvocation;
}
