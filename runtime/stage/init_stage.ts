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
import { attachConsole, createConsole } from "./console.ts";
import { attachMounts, prepareMounts } from "./user_mounts.ts";
import type { ContainerSpec } from "../spec/container_spec.ts";
import { execProgram } from "./exec_program.ts";
import { MountFlag } from "../../sys/mount.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { Prctl } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { runMiniInit } from "./mini_init.ts";
import { planMounts } from "../spec/mount_plan.ts";
import { bringLoopbackUp } from "./network.ts";
import {
  applyMountPlan,
  attachHostFile,
  makeMountsPrivate,
  mountOverlay,
  switchRoot,
} from "./rootfs.ts";
import { takeOnCredentials } from "./credentials.ts";
import { runStage } from "./stage_failure.ts";
import { makeWorkingDirectory } from "./working_directory.ts";

/** Builds the container's root and mounts: namespaces, overlay, pivot_root, the mount plan. */
function buildRoot(spec: ContainerSpec, sys: Sys): void {
  makeMountsPrivate(sys);
  mountOverlay(spec.rootfs, sys);
  const hostBinary = spec.hostBinary;
  const hostBinaryTree = hostBinary === undefined
    ? undefined
    : sys.openTreeClone(hostBinary, false);
  const mounts = prepareMounts(spec.mounts, sys);
  switchRoot(spec.rootfs.mountPoint, spec.rootfs.noPivot, sys);
  applyMountPlan(planMounts({ privileged: spec.privileged, devices: spec.devices }), sys);
  if (hostBinaryTree !== undefined && hostBinary !== undefined) {
    if (!sys.exists(hostBinary)) attachHostFile(hostBinaryTree, hostBinary, sys);
    sys.close(hostBinaryTree);
  }
  attachMounts(mounts, sys);
  makeWorkingDirectory(spec.process.cwd, sys);
  if (spec.rootfs.readonly) {
    sys.mount(null, "/", null, MountFlag.BIND | MountFlag.REMOUNT | MountFlag.RDONLY, null);
  }
}

/**
 * The init stage's steps, in order, up to the command: joins the cgroups, enters the new
 * namespaces, builds the root, creates the console, sets the hostname and loopback, joins the
 * memory cgroups and the cgroup namespace, and takes on the container's credentials. Returns the
 * command's environment.
 */
export function setUpInitStage(spec: ContainerSpec, sys: Sys = realSys): string[] {
  sys.prctl(Prctl.SET_PDEATHSIG, SIGNALS.KILL);
  const joinMemoryCgroups = joinStageCgroups(spec.cgroups, sys);
  const network = spec.network === "none" ? CloneFlag.NEWNET : 0;
  sys.unshare(CloneFlag.NEWNS | CloneFlag.NEWUTS | CloneFlag.NEWIPC | network);
  buildRoot(spec, sys);
  const consoleSlave = spec.terminal && createConsole(spec.terminal.socketFd, true, sys);
  sys.sethostname(spec.hostname);
  if (network !== 0) bringLoopbackUp(sys);
  sys.chdir(spec.process.cwd);
  // The last cgroups, then the cgroup namespace rooted at them, while CAP_SYS_ADMIN is held.
  joinMemoryCgroups();
  sys.unshare(CloneFlag.NEWCGROUP);
  const env = takeOnCredentials({
    user: spec.process.user,
    env: spec.process.env,
    capabilities: spec.capabilities,
    noNewPrivileges: spec.process.noNewPrivileges,
    seccomp: spec.seccomp,
  }, sys);
  if (consoleSlave !== undefined) attachConsole(consoleSlave, sys);
  return env;
}

/**
 * Sets up the container described by `spec` and execs its command (or, with `--init`, runs it
 * under the mini init); never returns.
 */
export function runInitStage(spec: ContainerSpec, sys: Sys = realSys): never {
  const env = setUpInitStage(spec, sys);
  if (spec.init) return runMiniInit(spec.process.args, env);
  sys.resetSignals();
  return execProgram(spec.process.args, env, sys);
}

/** Runs the init stage from its command-line argument (the JSON spec) and reports failures. */
export function initStageMain(specJson: string): never {
  return runStage(() => runInitStage(JSON.parse(specJson)), "Cannot start container: ");
}
