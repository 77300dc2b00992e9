/**
 * Table-driven command-line parsing on Node's `util.parseArgs` (built into Deno, so nothing is
 * loaded from npm on the way to starting a container): options of one command, Docker's rule that
 * options end at the first positional argument when the rest is a command line, and help text
 * generated from the same table.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One option of a command. */
export interface OptionSpec {
  /** The long name, e.g. `env-file`; the parsed value's key is its camelCase form. */
  long: string;
  /** The one-letter short name, if any. */
  short?: string;
  /** The value's placeholder for options that take one (e.g. `KEY=VALUE`); none for flags. */
  value?: string;
  /** Whether the option may repeat (values collect into an array). */
  multiple?: boolean;
  /** The value when the option is absent. */
  default?: string;
  /** One line of help. */
  help: string;
}

/** One command: its options and positional arguments. */
export interface CommandSpec {
  name: string;
  /** What follows `mydocker NAME` in the usage line. */
  usage: string;
  description: string;
  options: readonly OptionSpec[];
  /** How many positional arguments it needs at least. */
  minArgs: number;
  /** How many positional arguments it takes at most (Infinity for a list). */
  maxArgs: number;
  /**
   * The number of positional arguments after which everything is passed on verbatim, options
   * included (`run IMAGE COMMAND...`: 1); undefined when options may appear anywhere.
   */
  verbatimAfter?: number;
}

/** What the command line said. */
export interface ParsedArgs {
  /** Option values by camelCase name. */
  options: Record<string, string | boolean | string[] | undefined>;
  /** Positional arguments up to {@linkcode CommandSpec.verbatimAfter}, or all of them. */
  args: string[];
  /** The verbatim rest (a command and its arguments). */
  rest: string[];
  /** Whether `--help` was given. */
  help: boolean;
}

/** A command line that does not fit its command: the message and a hint where to look. */
export class UsageError extends Error {
  /** Builds the error for `message` in `command` (e.g. `mydocker run`). */
  constructor(message: string, readonly command: string) {
    super(message);
    this.name = "UsageError";
  }
}

const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());

type ParseArgsOptions = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean }
>;

function parseArgsOptions(options: readonly OptionSpec[]): ParseArgsOptions {
  const config: ParseArgsOptions = { help: { type: "boolean" } };
  for (const option of options) {
    config[option.long] = {
      type: option.value === undefined ? "boolean" : "string",
      ...(option.short === undefined ? {} : { short: option.short }),
      ...(option.multiple ? { multiple: true } : {}),
    };
  }
  return config;
}

/** Turns `util.parseArgs`' errors into Docker-like messages. */
function usageMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = message.match(/^Unknown option '([^']+)'/);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = message.match(/^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/);
  if (missing) return `option '${missing[1]}' needs a value`;
  return message.split(". ")[0]!;
}

/** Parses `args` (what follows the command's name) for `spec`; throws a UsageError. */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  const command = `mydocker ${spec.name}`;
  const options = parseArgsOptions(spec.options);
  let split = args.length;
  if (spec.verbatimAfter !== undefined) {
    const { tokens } = parseArgs({
      args: [...args],
      options,
      strict: false,
      allowPositionals: true,
      tokens: true,
    });
    const positionals = tokens.filter((token) => token.kind === "positional");
    const last = positionals[spec.verbatimAfter - 1];
    if (last !== undefined) split = last.index + 1;
  }
  let parsed: ReturnType<typeof parseArgs<{ options: ParseArgsOptions; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: args.slice(0, split),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(usageMessage(error), command);
  }
  const values: ParsedArgs["options"] = {};
  for (const option of spec.options) {
    values[camelCase(option.long)] =
      (parsed.values[option.long] as ParsedArgs["options"][string]) ??
        option.default;
  }
  const help = parsed.values.help === true;
  const positional = parsed.positionals;
  if (!help && positional.length < spec.minArgs) {
    const plural = spec.minArgs === 1 ? "argument" : "arguments";
    throw new UsageError(`"${command}" requires at least ${spec.minArgs} ${plural}`, command);
  }
  if (positional.length > spec.maxArgs) {
    throw new UsageError(`"${command}" accepts at most ${spec.maxArgs} arguments`, command);
  }
  return { options: values, args: positional, rest: args.slice(split), help };
}

/** The help text of a command, generated from its table. */
export function formatHelp(spec: CommandSpec): string {
  const rows = [
    ...spec.options.map((option) => [
      `${option.short === undefined ? "    " : `-${option.short}, `}--${option.long}` +
      (option.value === undefined ? "" : ` ${option.value}`),
      option.help + (option.default === undefined ? "" : ` (default "${option.default}")`),
    ]),
    ["    --help", "Print usage"],
  ];
  const width = Math.max(...rows.map(([flags]) => flags!.length));
  return [
    `Usage:  mydocker ${spec.name} ${spec.usage}`,
    "",
    spec.description,
    "",
    "Options:",
    ...rows.map(([flags, help]) => `  ${flags!.padEnd(width)}  ${help}`),
    "",
  ].join("\n");
}
