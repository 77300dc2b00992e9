/**
 * `exec`, as dockerd's exec start: a command run in a running container named by the user, with
 * Docker's TERM for a terminal.
 *
 * @module
 */

import { execInContainer } from "../runtime/host/exec_container.ts";
import { findContainer } from "../runtime/state/containers.ts";

/** What to run in the container. */
export interface ExecRequest {
  /** The command and its arguments. */
  args: string[];
  /** The user's `KEY=VALUE` entries, resolved, on top of the container's environment. */
  env: string[];
  /** `-w`; the container's working directory when undefined. */
  workdir: string | undefined;
  /** `-u`; the container's user when undefined. */
  user: string | undefined;
  /** `-t`. */
  tty: boolean;
  /** `-i`. */
  interactive: boolean;
  /** `-d`. */
  detach: boolean;
}

/**
 * Runs `request` in the container `reference` names (name, id or unique id prefix) under `root`;
 * returns the command's exit code.
 *
 * @throws {ExitCodeError} (125) when no container or no running one has that name.
 */
export async function startExec(
  root: string,
  reference: string,
  request: ExecRequest,
): Promise<number> {
  const container = findContainer(root, reference);
  const { tty, interactive } = request;
  return await execInContainer(container, {
    args: request.args,
    // As Docker: TERM=xterm with -t, unless the user sets TERM.
    env: tty ? ["TERM=xterm", ...request.env] : request.env,
    cwd: request.workdir,
    user: request.user,
    tty,
    interactive,
    detach: request.detach,
  });
}
