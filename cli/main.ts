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
      const { runCommand } = await import("./run_command.ts");
      return await runCommand(parsed.invocation);
    }
    case "exec": {
      const { execCommand } = await import("./exec_command.ts");
      return await execCommand(parsed.root, parsed.container, parsed.command, parsed.options);
    }
    case "pull": {
      const { pullCommand } = await import("./pull_command.ts");
      return await pullCommand(parsed.image, parsed.root, parsed.platform, parsed.quiet);
    }
    case "images": {
      const { imagesCommand } = await import("./images_command.ts");
      return await imagesCommand(parsed.root, parsed.options);
    }
    case "rmi": {
      const { rmiCommand } = await import("./rmi_command.ts");
      return await rmiCommand(parsed.root, parsed.images, parsed.force);
    }
    case "ps": {
      const { psCommand } = await import("./container_commands.ts");
      return psCommand(parsed.root, parsed.options);
    }
    case "rm": {
      const { rmCommand } = await import("./container_commands.ts");
      return await rmCommand(parsed.root, parsed.containers, parsed.force, parsed.volumes);
    }
    case "logs": {
      const { logsCommand } = await import("./logs_command.ts");
      return await logsCommand(parsed.root, parsed.container, parsed.options);
    }
    case "start": {
      const { startCommand } = await import("./container_commands.ts");
      return await startCommand(parsed.root, parsed.containers, parsed);
    }
    case "attach": {
      const { attachCommand } = await import("./attach_command.ts");
      return await attachCommand(parsed.root, parsed.container, parsed);
    }
    case "restart": {
      const { restartCommand } = await import("./container_commands.ts");
      return await restartCommand(parsed.root, parsed.containers, parsed.stop);
    }
    case "stop": {
      const { stopCommand } = await import("./container_commands.ts");
      return await stopCommand(parsed.root, parsed.containers, parsed.stop);
    }
    case "kill": {
      const { killCommand } = await import("./container_commands.ts");
      return await killCommand(parsed.root, parsed.containers, parsed.signal);
    }
    case "wait": {
      const { waitCommand } = await import("./container_commands.ts");
      return await waitCommand(parsed.root, parsed.containers);
    }
    case "completion": {
      const { completionCommand } = await import("./completion.ts");
      return completionCommand(parsed.shell);
    }
    case "cp": {
      const { cpCommand } = await import("./container_files_commands.ts");
      return await cpCommand(parsed.root, parsed.source, parsed.dest);
    }
    case "diff": {
      const { diffCommand } = await import("./container_files_commands.ts");
      return diffCommand(parsed.root, parsed.container);
    }
    case "export": {
      const { exportCommand } = await import("./container_files_commands.ts");
      return await exportCommand(parsed.root, parsed.container, parsed.output);
    }
    case "network": {
      const { networkCommand } = await import("./network_command.ts");
      return await networkCommand(parsed.root, parsed.invocation);
    }
    case "port": {
      const { portCommand } = await import("./network_command.ts");
      return portCommand(parsed.root, parsed.container, parsed.port);
    }
    case "volume": {
      const { volumeCommand } = await import("./volume_command.ts");
      return await volumeCommand(parsed.root, parsed.invocation);
    }
    case "inspect": {
      const { inspectCommand } = await import("./inspect_command.ts");
      return await inspectCommand(parsed.root, parsed.references, parsed);
    }
    case "version": {
      const { versionCommand } = await import("./system_commands.ts");
      return versionCommand(parsed.format);
    }
    case "info": {
      const { infoCommand } = await import("./system_commands.ts");
      return await infoCommand(parsed.root, parsed.format);
    }
    case "tag": {
      const { tagCommand } = await import("./tag_command.ts");
      return await tagCommand(parsed.root, parsed.source, parsed.target);
    }
    case "rename": {
      const { renameCommand } = await import("./container_info_commands.ts");
      return renameCommand(parsed.root, parsed.container, parsed.newName);
    }
    case "top": {
      const { topCommand } = await import("./container_info_commands.ts");
      return await topCommand(parsed.root, parsed.container, parsed.psArgs);
    }
    case "stats": {
      const { statsCommand } = await import("./container_info_commands.ts");
      return await statsCommand(parsed.root, parsed.containers, parsed.noStream);
    }
    case "prune": {
      const { pruneCommand } = await import("./prune_command.ts");
      return await pruneCommand(parsed.root, parsed.invocation);
    }
    case "save": {
      const { saveCommand } = await import("./image_archive_commands.ts");
      return await saveCommand(parsed.root, parsed.images, parsed.output);
    }
    case "load": {
      const { loadCommand } = await import("./image_archive_commands.ts");
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

/** Parses `args` (without the program name), runs the command they name, returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    const parsed = parseCommandLine(args);
    checkRoot(parsed);
    return await dispatch(parsed);
  } catch (error) {
    const { reportError } = await import("./report_error.ts");
    return reportError(error);
  }
}
