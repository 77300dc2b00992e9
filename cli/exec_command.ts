/**
 * `mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...]`: runs a command in a running container.
 *
 * @module
 */

import { startExec } from "../engine/start_exec.ts";
import type { OptionsOf } from "./commands.ts";
import { userEnvironment } from "./env_options.ts";
import { checkTerminalOptions } from "./terminal_options.ts";

/** Runs the command in the container and returns its exit code. */
export async function execCommand(
  root: string,
  reference: string,
  command: string[],
  options: OptionsOf<"exec">,
): Promise<number> {
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  const detach = options.detach === true;
  checkTerminalOptions({ tty, interactive, detach });
  return await startExec(root, reference, {
    args: command,
    env: userEnvironment(options.envFile ?? [], options.env ?? [], (key) => Deno.env.get(key)),
    workdir: options.workdir,
    user: options.user,
    tty,
    interactive,
    detach,
  });
}
