/**
 * `mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...]`: runs a command in a running container.
 *
 * @module
 */

import { findContainer } from "../runtime/state/containers.ts";
import { execInContainer } from "../runtime/host/exec_container.ts";
import { checkTerminalOptions } from "../runtime/host/terminal.ts";
import { userEnvironment } from "./env_options.ts";

/** The options of `mydocker exec`. */
export interface ExecOptions {
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
}

/** Runs the command in the container and returns its exit code. */
export async function execCommand(
  root: string,
  reference: string,
  command: string[],
  options: ExecOptions,
): Promise<number> {
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  checkTerminalOptions({ tty, interactive, detach: false });
  const container = findContainer(root, reference);
  const env = userEnvironment(options.envFile ?? [], options.env ?? [], (key) => Deno.env.get(key));
  return await execInContainer(container, {
    args: command,
    // As Docker: TERM=xterm with -t, unless the user sets TERM.
    env: tty ? ["TERM=xterm", ...env] : env,
    cwd: options.workdir,
    user: options.user,
    tty,
    interactive,
  });
}
