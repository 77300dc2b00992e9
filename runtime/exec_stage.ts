/**
 * The exec stage: the hidden process of `mydocker exec`. It starts inside the container's PID
 * namespace (see `spawn_init.ts`), joins the container's cgroups and its other namespaces on its
 * main thread, then takes on the container's user, capabilities and seccomp profile and execs
 * the command.
 *
 * @module
 */

import { joinCgroups } from "./cgroups/mod.ts";
import { limitBoundingSet, setCapabilities } from "./capability_sets.ts";
import { attachConsole, createConsole } from "./console.ts";
import { execCommand } from "./exec_program.ts";
import {
  CloneFlag,
  close,
  open,
  OpenFlag,
  Prctl,
  prctl,
  resetSignals,
  setns,
  switchUser,
  unshare,
} from "./libc.ts";
import { installSeccomp } from "./seccomp.ts";
import { runStage } from "./stage_main.ts";
import { resolveContainerUser } from "./user.ts";

/** What the exec stage receives. */
export interface ExecSpec {
  /** Host pid of the container's PID 1, whose namespaces are joined. */
  pid: number;
  /** The container's cgroup.procs files. */
  cgroupProcs: string[];
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  capabilities: string[];
  seccomp: boolean;
  noNewPrivileges: boolean;
  /** `exec -t`: the socket to send the new pty's master over. */
  terminal?: { socketFd: number };
}

/** Namespaces joined, in order: the mount namespace last, as it changes what paths mean. */
const NAMESPACES: readonly [string, number][] = [
  ["ipc", CloneFlag.NEWIPC],
  ["uts", CloneFlag.NEWUTS],
  ["net", CloneFlag.NEWNET],
  ["cgroup", CloneFlag.NEWCGROUP],
  ["mnt", CloneFlag.NEWNS],
];

const SIGKILL = 9;
const CLONE_FS = 0x200;

/** Enters the container of `spec` and execs the command; never returns. */
export function runExecStage(spec: ExecSpec): never {
  prctl(Prctl.SET_PDEATHSIG, SIGKILL);
  joinCgroups(spec.cgroupProcs);
  const fds = NAMESPACES.map((
    [name, type],
  ) => [open(`/proc/${spec.pid}/ns/${name}`, OpenFlag.RDONLY), type]);
  // Joining a mount namespace needs a file system context of this thread's own.
  unshare(CLONE_FS);
  for (const [fd, type] of fds) {
    setns(fd!, type!);
    close(fd!);
  }
  const consoleSlave = spec.terminal && createConsole(spec.terminal.socketFd, false);
  Deno.chdir(spec.cwd);
  const user = resolveContainerUser(spec.user);
  const env = spec.env.some((entry) => entry.startsWith("HOME="))
    ? spec.env
    : [...spec.env, `HOME=${user.home}`];
  const capabilities = limitBoundingSet(spec.capabilities);
  if (spec.noNewPrivileges) prctl(Prctl.SET_NO_NEW_PRIVS, 1);
  if (spec.seccomp) installSeccomp(spec.capabilities);
  switchUser(user.uid, user.gid, user.additionalGids);
  if (user.uid === 0) setCapabilities(capabilities);
  if (consoleSlave !== undefined) attachConsole(consoleSlave);
  resetSignals();
  return execCommand(spec.args, env);
}

/** Runs the exec stage from its command-line argument (the JSON spec) and reports failures. */
export function execStageMain(specJson: string): never {
  return runStage(() => runExecStage(JSON.parse(specJson)), "Cannot exec in container: ");
}
