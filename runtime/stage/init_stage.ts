/**
 * The init stage: the hidden second process of `mydocker run`. It starts as PID 1 of the new PID
 * namespace, enters the other namespaces, builds the root, drops privileges and execs the
 * container's command, which thereby becomes PID 1. Everything here is synchronous, because
 * only the main thread is in the new namespaces.
 *
 * Every step goes through a {@linkcode Sys}, so that tests can drive the whole sequence on a
 * recording fake and check its order.
 *
 * @module
 */

import { joinStageCgroups } from "./cgroup_join.ts";
import { GATED_SPAWN, openCommandCgroups, openGateWorker } from "./command_gate.ts";
import { attachConsole, createConsole, openConsole } from "./console.ts";
import { attachMounts, prepareMounts } from "./user_mounts.ts";
import type { ContainerSpec, ProcessCredentials } from "../spec/container_spec.ts";
import { execProgram } from "./exec_program.ts";
import { MountFlag } from "../../sys/mount.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { Prctl } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { runMiniInit } from "./mini_init.ts";
import { containerMountPlan, isProcStep } from "../spec/mount_plan.ts";
import { bringLoopbackUp, joinNetwork } from "./network.ts";
import {
  applyMountPlan,
  attachHostFile,
  bindRoot,
  makeMountsPrivate,
  mountOverlay,
  switchRoot,
} from "./rootfs.ts";
import { takeOnCredentials } from "./credentials.ts";
import { joinNamespaces } from "./join_namespaces.ts";
import { readStageSpec, runStage } from "./stage_failure.ts";
import { applySysctls } from "./sysctl.ts";
import { makeWorkingDirectory } from "./working_directory.ts";

/**
 * Where the container's /proc comes from: mounted by the stage itself, which runs in the
 * container's PID namespace (the init stage process), or afterwards from outside, for a PID
 * namespace whose first process does not exist yet (the worker thread; see `isProcStep`).
 */
export type ProcMount = "here" | "later";

/**
 * Builds the container's root and mounts: overlay, pivot_root, the mount plan (its /proc steps
 * only when `proc` is "here"), the host binary, the user's mounts, the working directory and a
 * read-only root. `beforePivot`, if given, is called just before the pivot, in the container's
 * mount namespace with its root in place and the root as working directory (an OCI config's
 * `createContainer` hooks).
 */
export function buildRoot(
  spec: ContainerSpec,
  proc: ProcMount,
  sys: Sys = realSys,
  beforePivot?: () => void,
): void {
  makeMountsPrivate(sys);
  if (spec.rootfs.source === undefined) mountOverlay(spec.rootfs, sys);
  else bindRoot(spec.rootfs.source, spec.rootfs.mountPoint, sys);
  const hostBinary = spec.hostBinary;
  const hostBinaryTree = hostBinary === undefined
    ? undefined
    : sys.openTreeClone(hostBinary, false);
  const mounts = prepareMounts(spec.mounts, sys);
  const cgroupfs = prepareMounts(spec.cgroupfs, sys);
  if (beforePivot !== undefined) {
    sys.chdir(spec.rootfs.mountPoint);
    beforePivot();
  }
  switchRoot(spec.rootfs.mountPoint, spec.rootfs.noPivot, sys);
  const plan = containerMountPlan(spec);
  if (proc === "later") {
    // The mount point now, while the root may still be written (see --read-only below).
    sys.mkdir("/proc");
    applyMountPlan(plan.filter((step) => !isProcStep(step)), sys);
  } else {
    applyMountPlan(plan, sys);
  }
  if (hostBinaryTree !== undefined && hostBinary !== undefined) {
    if (!sys.exists(hostBinary)) attachHostFile(hostBinaryTree, hostBinary, sys);
    sys.close(hostBinaryTree);
  }
  attachMounts(mounts, sys);
  attachMounts(cgroupfs, sys);
  if (cgroupfs[0]?.type === "tmpfs") {
    const { BIND, REMOUNT, RDONLY, NOSUID, NODEV, NOEXEC } = MountFlag;
    const readonly = BIND | REMOUNT | RDONLY | NOSUID | NODEV | NOEXEC;
    sys.mount(null, cgroupfs[0].target, null, readonly, null);
  }
  makeWorkingDirectory(spec.process.cwd, sys);
  if (spec.rootfs.readonly) {
    sys.mount(null, "/", null, MountFlag.BIND | MountFlag.REMOUNT | MountFlag.RDONLY, null);
  }
}

/**
 * The namespaces a container gets besides its PID namespace: mount, UTS, IPC, and network (a
 * new one, left at once for the prepared one it joins, if any: see `joinNetwork`).
 */
export function containerNamespaces(spec: ContainerSpec): number {
  const network = spec.network === "host" ? 0 : CloneFlag.NEWNET;
  return CloneFlag.NEWNS | CloneFlag.NEWUTS | CloneFlag.NEWIPC | network;
}

/**
 * Sets the hostname (unless the spec leaves it), brings loopback up in a new network
 * namespace, and enters the cwd.
 */
export function finishContainer(spec: ContainerSpec, sys: Sys = realSys): void {
  if (spec.hostname !== "") sys.sethostname(spec.hostname);
  if (spec.network === "none") bringLoopbackUp(sys);
  sys.chdir(spec.process.cwd);
}

/**
 * The credentials of container `spec`'s command: its user, environment, capabilities,
 * no_new_privs and seccomp, the stdio mydocker made and its terminal (at `terminal`, if any).
 */
export function containerCredentials(
  spec: ContainerSpec,
  terminal: string | undefined,
): ProcessCredentials {
  return {
    user: spec.process.user,
    ...(spec.process.additionalGids === undefined
      ? {}
      : { additionalGids: spec.process.additionalGids }),
    env: spec.process.env,
    capabilities: spec.capabilities,
    ...(spec.capabilitySets === undefined ? {} : { capabilitySets: spec.capabilitySets }),
    noNewPrivileges: spec.process.noNewPrivileges,
    seccomp: spec.seccomp,
    ...(spec.seccompProfile === undefined ? {} : { seccompProfile: spec.seccompProfile }),
    ...(spec.stdioToChown === undefined ? {} : { stdioToChown: spec.stdioToChown }),
    ...(terminal === undefined ? {} : { terminalToChown: terminal }),
  };
}

/** Takes on the container's user, capabilities, no_new_privs and seccomp; returns the env. */
export function takeOnContainerCredentials(
  spec: ContainerSpec,
  terminal: string | undefined,
  sys: Sys = realSys,
): string[] {
  return takeOnCredentials(containerCredentials(spec, terminal), sys);
}

/**
 * The init stage's steps, in order, up to the command: joins the cgroups, enters the new
 * namespaces, builds the root, creates the console, sets the hostname and loopback, joins the
 * memory cgroups and the cgroup namespace (with `--init`, none: it starts the gate its command
 * waits at instead), and takes on the container's credentials. Returns the command's
 * environment.
 */
export function setUpInitStage(spec: ContainerSpec, sys: Sys = realSys): string[] {
  sys.prctl(Prctl.SET_PDEATHSIG, SIGNALS.KILL);
  const joinMemoryCgroups = joinStageCgroups(spec.cgroups, sys);
  const forCommand = spec.cgroups.forCommand;
  const commandCgroups = forCommand === undefined ? undefined : openCommandCgroups(forCommand, sys);
  sys.unshare(containerNamespaces(spec));
  joinNetwork(spec, sys);
  joinNamespaces(spec, sys);
  applySysctls(spec, sys);
  buildRoot(spec, "here", sys);
  const consolePath = spec.terminal && createConsole(spec.terminal.socketFd, true, sys);
  if (spec.terminal) sys.close(spec.terminal.socketFd);
  finishContainer(spec, sys);
  if (commandCgroups === undefined) {
    // The last cgroups, then the cgroup namespace rooted at them, while CAP_SYS_ADMIN is held.
    joinMemoryCgroups();
    sys.unshare(CloneFlag.NEWCGROUP);
  } else {
    // --init: the gate its command waits at, while this thread may still write its cgroups.
    openGateWorker(commandCgroups, sys);
  }
  const consoleSlave = consolePath === undefined ? undefined : openConsole(consolePath, sys);
  const env = takeOnContainerCredentials(spec, consolePath, sys);
  if (consoleSlave !== undefined) attachConsole(consoleSlave, sys);
  return env;
}

/**
 * Sets up the container described by `spec` and execs its command (or, with `--init`, runs it
 * under the mini init); never returns.
 */
export function runInitStage(spec: ContainerSpec, sys: Sys = realSys): never {
  const env = setUpInitStage(spec, sys);
  // The command gets its stdio only: nothing this process inherited or opened.
  sys.closeOnExecFrom(3);
  if (spec.init) return runMiniInit(spec.process.args, env, GATED_SPAWN);
  sys.resetSignals();
  return execProgram(spec.process.args, env, sys);
}

/** Runs the init stage on its spec (read from its spec pipe) and reports failures. */
export function initStageMain(): never {
  return runStage(() => runInitStage(readStageSpec()), "Cannot start container: ");
}
