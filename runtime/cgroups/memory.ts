/**
 * The memory controller: `--memory` and `--memory-swap`.
 *
 * @module
 */

import type { CgroupController, CgroupFileWrite } from "./controller.ts";

/**
 * Memory limits. v1: `memory.limit_in_bytes`, then `memory.memsw.limit_in_bytes` (memory plus
 * swap) when swap accounting exists. v2: `memory.max` and `memory.swap.max` (swap alone: memory
 * plus swap minus memory, `max` for unlimited) when swap accounting exists. A swap limit without
 * a memory limit is ignored, as Docker ignores it. An OCI config's reservation is
 * `memory.soft_limit_in_bytes` (v1) or `memory.low` (v2); its swappiness, disabled OOM killer
 * and TCP buffer limit (`memory.swappiness`, `memory.oom_control`,
 * `memory.kmem.tcp.limit_in_bytes`) exist on v1 only.
 */
export const memoryController: CgroupController = {
  name: "memory",
  flags: "--memory",
  v1Files(limits, hasFile) {
    const { memoryBytes, memorySwapBytes, memoryReservationBytes } = limits;
    const writes: CgroupFileWrite[] = [];
    if (memoryBytes !== undefined) {
      writes.push(["memory.limit_in_bytes", String(memoryBytes)]);
      if (memorySwapBytes !== undefined && hasFile("memory.memsw.limit_in_bytes")) {
        writes.push(["memory.memsw.limit_in_bytes", String(memorySwapBytes)]);
      }
    }
    if (memoryReservationBytes !== undefined) {
      writes.push(["memory.soft_limit_in_bytes", String(memoryReservationBytes)]);
    }
    if (limits.memorySwappiness !== undefined) {
      writes.push(["memory.swappiness", String(limits.memorySwappiness)]);
    }
    if (limits.disableOomKiller) writes.push(["memory.oom_control", "1"]);
    if (limits.kernelTcpBytes !== undefined) {
      writes.push(["memory.kmem.tcp.limit_in_bytes", String(limits.kernelTcpBytes)]);
    }
    return writes;
  },
  v2Files(limits, hasFile) {
    const { memoryBytes, memorySwapBytes, memoryReservationBytes } = limits;
    const writes: CgroupFileWrite[] = [];
    if (memoryBytes !== undefined) {
      writes.push(["memory.max", String(memoryBytes)]);
      if (memorySwapBytes !== undefined && hasFile("memory.swap.max")) {
        const swap = memorySwapBytes === -1 ? "max" : String(memorySwapBytes - memoryBytes);
        writes.push(["memory.swap.max", swap]);
      }
    }
    if (memoryReservationBytes !== undefined) {
      writes.push(["memory.low", String(memoryReservationBytes)]);
    }
    return writes;
  },
};
