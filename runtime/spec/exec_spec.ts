/**
 * The exec spec: what the exec stage of `mydocker exec` needs to enter a running container and
 * run a command there, computed on the host and handed over as JSON.
 *
 * @module
 */

import type { ProcessCredentials, StageCgroups } from "./container_spec.ts";

/** What the exec stage receives: the container's credentials and where to find it. */
export interface ExecSpec extends ProcessCredentials {
  /** Host pid of the container's PID 1, whose namespaces are joined. */
  pid: number;
  /** The container's cgroups. */
  cgroups: StageCgroups;
  args: string[];
  cwd: string;
  /** `exec -t`: the socket to send the new pty's master over. */
  terminal?: { socketFd: number };
  /**
   * `exec -d`: the command outlives mydocker (no parent-death signal), its stdin and stdout are
   * /dev/null and its stderr becomes so once it is found; the stage then writes one byte on its
   * status pipe, so that mydocker tells a command started from a stage that failed.
   */
  detached?: true;
  /**
   * With `detached`: the command keeps the stdio it was spawned with (the OCI face's `exec
   * --detach`, whose caller gave it its stdio).
   */
  keepsStdio?: true;
}
