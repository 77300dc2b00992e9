/**
 * The cpu controller: `--cpus` (a CFS quota over a 100 ms period) and `--cpu-shares`.
 *
 * @module
 */

import type { CgroupController, CgroupFileWrite } from "./controller.ts";

/** The CFS period `--cpus` is a quota over, in microseconds (100 ms, as Docker uses). */
export const CPU_PERIOD_US = 100_000;

/** The CFS quota, in microseconds per `period` (µs), that gives `cpus` CPUs. */
export function cpuQuotaUs(cpus: number, period = CPU_PERIOD_US): number {
  return Math.round(cpus * period);
}

/**
 * Maps v1 `cpu.shares` (2 to 262144) to v2 `cpu.weight` (1 to 10000) with runc's formula
 * `1 + ((shares - 2) * 9999) / 262142`, in integer arithmetic: 2 → 1, 1024 → 39, 262144 → 10000.
 */
export function cpuWeightFromShares(shares: number): number {
  return 1 + Math.trunc(((shares - 2) * 9999) / 262142);
}

/**
 * CPU limits. v1: `cpu.cfs_period_us` and `cpu.cfs_quota_us`, `cpu.shares`. v2: `cpu.max`
 * ("quota period") and `cpu.weight`.
 */
export const cpuController: CgroupController = {
  name: "cpu",
  flags: "--cpus and --cpu-shares",
  v1Files({ cpus, cpuShares, cpuPeriodUs = CPU_PERIOD_US }) {
    const writes: CgroupFileWrite[] = [];
    if (cpus !== undefined) {
      writes.push(["cpu.cfs_period_us", String(cpuPeriodUs)]);
      writes.push(["cpu.cfs_quota_us", String(cpuQuotaUs(cpus, cpuPeriodUs))]);
    }
    if (cpuShares !== undefined) writes.push(["cpu.shares", String(cpuShares)]);
    return writes;
  },
  v2Files({ cpus, cpuShares, cpuPeriodUs = CPU_PERIOD_US }) {
    const writes: CgroupFileWrite[] = [];
    if (cpus !== undefined) {
      writes.push(["cpu.max", `${cpuQuotaUs(cpus, cpuPeriodUs)} ${cpuPeriodUs}`]);
    }
    if (cpuShares !== undefined) {
      writes.push(["cpu.weight", String(cpuWeightFromShares(cpuShares))]);
    }
    return writes;
  },
};
