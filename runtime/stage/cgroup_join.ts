/**
 * A stage joining its container's cgroups: at once those the host may not have moved it into yet,
 * and just before the command is exec'd those that account memory (see `StageCgroups`).
 *
 * @module
 */

import type { StageCgroups } from "../spec/container_spec.ts";

/**
 * Joins the cgroups of `cgroups.atStart` that the calling process is not in yet (membership shows
 * as its own pid, as seen from its PID namespace), and opens those of `cgroups.beforeExec` while
 * their host paths are reachable and the cgroup namespace is still the host's. Returns the
 * function that joins them, to be called just before the command is exec'd.
 */
export function joinStageCgroups(cgroups: StageCgroups): () => void {
  const self = String(Deno.pid);
  for (const file of cgroups.atStart) {
    if (!Deno.readTextFileSync(file).split("\n").includes(self)) Deno.writeTextFileSync(file, "0");
  }
  const late = cgroups.beforeExec.map((file) => Deno.openSync(file, { write: true }));
  return () => {
    for (const file of late) {
      file.writeSync(new TextEncoder().encode("0"));
      file.close();
    }
  };
}
