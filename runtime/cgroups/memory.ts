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
 * a memory limit is ignored, as Docker ignores it.
 */
export const memoryController: CgroupController = {
  name: "memory",
  flags: "--memory",
  v1Files(limits, hasFile) {
    const { memoryBytes, memorySwapBytes } = limits;
    if (memoryBytes === undefined) return [];
    const writes: CgroupFileWrite[] = [["memory.limit_in_bytes", String(memoryBytes)]];
    if (memorySwapBytes !== undefined && hasFile("memory.memsw.limit_in_bytes")) {
      writes.push(["memory.memsw.limit_in_bytes", String(memorySwapBytes)]);
    }
    return writes;
  },
  v2Files(limits, hasFile) {
    const { memoryBytes, memorySwapBytes } = limits;
    if (memoryBytes === undefined) return [];
    const writes: CgroupFileWrite[] = [["memory.max", String(memoryBytes)]];
    if (memorySwapBytes !== undefined && hasFile("memory.swap.max")) {
      const swap = memorySwapBytes === -1 ? "max" : String(memorySwapBytes - memoryBytes);
      writes.push(["memory.swap.max", swap]);
    }
    return writes;
  },
};
