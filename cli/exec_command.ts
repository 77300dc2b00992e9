/**
 * `mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...]`: runs a command in a running container.
 *
 * @module
 */

import { findContainer } from "../runtime/containers.ts";
import { execInContainer } from "../runtime/exec_container.ts";
import { userEnvironment } from "./env_options.ts";

/** The options of `mydocker exec`. */
export interface ExecOptions {
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
}

/** Runs the command in the container and returns its exit code. */
export async function execCommand(
  root: string,
  reference: string,
  command: string[],
  options: ExecOptions,
): Promise<number> {
  const container = findContainer(root, reference);
  return await execInContainer(container, {
    args: command,
    env: userEnvironment(options.envFile ?? [], options.env ?? [], (key) => Deno.env.get(key)),
    cwd: options.workdir,
    user: options.user,
  });
}
