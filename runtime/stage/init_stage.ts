/**
 * The init stage: the hidden second process of `mydocker run`. It starts as PID 1 of the new PID
 * namespace, enters the other namespaces, builds the root, drops privileges and execs the
 * container's command, which thereby becomes PID 1. Everything here is synchronous, because
 * only the main thread is in the new namespaces.
 *
 * @module
 */

import { joinStageCgroups } from "./cgroup_join.ts";
import { attachConsole, createConsole } from "./console.ts";
import { attachMounts, prepareMounts } from "./user_mounts.ts";
import type { ContainerSpec } from "../spec/container_spec.ts";
import { execCommand } from "./exec_program.ts";
import { close } from "../../sys/fs.ts";
import { mount, MountFlag, openTreeClone } from "../../sys/mount.ts";
import { CloneFlag, sethostname, unshare } from "../../sys/namespaces.ts";
import { Prctl, prctl, resetSignals } from "../../sys/process.ts";
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
import { pathExists } from "../../sys/path_exists.ts";
import { takeOnCredentials } from "./credentials.ts";
import { runStage } from "./stage_failure.ts";
import { makeWorkingDirectory } from "./working_directory.ts";

const SIGKILL = 9;

/** Builds the container's root and mounts: namespaces, overlay, pivot_root, the mount plan. */
function buildRoot(spec: ContainerSpec): void {
  makeMountsPrivate();
  mountOverlay(spec.rootfs);
  const hostBinary = spec.hostBinary;
  const hostBinaryTree = hostBinary === undefined ? undefined : openTreeClone(hostBinary);
  const mounts = prepareMounts(spec.mounts);
  switchRoot(spec.rootfs.mountPoint, spec.rootfs.noPivot);
  applyMountPlan(planMounts({ privileged: spec.privileged, devices: spec.devices }));
  if (hostBinaryTree !== undefined && hostBinary !== undefined) {
    if (!pathExists(hostBinary)) attachHostFile(hostBinaryTree, hostBinary);
    close(hostBinaryTree);
  }
  attachMounts(mounts);
  makeWorkingDirectory(spec.process.cwd);
  if (spec.rootfs.readonly) {
    mount(null, "/", null, MountFlag.BIND | MountFlag.REMOUNT | MountFlag.RDONLY);
  }
}

/** Sets up the container described by `spec` and execs its command; never returns. */
export function runInitStage(spec: ContainerSpec): never {
  prctl(Prctl.SET_PDEATHSIG, SIGKILL);
  const joinMemoryCgroups = joinStageCgroups(spec.cgroups);
  const network = spec.network === "none" ? CloneFlag.NEWNET : 0;
  unshare(CloneFlag.NEWNS | CloneFlag.NEWUTS | CloneFlag.NEWIPC | network);
  buildRoot(spec);
  const consoleSlave = spec.terminal && createConsole(spec.terminal.socketFd);
  sethostname(spec.hostname);
  if (network !== 0) bringLoopbackUp();
  Deno.chdir(spec.process.cwd);
  // The last cgroups, then the cgroup namespace rooted at them, while CAP_SYS_ADMIN is held.
  joinMemoryCgroups();
  unshare(CloneFlag.NEWCGROUP);
  const env = takeOnCredentials({
    user: spec.process.user,
    env: spec.process.env,
    capabilities: spec.capabilities,
    noNewPrivileges: spec.process.noNewPrivileges,
    seccomp: spec.seccomp,
  });
  if (consoleSlave !== undefined) attachConsole(consoleSlave);
  if (spec.init) return runMiniInit(spec.process.args, env);
  resetSignals();
  return execCommand(spec.process.args, env);
}

/** Runs the init stage from its command-line argument (the JSON spec) and reports failures. */
export function initStageMain(specJson: string): never {
  return runStage(() => runInitStage(JSON.parse(specJson)), "Cannot start container: ");
}
