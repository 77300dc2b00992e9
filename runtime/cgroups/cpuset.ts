/**
 * The cpuset controller: the CPUs and memory nodes an OCI config's `linux.resources.cpu` pins
 * the container to.
 *
 * @module
 */

import type { CgroupController, CgroupFileWrite } from "./controller.ts";

function cpusetFiles(
  { cpusetCpus, cpusetMems }: { cpusetCpus?: string; cpusetMems?: string },
): CgroupFileWrite[] {
  const writes: CgroupFileWrite[] = [];
  if (cpusetCpus !== undefined) writes.push(["cpuset.cpus", cpusetCpus]);
  if (cpusetMems !== undefined) writes.push(["cpuset.mems", cpusetMems]);
  return writes;
}

/** `cpuset.cpus` and `cpuset.mems`, the same files on v1 and v2. */
export const cpusetController: CgroupController = {
  name: "cpuset",
  flags: "cpu.cpus and cpu.mems",
  v1Files: cpusetFiles,
  v2Files: cpusetFiles,
};
