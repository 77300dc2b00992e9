/**
 * `container prune`: removes every stopped container, as `docker container prune` does, and
 * says which went and how much of their writable layers that freed.
 *
 * @module
 */

import { ExitCodeError } from "../sys/exit_codes.ts";
import { removeContainer } from "./container_lifecycle.ts";
import { containerSummaries } from "./container_listing.ts";
import { containerSizes } from "./container_size.ts";

/** What `container prune` removed: the ids, and the bytes of their writable layers. */
export interface PrunedContainers {
  ids: string[];
  bytes: number;
}

/**
 * Removes the containers under `root` that have exited (a `created` one is a `run` still
 * setting up); one started again meanwhile stays.
 */
export async function pruneContainers(root: string): Promise<PrunedContainers> {
  const stopped = (await containerSummaries(root, true)).filter((c) => c.state.status === "exited");
  const sizes = await containerSizes(root, stopped);
  const pruned: PrunedContainers = { ids: [], bytes: 0 };
  for (const container of stopped.reverse()) {
    try {
      await removeContainer(root, container.id, false);
    } catch (error) {
      if (error instanceof ExitCodeError) continue; // Started again, or removed, meanwhile.
      throw error;
    }
    pruned.ids.push(container.id);
    pruned.bytes += sizes.get(container.id)?.rw ?? 0;
  }
  return pruned;
}
