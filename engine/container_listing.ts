/**
 * What `ps` and `logs` show of the containers: a summary of each, after tidying what dead
 * monitors left, and where a detached container's output is.
 *
 * @module
 */

import { sweepStale } from "../runtime/host/run_container.ts";
import type { ContainerState } from "../runtime/state/container_state.ts";
import { findContainer, listContainers } from "../runtime/state/containers.ts";

/** One container as `ps` shows it. */
export interface ContainerSummary {
  /** The full id. */
  id: string;
  name: string;
  /** The image as the user named it (or the --rootfs directory). */
  image: string;
  /** The image's id; absent for `--rootfs`. */
  imageId: string | undefined;
  /** The command and its arguments. */
  args: readonly string[];
  /** When it was created (ISO 8601). */
  created: string;
  /** Where it is in its life. */
  state: ContainerState;
}

/** The containers under `root`, newest first: those running, or `all` of them. */
export function containerSummaries(root: string, all: boolean): ContainerSummary[] {
  sweepStale(root);
  return listContainers(root).reverse()
    .filter((c) => all || c.state.status === "running")
    .map(({ record, state }) => ({
      id: record.id,
      name: record.name,
      image: record.image,
      imageId: record.imageId,
      args: record.config.args,
      created: record.created,
      state,
    }));
}

/** A detached container's log files. */
export interface ContainerLogs {
  /** The container's stdout. */
  stdout: string;
  /** The container's stderr. */
  stderr: string;
}

/**
 * The log files of the container `reference` names; undefined for a container that ran in the
 * foreground, which has none.
 *
 * @throws {ExitCodeError} (125) when no container has that name.
 */
export function containerLogs(root: string, reference: string): ContainerLogs | undefined {
  const { dir, record } = findContainer(root, reference);
  if (!record.detached) return undefined;
  return { stdout: dir.stdoutLog, stderr: dir.stderrLog };
}
