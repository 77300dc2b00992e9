/**
 * The command-line interface: reads the command line into a request, hands it to the command's
 * module (loaded only when that command runs: `run` loads neither npm code nor the other
 * commands), and turns what comes back, or what was thrown, into output and an exit code.
 *
 * @module
 */

import { EXIT_MYDOCKER_FAILED, ExitCodeError } from "../sys/exit_codes.ts";
import { COMMANDS } from "./commands.ts";
import type { CommandSpec } from "./parse_args.ts";
import { parseCommandLine, type ParsedCommand } from "./command_line.ts";

/**
 * Command modules bundled with this one, by their path relative to it (`"./run_command.ts"`):
 * the run bundle's entry ({@link ../run_main.ts}) hands them over, as esbuild's code splitting made
 * them.
 */
export type BundledModules = Readonly<Record<string, () => Promise<unknown>>>;

let bundled: BundledModules = {};

/**
 * Loads the command module at `path` (relative to this one) when its command runs: the bundled
 * one, else from source. The path is not a string literal, so that Deno does not walk every
 * command's modules at startup.
 */
function load<Module>(path: string): Promise<Module> {
  const module = bundled[path];
  if (module !== undefined) return module() as Promise<Module>;
  return import(new URL(path, import.meta.url).href);
}

/** Runs the request `parsed` and returns the process exit code. */
async function dispatch(parsed: ParsedCommand): Promise<number> {
  switch (parsed.name) {
    case "help":
      console.log(parsed.text);
      return 0;
    case "usage-error":
      console.error(`mydocker: ${parsed.message}\n${parsed.hint}`);
      return EXIT_MYDOCKER_FAILED;
    case "run": {
      const { runCommand } = await load<typeof import("./run_command.ts")>("./run_command.ts");
      return await runCommand(parsed.invocation);
    }
    case "exec": {
      const { execCommand } = await load<typeof import("./exec_command.ts")>("./exec_command.ts");
      return await execCommand(parsed.root, parsed.container, parsed.command, parsed.options);
    }
    case "pull": {
      const { pullCommand } = await load<typeof import("./pull_command.ts")>("./pull_command.ts");
      return await pullCommand(parsed.image, parsed.root, parsed.platform, parsed.quiet);
    }
    case "images": {
      const { imagesCommand } = await load<typeof import("./images_command.ts")>(
        "./images_command.ts",
      );
      return await imagesCommand(parsed.root, parsed.options);
    }
    case "rmi": {
      const { rmiCommand } = await load<typeof import("./rmi_command.ts")>("./rmi_command.ts");
      return await rmiCommand(parsed.root, parsed.images, parsed.force);
    }
    case "ps": {
      const { psCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return psCommand(parsed.root, parsed.options);
    }
    case "rm": {
      const { rmCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await rmCommand(parsed.root, parsed.containers, parsed.force, parsed.volumes);
    }
    case "logs": {
      const { logsCommand } = await load<typeof import("./logs_command.ts")>("./logs_command.ts");
      return await logsCommand(parsed.root, parsed.container, parsed.options);
    }
    case "start": {
      const { startCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await startCommand(parsed.root, parsed.containers, parsed);
    }
    case "attach": {
      const { attachCommand } = await load<typeof import("./attach_command.ts")>(
        "./attach_command.ts",
      );
      return await attachCommand(parsed.root, parsed.container, parsed);
    }
    case "restart": {
      const { restartCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await restartCommand(parsed.root, parsed.containers, parsed.stop);
    }
    case "stop": {
      const { stopCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await stopCommand(parsed.root, parsed.containers, parsed.stop);
    }
    case "kill": {
      const { killCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await killCommand(parsed.root, parsed.containers, parsed.signal);
    }
    case "wait": {
      const { waitCommand } = await load<typeof import("./container_commands.ts")>(
        "./container_commands.ts",
      );
      return await waitCommand(parsed.root, parsed.containers);
    }
    case "completion": {
      const { completionCommand } = await load<typeof import("./completion.ts")>("./completion.ts");
      return completionCommand(parsed.shell);
    }
    case "cp": {
      const { cpCommand } = await load<typeof import("./container_files_commands.ts")>(
        "./container_files_commands.ts",
      );
      return await cpCommand(parsed.root, parsed.source, parsed.dest);
    }
    case "diff": {
      const { diffCommand } = await load<typeof import("./container_files_commands.ts")>(
        "./container_files_commands.ts",
      );
      return diffCommand(parsed.root, parsed.container);
    }
    case "export": {
      const { exportCommand } = await load<typeof import("./container_files_commands.ts")>(
        "./container_files_commands.ts",
      );
      return await exportCommand(parsed.root, parsed.container, parsed.output);
    }
    case "network": {
      const { networkCommand } = await load<typeof import("./network_command.ts")>(
        "./network_command.ts",
      );
      return await networkCommand(parsed.root, parsed.invocation);
    }
    case "port": {
      const { portCommand } = await load<typeof import("./network_command.ts")>(
        "./network_command.ts",
      );
      return portCommand(parsed.root, parsed.container, parsed.port);
    }
    case "volume": {
      const { volumeCommand } = await load<typeof import("./volume_command.ts")>(
        "./volume_command.ts",
      );
      return await volumeCommand(parsed.root, parsed.invocation);
    }
    case "inspect": {
      const { inspectCommand } = await load<typeof import("./inspect_command.ts")>(
        "./inspect_command.ts",
      );
      return await inspectCommand(parsed.root, parsed.references, parsed);
    }
    case "version": {
      const { versionCommand } = await load<typeof import("./system_commands.ts")>(
        "./system_commands.ts",
      );
      return versionCommand(parsed.format);
    }
    case "info": {
      const { infoCommand } = await load<typeof import("./system_commands.ts")>(
        "./system_commands.ts",
      );
      return await infoCommand(parsed.root, parsed.format);
    }
    case "tag": {
      const { tagCommand } = await load<typeof import("./tag_command.ts")>("./tag_command.ts");
      return await tagCommand(parsed.root, parsed.source, parsed.target);
    }
    case "rename": {
      const { renameCommand } = await load<typeof import("./container_info_commands.ts")>(
        "./container_info_commands.ts",
      );
      return renameCommand(parsed.root, parsed.container, parsed.newName);
    }
    case "top": {
      const { topCommand } = await load<typeof import("./container_info_commands.ts")>(
        "./container_info_commands.ts",
      );
      return await topCommand(parsed.root, parsed.container, parsed.psArgs);
    }
    case "stats": {
      const { statsCommand } = await load<typeof import("./container_info_commands.ts")>(
        "./container_info_commands.ts",
      );
      return await statsCommand(parsed.root, parsed.containers, parsed.noStream);
    }
    case "prune": {
      const { pruneCommand } = await load<typeof import("./prune_command.ts")>(
        "./prune_command.ts",
      );
      return await pruneCommand(parsed.root, parsed.invocation);
    }
    case "save": {
      const { saveCommand } = await load<typeof import("./image_archive_commands.ts")>(
        "./image_archive_commands.ts",
      );
      return await saveCommand(parsed.root, parsed.images, parsed.output);
    }
    case "load": {
      const { loadCommand } = await load<typeof import("./image_archive_commands.ts")>(
        "./image_archive_commands.ts",
      );
      return await loadCommand(parsed.root, parsed.input, parsed.quiet);
    }
    default: {
      const unhandled: never = parsed;
      throw new TypeError(`Cannot run command ${JSON.stringify(unhandled)}: no handler`);
    }
  }
}

/** What a command that needs root says without it (after `mydocker: `). */
export const NEEDS_ROOT =
  "needs root (containers need namespaces, mounts and cgroups, and the store is root's): run it with sudo";

/**
 * Refuses, as one line, a command that needs root (all but help, `version` and `completion`) when
 * mydocker runs without it, before it reads or creates anything.
 */
function checkRoot(parsed: ParsedCommand): void {
  if (parsed.name === "help" || parsed.name === "usage-error") return;
  const spec: CommandSpec | undefined = Object.hasOwn(COMMANDS, parsed.name)
    ? COMMANDS[parsed.name as keyof typeof COMMANDS]
    : undefined; // A subcommand's own request, such as `prune`.
  if (spec?.unprivileged === true || Deno.uid() === 0) return;
  throw new ExitCodeError(NEEDS_ROOT);
}

/**
 * Parses `args` (without the program name), runs the command they name, returns the exit code;
 * `modules` are the command modules bundled with this one.
 */
export async function main(
  args: readonly string[],
  modules: BundledModules = {},
): Promise<number> {
  bundled = modules;
  try {
    const parsed = parseCommandLine(args);
    checkRoot(parsed);
    return await dispatch(parsed);
  } catch (error) {
    const { reportError } = await load<typeof import("./report_error.ts")>("./report_error.ts");
    return reportError(error);
  }
}
