/**
 * What `ps` and `logs` show of the containers: a summary of each, after tidying what dead
 * monitors left, and a container's log entries, as `logs` selects them (`--tail`, `--since`,
 * `--until`), followed while it runs (`-f`).
 *
 * @module
 */

import { sweepStale } from "../runtime/host/run_container.ts";
import { DEFAULT_LOG_LIMITS, type LogEntry } from "../runtime/host/json_log.ts";
import { followLog, readLog } from "../runtime/host/json_log_reader.ts";
import { type ContainerState, readState } from "../runtime/state/container_state.ts";
import { findContainer, listContainers } from "../runtime/state/containers.ts";
import { isAlive } from "../sys/process_identity.ts";

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
export async function containerSummaries(
  root: string,
  all: boolean,
): Promise<ContainerSummary[]> {
  await sweepStale(root);
  return listContainers(root).reverse()
    .filter((c) => all || ["running", "restarting"].includes(c.state.status))
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

export type { LogEntry };

/** Which of a container's log entries `logs` shows. */
export interface LogQuery {
  /** Keep showing new entries until the container has ended (`-f`). */
  follow: boolean;
  /** Only the last this many (`--tail`); undefined: all. */
  tail: number | undefined;
  /** Only those written at or after this time, in ms since the epoch (`--since`). */
  since: number | undefined;
  /** Only those written at or before this time, in ms since the epoch (`--until`). */
  until: number | undefined;
}

/**
 * Whether the container in `dir` has ended for good (or is gone), its output all in its log: its
 * monitor, which writes the log, has ended too.
 */
function ended(dir: string): boolean {
  try {
    const state = readState(dir);
    return ["exited", "unknown"].includes(state.status) && !isAlive(state.monitor);
  } catch {
    return true;
  }
}

/**
 * The log entries of the container `reference` names, oldest first, as `query` selects them.
 *
 * @throws {ExitCodeError} (125) when no container has that name.
 */
export async function* containerLogs(
  root: string,
  reference: string,
  query: LogQuery,
): AsyncGenerator<LogEntry> {
  const { dir, record } = findContainer(root, reference);
  const { since, until } = query;
  const inRange = (entry: LogEntry) => {
    const time = Date.parse(entry.time);
    return (since === undefined || time >= since) && (until === undefined || time <= until);
  };
  const { entries, position } = readLog(
    dir.jsonLog,
    (record.logLimits ?? DEFAULT_LOG_LIMITS).maxFiles,
  );
  const skipped = query.tail === undefined ? 0 : Math.max(entries.length - query.tail, 0);
  yield* entries.slice(skipped).filter(inRange);
  if (!query.follow) return;
  const over = () => ended(dir.path) || (until !== undefined && Date.now() > until);
  for await (const entry of followLog(dir.jsonLog, position, over)) {
    if (inRange(entry)) yield entry;
  }
}
