/**
 * mydocker: `docker run` re-built on Deno. This entry module parses the command line and hands
 * each command to its module, loading only what that command needs; the hidden init stage of a
 * container (see `runtime/init_stage.ts`) loads nothing but the runtime.
 *
 * @module
 */

import type { RunInvocation } from "./cli/run_command.ts";
import { INIT_STAGE_ARG } from "./runtime/container_spec.ts";

/** The exit code of mydocker's own failures (bad flags, bad references, failed pulls). */
const EXIT_USAGE = 125;

/** What the command line asks for. */
export type ParsedCommand =
  | { name: "run"; invocation: RunInvocation }
  | { name: "pull"; image: string; platform: string | undefined; quiet: boolean; root: string }
  | { name: "images"; quiet: boolean; root: string }
  | { name: "rmi"; images: string[]; root: string }
  | { name: "usage-error"; message: string; hint: string }
  | { name: "help" };

const DEFAULT_ROOT = "/var/lib/mydocker";

/** Parses `args` (without the program name) into the command they name; runs nothing. */
export async function parseCommandLine(args: readonly string[]): Promise<ParsedCommand> {
  const { Command, CommanderError, Option } = await import("commander");
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
    }
  } catch (error) {
    const { reportError } = await import("./cli/report_error.ts");
    return reportError(error);
  }
}

if (import.meta.main) {
  if (Deno.args[0] === INIT_STAGE_ARG) {
    const { initStageMain } = await import("./runtime/init_stage.ts");
    initStageMain(Deno.args[1] ?? "");
  }
  Deno.exit(await main(Deno.args));
}
