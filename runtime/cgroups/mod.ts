/**
 * Container cgroups: one cgroup per container, `mydocker/<id>` in every mounted hierarchy (the
 * cgroup v2 one and each v1 one), created before the container starts, joined by its init stage,
 * and removed after it exits. Limits go to the hierarchy that carries their controller: a v1
 * hierarchy when one does, else the v2 hierarchy (with the controller enabled down to the
 * container's cgroup). The controllers' files are in `memory.ts`, `cpu.ts`, `cpuset.ts`,
 * `pids.ts` and `hugetlb.ts`.
 *
 * @module
 */

import type { StageCgroups } from "../spec/container_spec.ts";
import type { ResourceLimits } from "../spec/resource_limits.ts";
import { DEFAULT_DEVICE_RULES, type DeviceRule } from "../spec/device_rules.ts";
import { pathExists } from "../../sys/path_exists.ts";
import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import type { CgroupController } from "./controller.ts";
import { cpuController } from "./cpu.ts";
import { cpusetController } from "./cpuset.ts";
import { hugetlbController } from "./hugetlb.ts";
import { attachDeviceProgram, v1DeviceWrites } from "./devices.ts";
import { type CgroupLayout, detectCgroupLayout } from "./layout.ts";
import { memoryController } from "./memory.ts";
import { kill } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { forgetOwner, ownerIsAlive, ownerRecords, recordOwner } from "./owner.ts";
import { pidsController } from "./pids.ts";

/** A container's cgroups. */
export interface ContainerCgroup {
  /** The container's cgroup directories, one per hierarchy. */
  paths: string[];
  /** The `cgroup.procs` files the container's init stage writes itself into. */
  procsFiles: string[];
  /** Removes the cgroups (after the container's processes have all exited). */
  remove(): void;
}

/** The controllers whose limits mydocker sets, in the order their files are written. */
const CONTROLLERS: readonly CgroupController[] = [
  memoryController,
  cpuController,
  cpusetController,
  pidsController,
  hugetlbController,
];

/** The cgroup under each hierarchy's root that holds the containers' cgroups. */
const PARENT = "mydocker";

/** A container id, as `newContainerId` makes them; sweeping touches nothing else. */
const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** How long `remove()` waits for a cgroup to stop being busy (its last processes exiting). */
const REMOVE_PATIENCE_MS = 2000;

/** How long a sweep waits for a stale cgroup to stop being busy. */
const SWEEP_PATIENCE_MS = 200;

/** Why a file system call failed, briefly: `invalid argument`, `permission denied`, … */
function reason(error: unknown): string {
  const text = fsErrorReason(error).replace(/ \(os error \d+\).*$/s, "");
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeControl(cgroup: string, file: string, value: string): void {
  try {
    Deno.writeTextFileSync(`${cgroup}/${file}`, value);
  } catch (error) {
    throw new ExitCodeError(
      `Cannot set ${file} to "${value}" in cgroup "${cgroup}": ${reason(error)}`,
      undefined,
      { cause: error },
    );
  }
}

/** Creates cgroup `path` unless it exists. */
function makeCgroup(path: string): void {
  // The parent is there on every start but the first: no AlreadyExists to build (0.1 ms each).
  if (pathExists(path)) return;
  try {
    Deno.mkdirSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    throw new ExitCodeError(`Cannot create cgroup "${path}": ${reason(error)}`, undefined, {
      cause: error,
    });
  }
}

/** A v1 cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's. */
function copyCpuset(parent: string, child: string): void {
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    if (Deno.readTextFileSync(`${child}/${file}`).trim() !== "") continue;
    writeControl(child, file, Deno.readTextFileSync(`${parent}/${file}`).trim());
  }
}

/**
 * Removes cgroup `path` and any cgroups below it (rmdir, deepest first), retrying while it is
 * busy for up to `patienceMs`; a cgroup already gone is fine.
 */
function removeCgroup(path: string, patienceMs: number): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(path)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory) removeCgroup(`${path}/${entry.name}`, patienceMs);
  }
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      Deno.removeSync(path);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      // Deno reports rmdir's EBUSY as a plain Error with its code.
      const busy = error instanceof Deno.errors.Busy ||
        (error as { code?: unknown }).code === "EBUSY";
      if (!busy || Date.now() >= deadline) throw error;
    }
    sleepSync(10);
  }
}

/** The controllers available in the v2 hierarchy at `mountPoint` (its `cgroup.controllers`). */
function v2Controllers(mountPoint: string): Set<string> {
  const text = Deno.readTextFileSync(`${mountPoint}/cgroup.controllers`).trim();
  return new Set(text === "" ? [] : text.split(" "));
}

let hostLayout: CgroupLayout | undefined;

/** This host's cgroup layout, read once. */
function layout(): CgroupLayout {
  return hostLayout ??= detectCgroupLayout();
}

/**
 * Creates the cgroups of container `id` in the hierarchies of `cgroupLayout` and applies
 * `limits` and the device allowlist `devices`: `relativePath` (by default `mydocker/<id>`,
 * recorded as the container's; an OCI config's cgroupsPath is the caller's to remove) under
 * every v1 hierarchy's and the v2 hierarchy's mount point, with the device allowlist in place
 * before any process joins: the v1 `devices` controller's rules where that controller is mounted
 * (as runc confines devices on such a host; a v2 device program beside them would check every
 * open again and cost a start 1.5 ms), else the v2 device program. Nothing is left behind when it
 * fails.
 *
 * @throws {ExitCodeError} (125) when a limit's controller is mounted nowhere, devices cannot be
 * confined, or a cgroup cannot be created or written:
 * `Cannot set memory.max to "1" in cgroup "…": device or resource busy`.
 */
export function createCgroupsIn(
  cgroupLayout: CgroupLayout,
  id: string,
  limits: ResourceLimits,
  devices: readonly DeviceRule[] = DEFAULT_DEVICE_RULES,
  relativePath = `${PARENT}/${id}`,
): ContainerCgroup {
  const owned = relativePath === `${PARENT}/${id}`;
  const levels = relativePath.split("/").filter((name) => name !== "")
    .map((_, i, names) => names.slice(0, i + 1).join("/"));
  const v2Root = cgroupLayout.v2MountPoint;
  const devicesV1 = cgroupLayout.v1.findIndex((h) => h.controllers.includes("devices"));
  if (devicesV1 < 0 && v2Root === undefined) {
    throw new ExitCodeError(
      "Cannot confine devices: neither a devices cgroup controller nor cgroup v2 is mounted",
    );
  }
  const v2Available = v2Root === undefined ? new Set<string>() : v2Controllers(v2Root);
  // Where each limited controller's files go: a v1 hierarchy's cgroup, else the v2 cgroup.
  const placements: { controller: CgroupController; hierarchy: number | "v2" }[] = [];
  for (const controller of CONTROLLERS) {
    if (controller.v2Files(limits, () => false).length === 0) continue;
    const v1 = cgroupLayout.v1.findIndex((h) => h.controllers.includes(controller.name));
    if (v1 >= 0) placements.push({ controller, hierarchy: v1 });
    else if (v2Available.has(controller.name)) placements.push({ controller, hierarchy: "v2" });
    else {
      throw new ExitCodeError(
        `Cannot apply ${controller.flags}: no ${controller.name} cgroup controller is mounted`,
      );
    }
  }

  const paths: string[] = [];
  const cgroup: ContainerCgroup = {
    paths,
    procsFiles: [],
    remove() {
      const failures: string[] = [];
      for (const path of [...paths].reverse()) {
        try {
          removeCgroup(path, REMOVE_PATIENCE_MS);
        } catch (error) {
          failures.push(`"${path}": ${reason(error)}`);
        }
      }
      if (failures.length > 0) throw new Error(`Cannot remove cgroup ${failures.join(", ")}`);
      if (owned) forgetOwner(id);
    },
  };
  try {
    if (owned) recordOwner(id);
    for (const hierarchy of cgroupLayout.v1) {
      const cpuset = hierarchy.controllers.includes("cpuset");
      let parent = hierarchy.mountPoint;
      for (const level of levels) {
        const path = `${hierarchy.mountPoint}/${level}`;
        makeCgroup(path);
        if (cpuset) copyCpuset(parent, path);
        parent = path;
      }
      paths.push(parent);
    }
    if (v2Root !== undefined) {
      const enable = placements.filter((p) => p.hierarchy === "v2")
        .map((p) => `+${p.controller.name}`).join(" ");
      let parent = v2Root;
      for (const level of levels) {
        if (enable !== "") writeControl(parent, "cgroup.subtree_control", enable);
        parent = `${v2Root}/${level}`;
        makeCgroup(parent);
      }
      paths.push(parent);
    }
    for (const { controller, hierarchy } of placements) {
      const path = paths[hierarchy === "v2" ? paths.length - 1 : hierarchy]!;
      const hasFile = (file: string) => pathExists(`${path}/${file}`);
      const writes = hierarchy === "v2"
        ? controller.v2Files(limits, hasFile)
        : controller.v1Files(limits, hasFile);
      for (const [file, value] of writes) writeControl(path, file, value);
    }
    if (devicesV1 >= 0) {
      for (const [file, value] of v1DeviceWrites(devices)) {
        writeControl(paths[devicesV1]!, file, value);
      }
    }
    if (devicesV1 < 0) attachDeviceAllowlist(paths.at(-1)!, devices);
    cgroup.procsFiles = paths.map((path) => `${path}/cgroup.procs`);
    return cgroup;
  } catch (error) {
    try {
      cgroup.remove();
    } catch {
      // Reported by the original error; a later sweep removes what is left.
    }
    throw error;
  }
}

/** Attaches the device program of `devices` to the v2 cgroup at `path`. */
function attachDeviceAllowlist(path: string, devices: readonly DeviceRule[]): void {
  try {
    attachDeviceProgram(path, devices);
  } catch (error) {
    throw new ExitCodeError(
      `Cannot attach the device program to cgroup "${path}": ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  }
}

/**
 * Creates the cgroups of container `id` on this host with `limits` and the device allowlist
 * `devices` applied; see {@linkcode createCgroupsIn}.
 *
 * @throws {ExitCodeError} (125) when a limit or the allowlist cannot be applied.
 */
export function createContainerCgroup(
  id: string,
  limits: ResourceLimits,
  devices: readonly DeviceRule[],
): ContainerCgroup {
  return createCgroupsIn(layout(), id, limits, devices);
}

/**
 * Creates the cgroups of a container at `relativePath` below each hierarchy's mount point on
 * this host (an OCI config's cgroupsPath), with `limits` and the device allowlist `devices`;
 * the caller removes them ({@linkcode removeCgroupPaths}).
 *
 * @throws {ExitCodeError} (125) when a limit or the allowlist cannot be applied.
 */
export function createCgroupsAt(
  relativePath: string,
  limits: ResourceLimits,
  devices: readonly DeviceRule[],
): ContainerCgroup {
  return createCgroupsIn(layout(), relativePath, limits, devices, relativePath);
}

/**
 * Removes the cgroup directories `paths` (and any below them), waiting for them to stop being
 * busy; one already gone is fine.
 *
 * @throws {Error} when one stays busy: `Cannot remove cgroup "…": device or resource busy`.
 */
export function removeCgroupPaths(paths: readonly string[]): void {
  for (const path of [...paths].reverse()) {
    try {
      removeCgroup(path, REMOVE_PATIENCE_MS);
    } catch (error) {
      throw new Error(`Cannot remove cgroup "${path}": ${reason(error)}`, { cause: error });
    }
  }
}

/**
 * Applies `limits` to the existing cgroup directories `paths` (`update`): each controller's
 * files where its v1 hierarchy's directory has them, else in the v2 directory.
 *
 * @throws {ExitCodeError} (125) when a limit's controller is in none of them, or a file cannot
 * be written.
 */
export function updateCgroupLimits(paths: readonly string[], limits: ResourceLimits): void {
  for (const controller of CONTROLLERS) {
    if (controller.v2Files(limits, () => false).length === 0) continue;
    const [first] = controller.v1Files(limits, () => true)[0] ?? [];
    const v1 = paths.find((path) =>
      pathExists(`${path}/${first}`) && !pathExists(`${path}/cgroup.controllers`)
    );
    const v2 = paths.find((path) => {
      try {
        return Deno.readTextFileSync(`${path}/cgroup.controllers`).split(/\s/)
          .includes(controller.name);
      } catch {
        return false;
      }
    });
    const path = v1 ?? v2;
    if (path === undefined) {
      throw new ExitCodeError(`Cannot apply ${controller.flags}: no ${controller.name} cgroup`);
    }
    const hasFile = (file: string) => pathExists(`${path}/${file}`);
    const writes = path === v1
      ? controller.v1Files(limits, hasFile)
      : controller.v2Files(limits, hasFile);
    for (const [file, value] of writes) writeControl(path, file, value);
  }
}

/** The pids in the cgroup directories `paths` and those below them. */
export function pidsInCgroups(paths: readonly string[]): number[] {
  return [...new Set(paths.flatMap(cgroupPids))].sort((a, b) => a - b);
}

/**
 * Kills every process in the cgroups `paths` and those below them: at once through a v2
 * `cgroup.kill` when one of them has it (no fork escapes it), else with SIGKILL to each pid.
 */
export function killCgroups(paths: readonly string[]): void {
  const v2 = paths.find((path) => pathExists(`${path}/cgroup.kill`));
  if (v2 !== undefined) {
    writeControl(v2, "cgroup.kill", "1");
    return;
  }
  for (const pid of pidsInCgroups(paths)) kill(pid, SIGNALS.KILL);
}

/**
 * Freezes (or thaws) the cgroups `paths`: the v1 freezer hierarchy's when there is one, else
 * the v2 one's `cgroup.freeze`.
 *
 * @throws {ExitCodeError} (125) when neither is there.
 */
export function freezeCgroups(paths: readonly string[], frozen: boolean): void {
  const v1 = paths.find((path) => pathExists(`${path}/freezer.state`));
  if (v1 !== undefined) {
    writeControl(v1, "freezer.state", frozen ? "FROZEN" : "THAWED");
    return;
  }
  const v2 = paths.find((path) => pathExists(`${path}/cgroup.freeze`));
  if (v2 === undefined) throw new ExitCodeError("Cannot freeze: no freezer cgroup is mounted");
  writeControl(v2, "cgroup.freeze", frozen ? "1" : "0");
}

/** Whether the cgroup of `procsFile` accounts memory (it has memory control files). */
function accountsMemory(procsFile: string): boolean {
  const cgroup = procsFile.slice(0, procsFile.lastIndexOf("/"));
  return pathExists(`${cgroup}/memory.max`) || pathExists(`${cgroup}/memory.limit_in_bytes`);
}

/**
 * Which of the `cgroup.procs` files `procsFiles` a stage joins at once and which just before it
 * execs the command: those that account memory (see {@linkcode StageCgroups}).
 */
export function stageCgroups(procsFiles: readonly string[]): StageCgroups {
  const staged: StageCgroups = { atStart: [], beforeExec: [] };
  for (const file of procsFiles) {
    (accountsMemory(file) ? staged.beforeExec : staged.atStart).push(file);
  }
  return staged;
}

/**
 * Moves process `pid` into the cgroups of the `cgroup.procs` files `procsFiles`: a container's
 * first process waiting for its tape (see `start_trampoline.ts`), or a stage (those of its
 * cgroups to join at once; see {@linkcode StageCgroups}). The first such write waits for an RCU grace period in the kernel
 * (tens of milliseconds), so mydocker does it from the host side while the stage starts.
 */
export function moveToCgroups(procsFiles: readonly string[], pid: number): void {
  for (const file of procsFiles) Deno.writeTextFileSync(file, String(pid));
}

/** The mount points of this host's hierarchies: each v1 one, then the v2 one. */
function mountPoints(): string[] {
  const { v1, v2MountPoint } = layout();
  const points = v1.map((hierarchy) => hierarchy.mountPoint);
  if (v2MountPoint !== undefined) points.push(v2MountPoint);
  return points;
}

/** Container `id`'s cgroup directories that exist, one per hierarchy at most. */
function existingCgroups(id: string): string[] {
  return mountPoints().map((mountPoint) => `${mountPoint}/${PARENT}/${id}`).filter(pathExists);
}

/** The pids in cgroup `path` and the cgroups below it (none when it is gone). */
function cgroupPids(path: string): number[] {
  const pids: number[] = [];
  try {
    for (const line of Deno.readTextFileSync(`${path}/cgroup.procs`).split("\n")) {
      if (line !== "") pids.push(Number(line));
    }
    for (const entry of Deno.readDirSync(path)) {
      if (entry.isDirectory) pids.push(...cgroupPids(`${path}/${entry.name}`));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return pids;
}

/**
 * Removes container `id`'s cgroups in every hierarchy and its owner record, killing (SIGKILL) any
 * process left in them, unless their owner is alive (it removes them itself when the container
 * exits). Waits up to `patienceMs` for the killed processes to be gone.
 *
 * @throws {Error} when a cgroup stays busy: `Cannot remove cgroup "…": device or resource busy`.
 */
export function removeOrphanedCgroups(id: string, patienceMs: number = REMOVE_PATIENCE_MS): void {
  if (ownerIsAlive(id)) return;
  const paths = existingCgroups(id);
  const deadline = Date.now() + patienceMs;
  for (let pids = paths.flatMap(cgroupPids); pids.length > 0; pids = paths.flatMap(cgroupPids)) {
    if (Date.now() >= deadline) break; // Reported by the removal below.
    for (const pid of pids) kill(pid, SIGNALS.KILL);
    sleepSync(10);
  }
  for (const path of [...paths].reverse()) {
    try {
      removeCgroup(path, Math.max(0, deadline - Date.now()));
    } catch (error) {
      throw new Error(`Cannot remove cgroup "${path}": ${reason(error)}`, { cause: error });
    }
  }
  forgetOwner(id);
}

/**
 * Removes what dead mydockers left: the `mydocker/<id>` cgroups, in every hierarchy, of
 * containers for which `isLive(id)` is false and whose creating mydocker has died (killed, say;
 * see `owner.ts`), with any process left in them; and owner records whose owner has died and
 * which have no cgroup. A cgroup still busy is left for a later sweep. The owner records are
 * the index: one is written before a container's first cgroup is made and removed only after
 * its last is gone, so one directory is read, not every hierarchy's (thirteen on a hybrid host).
 */
export function sweepStaleCgroups(isLive: (id: string) => boolean): void {
  for (const id of ownerRecords()) {
    if (!CONTAINER_ID.test(id) || ownerIsAlive(id)) continue;
    try {
      if (!isLive(id)) removeOrphanedCgroups(id, SWEEP_PATIENCE_MS);
      else if (existingCgroups(id).length === 0) forgetOwner(id);
    } catch {
      // Still busy, or removed by another mydocker: a later sweep sees it again.
    }
  }
}

/** The `cgroup.procs` files of container `id`'s existing cgroups (for `exec` to join them). */
export function existingCgroupProcs(id: string): string[] {
  return existingCgroups(id).map((path) => `${path}/cgroup.procs`);
}
