/**
 * The exec stage: the hidden process of `mydocker exec`. It starts inside the container's PID
 * namespace (see `spawn_stage.ts`), joins the container's cgroups and its other namespaces on its
 * main thread, then takes on the container's user, capabilities and seccomp profile and execs
 * the command. Every step goes through a {@linkcode Sys}, so that tests can drive the sequence on
 * a recording fake.
 *
 * @module
 */

import type { ExecSpec } from "../spec/exec_spec.ts";
import { joinStageCgroups } from "./cgroup_join.ts";
import { attachConsole, createConsole, openConsole } from "./console.ts";
import { takeOnCredentials } from "./credentials.ts";
import { checkExecutable, execProgram, startCommand } from "./exec_program.ts";
import { STATUS_FD } from "../spec/stage_args.ts";
import { OpenFlag } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { Prctl } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { readStageSpec, runStage } from "./stage_failure.ts";

/** Namespaces joined, in order: the mount namespace last, as it changes what paths mean. */
const NAMESPACES: readonly [string, number][] = [
  ["ipc", CloneFlag.NEWIPC],
  ["uts", CloneFlag.NEWUTS],
  ["net", CloneFlag.NEWNET],
  ["cgroup", CloneFlag.NEWCGROUP],
  ["mnt", CloneFlag.NEWNS],
];

/** Enters the container of `spec` and execs the command; never returns. */
export function runExecStage(spec: ExecSpec, sys: Sys = realSys): never {
  if (spec.detached === undefined) sys.prctl(Prctl.SET_PDEATHSIG, SIGNALS.KILL);
  // Opened through the host's /proc, before the container's is joined.
  const status = spec.detached && sys.openForWriting(`/proc/self/fd/${STATUS_FD}`);
  const joinMemoryCgroups = joinStageCgroups(spec.cgroups, sys);
  const fds = NAMESPACES.map((
    [name, type],
  ) => [sys.open(`/proc/${spec.pid}/ns/${name}`, OpenFlag.RDONLY), type] as const);
  joinMemoryCgroups();
  // Joining a mount namespace needs a file system context of this thread's own.
  sys.unshare(CloneFlag.FS);
  for (const [fd, type] of fds) {
    sys.setns(fd, type);
    sys.close(fd);
  }
  const consolePath = spec.terminal && createConsole(spec.terminal.socketFd, false, sys);
  if (spec.terminal) sys.close(spec.terminal.socketFd);
  const consoleSlave = consolePath === undefined ? undefined : openConsole(consolePath, sys);
  sys.chdir(spec.cwd);
  const env = takeOnCredentials(
    consolePath === undefined ? spec : { ...spec, terminalToChown: consolePath },
    sys,
  );
  if (consoleSlave !== undefined) attachConsole(consoleSlave, sys);
  // The command gets its stdio only: nothing this process inherited or opened.
  sys.closeOnExecFrom(3);
  sys.resetSignals();
  if (!status) return execProgram(spec.args, env, sys);
  return startCommand(spec.args, env, (path) => {
    checkExecutable(path, sys);
    // As Docker's exec -d: the command's output reaches no one.
    if (!spec.keepsStdio) sys.dup2(1, 2);
    status.write("1");
    status.close();
    return sys.execve(path, spec.args, env);
  }, sys);
}

/** Runs the exec stage on its spec (read from its spec pipe) and reports failures. */
export function execStageMain(): never {
  return runStage(() => runExecStage(readStageSpec()), "Cannot exec in container: ");
}
