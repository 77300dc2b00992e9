/**
 * A stage joining its container's cgroups: at once those the host may not have moved it into yet,
 * and just before the command is exec'd those that account memory (see `StageCgroups`).
 *
 * @module
 */

import type { StageCgroups } from "../spec/container_spec.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/**
 * Joins the cgroups of `cgroups.atStart` that the calling process is not in yet (membership shows
 * as its own pid, as seen from its PID namespace), and opens those of `cgroups.beforeExec` while
 * their host paths are reachable and the cgroup namespace is still the host's. Returns the
 * function that joins them, to be called just before the command is exec'd.
 */
export function joinStageCgroups(cgroups: StageCgroups, sys: Sys = realSys): () => void {
  const self = String(Deno.pid);
  for (const file of cgroups.atStart) {
    if (!sys.readTextFile(file).split("\n").includes(self)) sys.writeFile(file, "0");
  }
  const late = cgroups.beforeExec.map((file) => sys.openForWriting(file));
  return () => {
    for (const file of late) {
      file.write("0");
      file.close();
    }
  };
}
