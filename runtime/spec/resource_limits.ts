/**
 * A container's resource limits, as data: what `--memory`, `--memory-swap`, `--cpus`,
 * `--cpu-shares` and `--pids-limit` ask for.
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
