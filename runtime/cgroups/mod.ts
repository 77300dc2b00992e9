/**
 * Container cgroups: one cgroup per container, on cgroup v2 or on the v1 controllers, created
 * before the container starts and removed after it exits.
 *
 * @module
 */

/** Resource limits of a container; undefined means unlimited. */
export interface ResourceLimits {
  /** `--memory`, bytes. */
  memoryBytes?: number;
  /** `--memory-swap`, bytes of memory plus swap; -1 for unlimited swap. */
  memorySwapBytes?: number;
  /** `--cpus`, a number of CPUs (quota over a 100 ms period). */
  cpus?: number;
  /** `--cpu-shares`, the relative weight (Docker's default 1024). */
  cpuShares?: number;
  /** `--pids-limit`; -1 or 0 for unlimited. */
  pidsLimit?: number;
}

/** A container's cgroups. */
export interface ContainerCgroup {
  /** The `cgroup.procs` files the container's init stage writes itself into. */
  procsFiles: string[];
  /** Removes the cgroups (after the container's processes have all exited). */
  remove(): void;
}

/** Creates the cgroups of container `id` with `limits` applied. */
export function createContainerCgroup(_id: string, _limits: ResourceLimits): ContainerCgroup {
  return { procsFiles: [], remove() {} };
}

/** Moves the calling process into the given cgroups (writes "0" to each `cgroup.procs`). */
export function joinCgroups(procsFiles: readonly string[]): void {
  for (const file of procsFiles) Deno.writeTextFileSync(file, "0");
}

/** Removes cgroups of containers for which `isLive(id)` is false (left by a killed mydocker). */
export function sweepStaleCgroups(_isLive: (id: string) => boolean): void {
}
