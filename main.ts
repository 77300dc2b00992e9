/**
 * mydocker: `docker run` re-built on Deno. This entry module parses the command line and hands
 * each command to its module, loading only what that command needs; the hidden init stage of a
 * container (see `runtime/init_stage.ts`) loads nothing but the runtime.
 *
 * @module
 */

import type { ExecOptions } from "./cli/exec_command.ts";
import type { RunInvocation } from "./cli/run_command.ts";
import { EXEC_STAGE_ARG, INIT_STAGE_ARG, MONITOR_ARG } from "./runtime/stage_args.ts";

/** The exit code of mydocker's own failures (bad flags, bad references, failed pulls). */
const EXIT_USAGE = 125;

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
  | { name: "help" };

const DEFAULT_ROOT = "/var/lib/mydocker";

/** Parses `args` (without the program name) into the command they name; runs nothing. */
export async function parseCommandLine(args: readonly string[]): Promise<ParsedCommand> {
  const { Command, CommanderError, InvalidArgumentError, Option } = await import("commander");
  let parsed: ParsedCommand = { name: "help" };
  let current = "mydocker";
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const program = new Command("mydocker")
    .description("Run containers from OCI images, without a daemon.")
    .usage("[OPTIONS] COMMAND")
    .helpOption("--help", "Print usage")
    .option(
      "--root <dir>",
      "Where images and containers are stored (default: $MYDOCKER_ROOT or /var/lib/mydocker)",
    )
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(false);
  const root = () => program.opts().root ?? Deno.env.get("MYDOCKER_ROOT") ?? DEFAULT_ROOT;

  program.command("run")
    .description("Create and run a new container from an image")
    .usage("[OPTIONS] IMAGE [COMMAND] [ARG...]")
    .helpOption("--help", "Print usage")
    .argument("<image>", "the image (with --rootfs, only a name)")
    .argument("[command...]", "the command and its arguments")
    .passThroughOptions()
    .option("--rootfs <dir>", "Use a directory as the root (never modified)")
    .option("-e, --env <KEY=VALUE>", "Set an environment variable (KEY alone copies it)", collect)
    .option("--env-file <file>", "Read environment variables from a file", collect)
    .option("-w, --workdir <dir>", "Working directory inside the container")
    .option("-h, --hostname <name>", "Container hostname")
    .addOption(
      new Option("--network <mode>", "Network: none (loopback only) or host").default("none"),
    )
    .option("--rm", "Remove the container when it exits (always done for now)")
    .option("--entrypoint <command>", "Overwrite the image's default entrypoint")
    .addOption(
      new Option("--pull <policy>", "Pull the image: missing, always or never").default("missing"),
    )
    .option("--platform <os/arch>", "Platform to pull, e.g. linux/arm64")
    .option("-q, --quiet", "Print nothing while pulling")
    .option("-u, --user <name|uid[:group|gid]>", "User to run the command as")
    .option("-v, --volume <HOST:CONTAINER[:ro]>", "Bind a host path into the container", collect)
    .option("--mount <type=bind|tmpfs,...>", "Attach a bind or tmpfs mount", collect)
    .option("--tmpfs <PATH[:OPTIONS]>", "Mount a tmpfs at PATH", collect)
    .option("--read-only", "Mount the container's root read-only")
    .option("--cap-add <capability>", "Add a Linux capability (or ALL)", collect)
    .option("--cap-drop <capability>", "Drop a Linux capability (or ALL)", collect)
    .option("--privileged", "All capabilities, no masked paths, no seccomp, writable /sys")
    .option("--security-opt <option>", "seccomp=unconfined or no-new-privileges", collect)
    .option("-m, --memory <bytes>", "Memory limit (e.g. 512m)")
    .option("--memory-swap <bytes>", "Memory plus swap limit; -1 for unlimited swap")
    .option("--cpus <number>", "Number of CPUs (e.g. 1.5)")
    .option("-c, --cpu-shares <weight>", "CPU shares (relative weight)")
    .option("--pids-limit <number>", "Maximum number of processes (-1 for unlimited)")
    .option("--init", "Run a minimal init as PID 1 that forwards signals and reaps zombies")
    .option("--name <name>", "Assign a name to the container")
    .option("-d, --detach", "Run in the background and print the container id")
    .option("-i, --interactive", "Keep stdin attached")
    .option("-t, --tty", "Allocate a pseudo-terminal")
    .action((image: string, command: string[], options: RunInvocation["options"]) => {
      parsed = { name: "run", invocation: { image, command, options, root: root() } };
    });

  program.command("pull")
    .description("Download an image from a registry")
    .usage("[OPTIONS] NAME[:TAG|@DIGEST]")
    .helpOption("--help", "Print usage")
    .argument("<image>", "the image")
    .option("--platform <os/arch>", "Platform to pull, e.g. linux/arm64")
    .option("-q, --quiet", "Print nothing but errors")
    .action((image: string, options: { platform?: string; quiet?: boolean }) => {
      parsed = {
        name: "pull",
        image,
        platform: options.platform,
        quiet: options.quiet === true,
        root: root(),
      };
    });

  program.command("images")
    .description("List images")
    .helpOption("--help", "Print usage")
    .option("-q, --quiet", "Only show image IDs")
    .action((options: { quiet?: boolean }) => {
      parsed = { name: "images", quiet: options.quiet === true, root: root() };
    });

  program.command("rmi")
    .description("Remove one or more images")
    .usage("IMAGE [IMAGE...]")
    .helpOption("--help", "Print usage")
    .argument("<images...>", "the images")
    .action((images: string[]) => {
      parsed = { name: "rmi", images, root: root() };
    });

  program.command("ps")
    .description("List containers")
    .helpOption("--help", "Print usage")
    .option("-a, --all", "Show all containers (default shows just running)")
    .option("-q, --quiet", "Only display container IDs")
    .action((options: { all?: boolean; quiet?: boolean }) => {
      parsed = {
        name: "ps",
        all: options.all === true,
        quiet: options.quiet === true,
        root: root(),
      };
    });

  program.command("rm")
    .description("Remove one or more containers")
    .usage("[OPTIONS] CONTAINER [CONTAINER...]")
    .helpOption("--help", "Print usage")
    .argument("<containers...>", "the containers")
    .option("-f, --force", "Force the removal of a running container (uses SIGKILL)")
    .action((containers: string[], options: { force?: boolean }) => {
      parsed = { name: "rm", containers, force: options.force === true, root: root() };
    });

  program.command("logs")
    .description("Fetch the logs of a detached container")
    .usage("CONTAINER")
    .helpOption("--help", "Print usage")
    .argument("<container>", "the container")
    .action((container: string) => {
      parsed = { name: "logs", container, root: root() };
    });

  program.command("stop")
    .description("Stop one or more running containers")
    .usage("[OPTIONS] CONTAINER [CONTAINER...]")
    .helpOption("--help", "Print usage")
    .argument("<containers...>", "the containers")
    .option("-t, --time <seconds>", "Seconds to wait before killing the container", "10")
    .action((containers: string[], options: { time: string }) => {
      const seconds = Number(options.time);
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new InvalidArgumentError(`invalid --time "${options.time}"`);
      }
      parsed = { name: "stop", containers, seconds, root: root() };
    });

  program.command("kill")
    .description("Kill one or more running containers")
    .usage("[OPTIONS] CONTAINER [CONTAINER...]")
    .helpOption("--help", "Print usage")
    .argument("<containers...>", "the containers")
    .option("-s, --signal <signal>", "Signal to send to the container", "KILL")
    .action((containers: string[], options: { signal: string }) => {
      parsed = { name: "kill", containers, signal: options.signal, root: root() };
    });

  program.command("wait")
    .description("Block until containers stop, then print their exit codes")
    .usage("CONTAINER [CONTAINER...]")
    .helpOption("--help", "Print usage")
    .argument("<containers...>", "the containers")
    .action((containers: string[]) => {
      parsed = { name: "wait", containers, root: root() };
    });

  program.command("exec")
    .description("Execute a command in a running container")
    .usage("[OPTIONS] CONTAINER COMMAND [ARG...]")
    .helpOption("--help", "Print usage")
    .argument("<container>", "the container")
    .argument("<command...>", "the command and its arguments")
    .passThroughOptions()
    .option("-e, --env <KEY=VALUE>", "Set an environment variable", collect)
    .option("--env-file <file>", "Read environment variables from a file", collect)
    .option("-w, --workdir <dir>", "Working directory inside the container")
    .option("-u, --user <name|uid[:group|gid]>", "User to run the command as")
    .option("-i, --interactive", "Keep stdin attached (always the case)")
    .action((container: string, command: string[], options: ExecOptions) => {
      parsed = { name: "exec", container, command, options, root: root() };
    });

  program.hook("preSubcommand", (_, sub) => {
    current = `mydocker ${sub.name()}`;
  });

  try {
    await program.parseAsync(args, { from: "user" });
    if (args.length === 0) program.outputHelp();
    return parsed;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === "commander.helpDisplayed" || error.code === "commander.help") {
      return { name: "help" };
    }
    return {
      name: "usage-error",
      message: error.message.replace(/^error: /, ""),
      hint: `See '${current} --help'.`,
    };
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
    const { initStageMain } = await import("./runtime/init_stage.ts");
    initStageMain(second);
  } else if (first === EXEC_STAGE_ARG) {
    const { execStageMain } = await import("./runtime/exec_stage.ts");
    execStageMain(second);
  } else if (first === MONITOR_ARG) {
    const { monitorMain } = await import("./runtime/monitor.ts");
    Deno.exit(await monitorMain(second, third));
  }
  Deno.exit(await main(Deno.args));
}
