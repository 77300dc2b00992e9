/**
 * `mydocker run -d`: creates the container, hands it to a monitor process in a session of its
 * own (stdin from /dev/null, stdout and stderr into the container's log files), and returns once
 * the container runs.
 *
 * @module
 */

import type { ContainerDir } from "./container_dir.ts";
import { type ContainerRecord, type ContainerState, readState } from "./container_state.ts";
import { SpawnOpen } from "./libc.ts";
import { MONITOR_ARG } from "./stage_args.ts";
import { createContainer, sweepStale } from "./run_container.ts";
import { spawnStage } from "./spawn_init.ts";

const START_TIMEOUT_MS = 30_000;

/**
 * Starts container `record` in the background; returns its directory and its state once the
 * monitor has started it (or it has already exited).
 */
export async function startDetached(
  record: ContainerRecord,
): Promise<{ dir: ContainerDir; state: ContainerState }> {
  const root = record.config.stateRoot;
  sweepStale(root);
  const dir = createContainer(record);
  spawnStage([MONITOR_ARG, root, record.id], {
    group: "new-session",
    files: [
      { fd: 0, path: "/dev/null", flags: SpawnOpen.READ },
      { fd: 1, path: dir.stdoutLog, flags: SpawnOpen.APPEND },
      { fd: 2, path: dir.stderrLog, flags: SpawnOpen.APPEND },
    ],
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const state = JSON.parse(Deno.readTextFileSync(`${dir.path}/state.json`)) as ContainerState;
    if (state.status !== "created") return { dir, state: readState(dir.path) };
    if (Date.now() > deadline) throw new Error(`Container ${record.id} did not start in time`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
