/**
 * The init stage: the hidden second process of `mydocker run`. It starts as PID 1 of the new PID
 * namespace, enters the other namespaces, builds the root, drops privileges and execs the
 * container's command, which thereby becomes PID 1. Everything here is synchronous, because
 * only the main thread is in the new namespaces.
 *
 * @module
 */

import { applyCapabilities } from "./capability_sets.ts";
import type { ContainerSpec } from "./container_spec.ts";
import { ExitCodeError } from "./errors.ts";
import { execCommand } from "./exec_command.ts";
import {
  CloneFlag,
  close,
  openTreeClone,
  Prctl,
  prctl,
  resetSignals,
  sethostname,
  unshare,
} from "./libc.ts";
import { planMounts } from "./mount_plan.ts";
import { bringLoopbackUp } from "./network.ts";
import {
  applyMountPlan,
  attachHostFile,
  makeMountsPrivate,
  mountOverlay,
  switchRoot,
} from "./rootfs.ts";

const SIGKILL = 9;

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Sets up the container described by `spec` and execs its command; never returns. */
export function runInitStage(spec: ContainerSpec): never {
  prctl(Prctl.SET_PDEATHSIG, SIGKILL);
  const network = spec.network === "none" ? CloneFlag.NEWNET : 0;
  unshare(CloneFlag.NEWNS | CloneFlag.NEWUTS | CloneFlag.NEWIPC | CloneFlag.NEWCGROUP | network);
  makeMountsPrivate();
  mountOverlay(spec.rootfs);
  const hostBinaryTree = spec.hostBinary === undefined ? undefined : openTreeClone(spec.hostBinary);
  switchRoot(spec.rootfs.mountPoint);
  applyMountPlan(planMounts({ privileged: spec.privileged }));
  if (hostBinaryTree !== undefined && spec.hostBinary !== undefined) {
    if (!exists(spec.hostBinary)) attachHostFile(hostBinaryTree, spec.hostBinary);
    close(hostBinaryTree);
  }
  sethostname(spec.hostname);
  if (network !== 0) bringLoopbackUp();
  Deno.mkdirSync(spec.process.cwd, { recursive: true });
  Deno.chdir(spec.process.cwd);
  applyCapabilities(spec.capabilities);
  resetSignals();
  return execCommand(spec.process.args, spec.process.env);
}

/** Runs the init stage from its command-line argument (the JSON spec) and reports failures. */
export function initStageMain(specJson: string): never {
  try {
    return runInitStage(JSON.parse(specJson) as ContainerSpec);
  } catch (error) {
    const exitCode = error instanceof ExitCodeError ? error.exitCode : 125;
    const message = error instanceof Error ? error.message : String(error);
    const prefix = error instanceof ExitCodeError ? "" : "Cannot start container: ";
    console.error(`mydocker: ${prefix}${message}`);
    Deno.exit(exitCode);
  }
}
