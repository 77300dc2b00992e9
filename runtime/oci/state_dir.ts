/**
 * The OCI face's state: a directory per container under the runtime's root (`--root`, runc's
 * `/run/runc`), holding `state.json` (what `create` made) and, until `start`, the exec fifo its
 * process waits on. The status is read from the world, as runc does: stopped once its process
 * is gone (or a zombie), created while the fifo exists, paused while its cgroup is frozen,
 * running otherwise.
 *
 * @module
 */

import type { OciHooks } from "./config.ts";
import { isAlive } from "../../sys/process_identity.ts";

/** The default root of the state directories. */
export const DEFAULT_OCI_ROOT = "/run/mydocker-runc";

/** What `create` records of a container. */
export interface OciContainerState {
  /** The container id. */
  id: string;
  /** The bundle's absolute path. */
  bundle: string;
  /** The root file system's absolute path. */
  rootfs: string;
  /** Its process's host pid. */
  pid: number;
  /** Its process as `processIdentity` names it (pid and start time). */
  process: string;
  /** When it was created (RFC 3339). */
  created: string;
  /** The config's ociVersion. */
  ociVersion: string;
  /** The config's annotations. */
  annotations: Record<string, string>;
  /** Its cgroup directories, one per hierarchy. */
  cgroupPaths: string[];
  /** Its cgroup below each hierarchy's mount point. */
  cgroupsPath: string;
  /** The hooks still to run (startContainer, poststart, poststop). */
  hooks: OciHooks;
  /** The config's process credentials, which `exec` defaults to. */
  capabilities: string[];
  /** The name of its seccomp profile's file in the state directory, if it has one. */
  seccomp: boolean;
}

/** A container's status, as the OCI state reports it. */
export type OciStatus = "creating" | "created" | "running" | "paused" | "stopped";

/** The error of a container that does not exist (its message is the one runc's callers match). */
export class ContainerNotFound extends Error {
  /** `id` names the container. */
  constructor(id: string) {
    super(`container "${id}" does not exist`);
    this.name = "ContainerNotFound";
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_+\-.]*$/;

/** The state directory of container `id` under `root`, checking the id. */
export function containerStateDir(root: string, id: string): string {
  if (!ID.test(id) || id.length > 1024) throw new RangeError(`Invalid container id "${id}"`);
  return `${root}/${id}`;
}

/** The exec fifo of the state directory `dir`. */
export function execFifoPath(dir: string): string {
  return `${dir}/exec.fifo`;
}

/** Writes `state` into `dir` (atomically). */
export function writeOciState(dir: string, state: OciContainerState): void {
  const temporary = `${dir}/.state.json.tmp`;
  Deno.writeTextFileSync(temporary, JSON.stringify(state));
  Deno.renameSync(temporary, `${dir}/state.json`);
}

/**
 * Reads the state of container `id`.
 *
 * @throws {ContainerNotFound} when it has none.
 */
export function readOciState(root: string, id: string): OciContainerState {
  try {
    return JSON.parse(Deno.readTextFileSync(`${containerStateDir(root, id)}/state.json`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new ContainerNotFound(id);
    throw error;
  }
}

/** The ids of the containers under `root`. */
export function listOciContainers(root: string): string[] {
  try {
    return [...Deno.readDirSync(root)]
      .filter((entry) => entry.isDirectory && ID.test(entry.name))
      .map((entry) => entry.name)
      .filter((id) => {
        try {
          Deno.statSync(`${root}/${id}/state.json`);
          return true;
        } catch {
          return false;
        }
      })
      .sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Whether the process `identity` names runs (alive, and no zombie). */
export function processRuns(identity: string): boolean {
  if (!isAlive(identity)) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${identity.split(" ")[0]}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Whether a cgroup of `paths` is frozen (v1 freezer.state, v2 cgroup.freeze). */
export function cgroupFrozen(paths: readonly string[]): boolean {
  for (const path of paths) {
    for (const [file, frozen] of [["freezer.state", "FROZEN"], ["cgroup.freeze", "1"]]) {
      try {
        if (Deno.readTextFileSync(`${path}/${file}`).trim() === frozen) return true;
      } catch {
        // Not this hierarchy's file.
      }
    }
  }
  return false;
}

/** The status of container `state`, whose state directory is `dir`. */
export function ociStatus(dir: string, state: OciContainerState): OciStatus {
  if (!processRuns(state.process)) return "stopped";
  try {
    Deno.statSync(execFifoPath(dir));
    return "created";
  } catch {
    // Started.
  }
  return cgroupFrozen(state.cgroupPaths) ? "paused" : "running";
}

/** The OCI state JSON of a container (runtime-spec's `state`), as `runc state` prints it. */
export function ociStateJson(state: OciContainerState, status: OciStatus): Record<string, unknown> {
  return {
    ociVersion: state.ociVersion,
    id: state.id,
    pid: status === "stopped" ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    owner: "",
    annotations: state.annotations,
  };
}
