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
  /** The CFS period `cpus` is a quota over, µs (an OCI config's; 100 ms by default). */
  cpuPeriodUs?: number;
  /** The CPUs the container may run on (`cpuset.cpus`: `0-3,6`). */
  cpusetCpus?: string;
  /** The memory nodes the container may use (`cpuset.mems`). */
  cpusetMems?: string;
  /** The memory the kernel reclaims down to first under pressure, bytes (a soft limit). */
  memoryReservationBytes?: number;
  /** How readily the container's memory is swapped, 0 to 100 (cgroup v1 only). */
  memorySwappiness?: number;
  /** The kernel's TCP buffer memory limit, bytes (cgroup v1 only). */
  kernelTcpBytes?: number;
  /** Whether the OOM killer leaves the container's processes alone (cgroup v1 only). */
  disableOomKiller?: boolean;
  /** Huge page limits, bytes per page size (`2MB`, `1GB`). */
  hugepageLimits?: { pageSize: string; limit: number }[];
}
