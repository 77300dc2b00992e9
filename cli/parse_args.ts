/**
 * Table-driven command-line parsing as pflag (Docker's parser) does it: options of one command,
 * Docker's rule that options end at the first positional argument when the rest is a command line,
 * and help text generated from the same table. Hand-written: Node's `util.parseArgs` would cost
 * every mydocker process Deno's Node compatibility layer, about 20 ms of its start.
 *
 * @module
 */

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
  /** Whether it runs without root (it touches no container, image or store); else it needs it. */
  unprivileged?: true;
}

/** One parsed option value: a string, a flag, a list of strings, or absent. */
type OptionValue = string | boolean | string[] | undefined;

/** `env-file` → `envFile`: the key an option's value is parsed under. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/**
 * The parsed value of option `O`: a flag is true, false (`=false`) or absent, a repeatable
 * option a list or absent, an option with a default always a string.
 */
type ValueOf<O extends OptionSpec> = O extends { value: string }
  ? O extends { multiple: true } ? string[] | undefined
  : O extends { default: string } ? string
  : string | undefined
  : boolean | undefined;

/** The option values of command `S` by camelCase name, as the parser hands them over. */
export type OptionValues<S extends CommandSpec> = {
  readonly [O in S["options"][number] as CamelCase<O["long"]>]: ValueOf<O>;
};

/** What the command line said about command `S`. */
export interface ParsedArgs<S extends CommandSpec> {
  /** Option values by camelCase name. */
  options: OptionValues<S>;
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

/**
 * Reads `value` as pflag reads an int flag named `flag` (`-t, --time`) of `command`.
 *
 * @throws {UsageError} in pflag's words when it is not an integer.
 */
export function parseIntFlag(value: string, flag: string, command: string): number {
  if (!/^[+-]?\d+$/.test(value)) {
    throw new UsageError(
      `invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`,
      command,
    );
  }
  return Number(value);
}

/** `env-file` → `envFile` (no regular expression: a run parses a hundred options' names). */
function camelCase(name: string): string {
  if (!name.includes("-")) return name;
  return name.split("-").map((word, index) =>
    index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)
  ).join("");
}

/** The words pflag (Go's strconv.ParseBool) takes for a boolean flag's `=VALUE`. */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  "1": true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

/** How many arguments a command wants, in Docker's words: `requires exactly 1 argument.` */
function argumentCountMessage(spec: CommandSpec, command: string): string {
  const count = (n: number) => `${n} argument${n === 1 ? "" : "s"}`;
  if (spec.maxArgs === 0) return `"${command}" accepts no arguments.`;
  const listed = spec.maxArgs === Infinity || spec.verbatimAfter !== undefined;
  if (listed) return `"${command}" requires at least ${count(spec.minArgs)}.`;
  if (spec.minArgs === spec.maxArgs) return `"${command}" requires exactly ${count(spec.minArgs)}.`;
  return `"${command}" requires at least ${count(spec.minArgs)} and at most ${
    count(spec.maxArgs)
  }.`;
}

/** The command line split as pflag reads it: options and positionals, then the verbatim rest. */
interface SplitArgs {
  /** Options, each value attached (`--name=value`), and positional arguments (after `--` too). */
  head: string[];
  /** What follows the positional arguments of {@linkcode CommandSpec.verbatimAfter}. */
  rest: string[];
  /** The flags set false explicitly (`--sig-proxy=false`), by long name. */
  negated: Set<string>;
}

/**
 * Rewrites `args` the way pflag (Docker's parser) reads them, every value attached as
 * `--long=value`: an option that takes a value consumes the next argument
 * whatever it looks like (`--memory-swap -1`), `-u=VALUE` means VALUE, a group of short flags
 * may end with one that takes a value (`-itu 1000`, `-eKEY=1`), and a flag may say
 * `--rm=true|false` (`-d=false`). Throws a UsageError in pflag's words for an unknown flag
 * (`unknown flag: --x`), a value-taking option at the end of the line and a bad boolean.
 */
function splitArgs(spec: CommandSpec, args: readonly string[], command: string): SplitArgs {
  const byLong = new Map(spec.options.map((option) => [option.long, option]));
  const byShort = new Map(
    spec.options.flatMap((option) =>
      option.short === undefined ? [] : [[option.short, option] as const]
    ),
  );
  const head: string[] = [];
  const negated = new Set<string>();
  let index = 0;
  const valueOf = (given: string): string => {
    if (index + 1 >= args.length) {
      throw new UsageError(`flag needs an argument: ${given}`, command);
    }
    return args[++index]!;
  };
  /** A flag's `=VALUE` as `--long` or nothing (false), as pflag reads a boolean. */
  const flag = (option: OptionSpec, value: string | undefined): string[] => {
    if (value === undefined) return [`--${option.long}`];
    const on = BOOLEAN_WORDS[value];
    if (on === undefined) {
      throw new UsageError(
        `invalid argument "${value}" for "--${option.long}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
        command,
      );
    }
    if (!on) negated.add(option.long);
    return on ? [`--${option.long}`] : [];
  };
  const longOption = (arg: string): string[] => {
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    if (name === "help") return [arg];
    const option = byLong.get(name);
    if (option === undefined) throw new UsageError(`unknown flag: --${name}`, command);
    if (option.value === undefined) return flag(option, inline);
    return [`--${option.long}=${inline ?? valueOf(`--${name}`)}`];
  };
  const shortGroup = (arg: string): string[] => {
    const expanded: string[] = [];
    for (let at = 1; at < arg.length; at++) {
      const letter = arg[at]!;
      const option = byShort.get(letter);
      if (option === undefined) {
        throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`, command);
      }
      const inline = arg.slice(at + 1);
      if (option.value === undefined) {
        if (!inline.startsWith("=")) {
          expanded.push(`--${option.long}`);
          continue;
        }
        expanded.push(...flag(option, inline.slice(1)));
      } else {
        const value = inline.startsWith("=")
          ? inline.slice(1)
          : inline === ""
          ? valueOf(`'${letter}' in ${arg}`)
          : inline;
        expanded.push(`--${option.long}=${value}`);
      }
      break;
    }
    return expanded;
  };
  let positionals = 0;
  for (; index < args.length; index++) {
    if (positionals === spec.verbatimAfter) break;
    const arg = args[index]!;
    if (arg === "--") {
      const after = args.slice(index + 1);
      const wanted = spec.verbatimAfter === undefined
        ? after.length
        : spec.verbatimAfter - positionals;
      return {
        head: [...head, arg, ...after.slice(0, wanted)],
        rest: after.slice(wanted),
        negated,
      };
    }
    if (arg.startsWith("--")) head.push(...longOption(arg));
    else if (arg.startsWith("-") && arg !== "-") head.push(...shortGroup(arg));
    else {
      head.push(arg);
      positionals++;
    }
  }
  return { head, rest: args.slice(index), negated };
}

/**
 * Parses `args` (what follows the command's name) for `spec`, typing the option values from the
 * spec itself; throws a UsageError.
 */
export function parseCommandArgs<S extends CommandSpec>(
  spec: S,
  args: readonly string[],
): ParsedArgs<S> {
  const command = `mydocker ${spec.name}`;
  const { head, rest, negated } = splitArgs(spec, args, command);
  const byLong = new Map(spec.options.map((option) => [option.long, option]));
  const given = new Map<string, string | true | string[]>();
  const positional: string[] = [];
  let help = false;
  for (const [index, arg] of head.entries()) {
    if (arg === "--") {
      positional.push(...head.slice(index + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    if (name === "help") {
      help = true;
      continue;
    }
    // splitArgs attached every value and refused unknown names.
    const option = byLong.get(name)!;
    const value = arg.slice(equals + 1);
    if (option.value === undefined) given.set(name, true);
    else if (!option.multiple) given.set(name, value);
    else given.set(name, [...(given.get(name) as string[] | undefined) ?? [], value]);
  }
  const values: Record<string, OptionValue> = {};
  for (const option of spec.options) {
    const value = given.get(option.long) ?? (negated.has(option.long) ? false : undefined);
    values[camelCase(option.long)] = value ?? option.default;
  }
  if (!help && (positional.length < spec.minArgs || positional.length > spec.maxArgs)) {
    throw new UsageError(argumentCountMessage(spec, command), command);
  }
  // The one place the values meet their type: built from the same spec, key by key.
  return { options: values as OptionValues<S>, args: positional, rest, help };
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
