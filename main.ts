/**
 * mydocker: `docker run` re-built on Deno. This entry module holds the command-line table, parses
 * the arguments with it, and hands each command to its module, loading only what that command
 * needs; the hidden stages (a container's init stage, `exec`'s stage, a detached container's
 * monitor) load nothing else.
 *
 * @module
 */

import type { ExecOptions } from "./cli/exec_command.ts";
import type { CommandSpec, OptionSpec, ParsedArgs } from "./cli/parse_args.ts";
import type { RunInvocation } from "./cli/run_command.ts";
import { EXEC_STAGE_ARG, INIT_STAGE_ARG, MONITOR_ARG } from "./runtime/spec/stage_args.ts";

/** The exit code of mydocker's own failures (bad flags, bad references, failed pulls). */
const EXIT_USAGE = 125;

const DEFAULT_ROOT = "/var/lib/mydocker";

const PLATFORM: OptionSpec = {
  long: "platform",
  value: "os/arch[/variant]",
  help: "Platform to pull, e.g. linux/arm64",
};
const ENV: OptionSpec = {
  long: "env",
  short: "e",
  value: "KEY=VALUE",
  multiple: true,
  help: "Set an environment variable (KEY alone copies it from here)",
};
const ENV_FILE: OptionSpec = {
  long: "env-file",
  value: "FILE",
  multiple: true,
  help: "Read environment variables from a file",
};
const WORKDIR: OptionSpec = {
  long: "workdir",
  short: "w",
  value: "DIR",
  help: "Working directory inside the container",
};
const USER: OptionSpec = {
  long: "user",
  short: "u",
  value: "name|uid[:group|gid]",
  help: "User to run the command as",
};

/** Every command mydocker knows, as data: options, arguments, help. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  run: {
    name: "run",
    usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    description: "Create and run a new container from an image",
    minArgs: 1,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [
      { long: "rootfs", value: "DIR", help: "Use a directory as the root (never modified)" },
      { long: "pull", value: "POLICY", default: "missing", help: "Pull: missing, always or never" },
      PLATFORM,
      { long: "quiet", short: "q", help: "Print nothing while pulling" },
      { long: "name", value: "NAME", help: "Assign a name to the container" },
      { long: "detach", short: "d", help: "Run in the background and print the container id" },
      { long: "rm", help: "Remove the container when it exits" },
      { long: "interactive", short: "i", help: "Keep stdin attached" },
      { long: "tty", short: "t", help: "Allocate a pseudo-terminal" },
      { long: "init", help: "Run a minimal init as PID 1 that forwards signals and reaps zombies" },
      { long: "entrypoint", value: "COMMAND", help: "Overwrite the image's entrypoint" },
      ENV,
      ENV_FILE,
      WORKDIR,
      USER,
      { long: "hostname", short: "h", value: "NAME", help: "Container hostname" },
      {
        long: "network",
        value: "MODE",
        default: "none",
        help: "Network: none (loopback only) or host",
      },
      {
        long: "volume",
        short: "v",
        value: "HOST:CONTAINER[:ro]",
        multiple: true,
        help: "Bind a host path into the container",
      },
      {
        long: "mount",
        value: "type=bind|tmpfs,...",
        multiple: true,
        help: "Attach a bind or tmpfs mount",
      },
      { long: "tmpfs", value: "PATH[:OPTIONS]", multiple: true, help: "Mount a tmpfs at PATH" },
      { long: "read-only", help: "Mount the container's root read-only" },
      {
        long: "no-pivot",
        help: "Enter the root with chroot, not pivot_root (for an initramfs root; less safe)",
      },
      { long: "cap-add", value: "CAP", multiple: true, help: "Add a Linux capability (or ALL)" },
      { long: "cap-drop", value: "CAP", multiple: true, help: "Drop a Linux capability (or ALL)" },
      {
        long: "privileged",
        help: "All capabilities and devices, no masked paths, no seccomp, writable /sys",
      },
      {
        long: "device",
        value: "HOST[:CONTAINER[:PERMISSIONS]]",
        multiple: true,
        help: "Give the container a host device (permissions: some of rwm)",
      },
      {
        long: "security-opt",
        value: "OPTION",
        multiple: true,
        help: "seccomp=unconfined or no-new-privileges",
      },
      { long: "memory", short: "m", value: "BYTES", help: "Memory limit (e.g. 512m)" },
      {
        long: "memory-swap",
        value: "BYTES",
        help: "Memory plus swap limit; -1 for unlimited swap",
      },
      { long: "cpus", value: "NUMBER", help: "Number of CPUs (e.g. 1.5)" },
      { long: "cpu-shares", short: "c", value: "WEIGHT", help: "CPU shares (relative weight)" },
      { long: "pids-limit", value: "NUMBER", help: "Maximum number of processes (-1: unlimited)" },
    ],
  },
  exec: {
    name: "exec",
    usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
    description: "Execute a command in a running container",
    minArgs: 1,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [
      ENV,
      ENV_FILE,
      WORKDIR,
      USER,
      { long: "interactive", short: "i", help: "Keep stdin attached" },
      { long: "tty", short: "t", help: "Allocate a pseudo-terminal" },
    ],
  },
  pull: {
    name: "pull",
    usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
    description: "Download an image from a registry",
    minArgs: 1,
    maxArgs: 1,
    options: [PLATFORM, { long: "quiet", short: "q", help: "Print nothing but errors" }],
  },
  images: {
    name: "images",
    usage: "[OPTIONS]",
    description: "List images",
    minArgs: 0,
    maxArgs: 0,
    options: [{ long: "quiet", short: "q", help: "Only show image IDs" }],
  },
  rmi: {
    name: "rmi",
    usage: "IMAGE [IMAGE...]",
    description: "Remove one or more images",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
  ps: {
    name: "ps",
    usage: "[OPTIONS]",
    description: "List containers",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "all", short: "a", help: "Show all containers (default shows just running)" },
      { long: "quiet", short: "q", help: "Only display container IDs" },
    ],
  },
  rm: {
    name: "rm",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Remove one or more containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{ long: "force", short: "f", help: "Remove a running container (uses SIGKILL)" }],
  },
  logs: {
    name: "logs",
    usage: "CONTAINER",
    description: "Fetch the logs of a detached container",
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  stop: {
    name: "stop",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Stop one or more running containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{
      long: "time",
      short: "t",
      value: "SECONDS",
      default: "10",
      help: "Seconds to wait before killing the container",
    }],
  },
  kill: {
    name: "kill",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Kill one or more running containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{
      long: "signal",
      short: "s",
      value: "SIGNAL",
      default: "KILL",
      help: "Signal to send to the container",
    }],
  },
  wait: {
    name: "wait",
    usage: "CONTAINER [CONTAINER...]",
    description: "Block until containers stop, then print their exit codes",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
};

/** What the command line asks for. */
export type ParsedCommand =
  | { name: "run"; invocation: RunInvocation }
  | { name: "pull"; image: string; platform: string | undefined; quiet: boolean; root: string }
  | { name: "images"; quiet: boolean; root: string }
  | { name: "rmi"; images: string[]; root: string }
  | { name: "ps"; all: boolean; quiet: boolean; root: string }
  | { name: "rm"; containers: string[]; force: boolean; root: string }
  | { name: "logs"; container: string; root: string }
  | { name: "stop"; containers: string[]; seconds: number; root: string }
  | { name: "kill"; containers: string[]; signal: string; root: string }
  | { name: "wait"; containers: string[]; root: string }
  | {
    name: "exec";
    container: string;
    command: string[];
    options: ExecOptions;
    root: string;
  }
  | { name: "usage-error"; message: string; hint: string }
  | { name: "help"; text: string };

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    "Usage:  mydocker [OPTIONS] COMMAND",
    "",
    "Run containers from OCI images, without a daemon.",
    "",
    "Options:",
    "      --root DIR  Where images and containers are stored",
    "                  (default: $MYDOCKER_ROOT or /var/lib/mydocker)",
    "      --help      Print usage",
    "",
    "Commands:",
    ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(width)}  ${c.description}`),
    "",
    "Run 'mydocker COMMAND --help' for more information on a command.",
    "",
  ].join("\n");
}

/** Turns a command's parsed arguments into the command to run. */
function toCommand(name: string, parsed: ParsedArgs, root: string): ParsedCommand {
  const { options, args, rest } = parsed;
  const flag = (key: string) => options[key] === true;
  switch (name) {
    case "run":
      return {
        name,
        invocation: {
          image: args[0]!,
          command: rest,
          options: options as unknown as RunInvocation["options"],
          root,
        },
      };
    case "exec":
      return {
        name,
        container: args[0]!,
        command: rest,
        options: options as unknown as ExecOptions,
        root,
      };
    case "pull":
      return {
        name,
        image: args[0]!,
        platform: options.platform as string | undefined,
        quiet: flag("quiet"),
        root,
      };
    case "images":
      return { name, quiet: flag("quiet"), root };
    case "rmi":
      return { name, images: args, root };
    case "ps":
      return { name, all: flag("all"), quiet: flag("quiet"), root };
    case "rm":
      return { name, containers: args, force: flag("force"), root };
    case "logs":
      return { name, container: args[0]!, root };
    case "stop": {
      const seconds = Number(options.time);
      if (!Number.isFinite(seconds) || seconds < 0) {
        return {
          name: "usage-error",
          message: `invalid --time "${options.time}"`,
          hint: "See 'mydocker stop --help'.",
        };
      }
      return { name, containers: args, seconds, root };
    }
    case "kill":
      return { name, containers: args, signal: options.signal as string, root };
    default:
      return { name: "wait", containers: args, root };
  }
}

/** Parses `args` (without the program name) into the command they name; runs nothing. */
export async function parseCommandLine(args: readonly string[]): Promise<ParsedCommand> {
  let root = Deno.env.get("MYDOCKER_ROOT") || DEFAULT_ROOT;
  let index = 0;
  for (; index < args.length && args[index]!.startsWith("-"); index++) {
    const arg = args[index]!;
    if (arg === "--help") return { name: "help", text: generalHelp() };
    if (arg === "--root" && index + 1 < args.length) root = args[++index]!;
    else if (arg.startsWith("--root=")) root = arg.slice("--root=".length);
    else {return {
        name: "usage-error",
        message: `unknown option '${arg}'`,
        hint: "See 'mydocker --help'.",
      };}
  }
  const name = args[index];
  if (name === undefined) return { name: "help", text: generalHelp() };
  const spec = COMMANDS[name];
  if (spec === undefined) {
    return {
      name: "usage-error",
      message: `unknown command '${name}'`,
      hint: "See 'mydocker --help'.",
    };
  }
  const { formatHelp, parseCommandArgs, UsageError } = await import("./cli/parse_args.ts");
  try {
    const parsed = parseCommandArgs(spec, args.slice(index + 1));
    if (parsed.help) return { name: "help", text: formatHelp(spec) };
    return toCommand(name, parsed, root);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { name: "usage-error", message: error.message, hint: `See '${error.command} --help'.` };
  }
}

/** Runs the container management commands (`ps`, `rm`, `logs`, `stop`, `kill`, `wait`). */
async function containerCommand(
  parsed: Extract<ParsedCommand, { name: "ps" | "rm" | "logs" | "stop" | "kill" | "wait" }>,
): Promise<number> {
  const commands = await import("./cli/container_commands.ts");
  switch (parsed.name) {
    case "ps":
      return commands.psCommand(parsed.root, parsed.all, parsed.quiet);
    case "rm":
      return await commands.rmCommand(parsed.root, parsed.containers, parsed.force);
    case "logs":
      return await commands.logsCommand(parsed.root, parsed.container);
    case "stop":
      return await commands.stopCommand(parsed.root, parsed.containers, parsed.seconds);
    case "kill":
      return await commands.killCommand(parsed.root, parsed.containers, parsed.signal);
    case "wait":
      return await commands.waitCommand(parsed.root, parsed.containers);
  }
}

/** Parses `args`, runs the command they name, and returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const parsed = await parseCommandLine(args);
    switch (parsed.name) {
      case "help":
        console.log(parsed.text);
        return 0;
      case "usage-error":
        console.error(`mydocker: ${parsed.message}\n${parsed.hint}`);
        return EXIT_USAGE;
      case "run": {
        const { runCommand } = await import("./cli/run_command.ts");
        return await runCommand(parsed.invocation);
      }
      case "pull": {
        const { pullCommand } = await import("./cli/pull_command.ts");
        return await pullCommand(parsed.image, parsed.root, parsed.platform, parsed.quiet);
      }
      case "images": {
        const { imagesCommand } = await import("./cli/images_command.ts");
        return await imagesCommand(parsed.root, parsed.quiet);
      }
      case "rmi": {
        const { rmiCommand } = await import("./cli/rmi_command.ts");
        return await rmiCommand(parsed.root, parsed.images);
      }
      case "exec": {
        const { execCommand } = await import("./cli/exec_command.ts");
        return await execCommand(parsed.root, parsed.container, parsed.command, parsed.options);
      }
      default:
        return await containerCommand(parsed);
    }
  } catch (error) {
    const { reportError } = await import("./cli/report_error.ts");
    return reportError(error);
  }
}

if (import.meta.main) {
  const [first, second = "", third = ""] = Deno.args;
  if (first === INIT_STAGE_ARG) {
    const { initStageMain } = await import("./runtime/stage/init_stage.ts");
    initStageMain(second);
  } else if (first === EXEC_STAGE_ARG) {
    const { execStageMain } = await import("./runtime/stage/exec_stage.ts");
    execStageMain(second);
  } else if (first === MONITOR_ARG) {
    const { monitorMain } = await import("./runtime/host/monitor.ts");
    Deno.exit(await monitorMain(second, third));
  }
  Deno.exit(await main(Deno.args));
}
