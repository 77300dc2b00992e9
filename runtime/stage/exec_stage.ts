/**
 * The exec stage: the hidden process of `mydocker exec`. It starts inside the container's PID
 * namespace (see `spawn_init.ts`), joins the container's cgroups and its other namespaces on its
 * main thread, then takes on the container's user, capabilities and seccomp profile and execs
 * the command.
 *
 * @module
 */

import type { ExecSpec } from "../spec/exec_spec.ts";
import { joinStageCgroups } from "./cgroup_join.ts";
import { attachConsole, createConsole } from "./console.ts";
import { takeOnCredentials } from "./credentials.ts";
import { execCommand } from "./exec_program.ts";
import { close, open, OpenFlag } from "../../sys/fs.ts";
import { CloneFlag, setns, unshare } from "../../sys/namespaces.ts";
import { Prctl, prctl, resetSignals } from "../../sys/process.ts";
import { runStage } from "./stage_failure.ts";

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
  const joinMemoryCgroups = joinStageCgroups(spec.cgroups);
  const fds = NAMESPACES.map((
    [name, type],
  ) => [open(`/proc/${spec.pid}/ns/${name}`, OpenFlag.RDONLY), type]);
  joinMemoryCgroups();
  // Joining a mount namespace needs a file system context of this thread's own.
  unshare(CLONE_FS);
  for (const [fd, type] of fds) {
    setns(fd!, type!);
    close(fd!);
  }
  const consoleSlave = spec.terminal && createConsole(spec.terminal.socketFd, false);
  Deno.chdir(spec.cwd);
  const env = takeOnCredentials(spec);
  if (consoleSlave !== undefined) attachConsole(consoleSlave);
  resetSignals();
  return execCommand(spec.args, env);
}

/** Runs the exec stage from its command-line argument (the JSON spec) and reports failures. */
export function execStageMain(specJson: string): never {
  return runStage(() => runExecStage(JSON.parse(specJson)), "Cannot exec in container: ");
}
