/**
 * A group of subcommands (`mydocker volume …`, `mydocker network …`, `mydocker system …`): its
 * help text and the reading of `GROUP SUBCOMMAND ARGS...` by the subcommand's own spec. The
 * groups' tables live beside their commands (`volume_commands.ts`, …). Runs nothing.
 *
 * @module
 */

import {
  type CommandSpec,
  formatHelp,
  parseCommandArgs,
  type ParsedArgs,
  UsageError,
} from "./parse_args.ts";

/** A group's name, what it manages (`Manage volumes`), and its subcommands. */
export interface CommandGroup {
  /** The word after `mydocker`: `volume`. */
  name: string;
  /** The line under the usage in the group's help. */
  description: string;
  /** Every subcommand, by name. */
  commands: Readonly<Record<string, CommandSpec>>;
}

/** `mydocker GROUP --help`: the group's subcommands. */
function groupHelp(group: CommandGroup): string {
  return [
    `Usage:  mydocker ${group.name} COMMAND`,
    "",
    group.description,
    "",
    "Commands:",
    ...Object.entries(group.commands).map(([name, c]) => `  ${name.padEnd(8)}  ${c.description}`),
    "",
    `Run 'mydocker ${group.name} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

/**
 * Reads `GROUP SUBCOMMAND ARGS...`: the subcommand's name, arguments and options (parsed by
 * its own spec), or the help text asked for.
 *
 * @throws {UsageError} for an unknown subcommand or bad arguments.
 */
export function parseGroupCommand(
  group: CommandGroup,
  subcommand: string | undefined,
  args: readonly string[],
): { command: string; args: string[]; options: ParsedArgs<CommandSpec>["options"] } | {
  help: string;
} {
  if (subcommand === undefined) return { help: groupHelp(group) };
  const spec = Object.hasOwn(group.commands, subcommand) ? group.commands[subcommand] : undefined;
  if (spec === undefined) {
    throw new UsageError(
      `unknown command '${group.name} ${subcommand}'`,
      `mydocker ${group.name}`,
    );
  }
  const parsed = parseCommandArgs(spec, args);
  if (parsed.help) return { help: formatHelp(spec) };
  return { command: subcommand, args: parsed.args, options: parsed.options };
}
