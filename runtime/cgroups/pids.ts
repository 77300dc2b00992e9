/**
 * The pids controller: `--pids-limit`.
 *
 * @module
 */

import type { CgroupController, CgroupFileWrite } from "./controller.ts";

function pidsFiles({ pidsLimit }: { pidsLimit?: number }): CgroupFileWrite[] {
  return pidsLimit === undefined || pidsLimit <= 0 ? [] : [["pids.max", String(pidsLimit)]];
}

/** The process limit: `pids.max` on v1 and v2 alike; -1 or 0 leaves it unlimited (`max`). */
export const pidsController: CgroupController = {
  name: "pids",
  flags: "--pids-limit",
  v1Files: pidsFiles,
  v2Files: pidsFiles,
};
