/**
 * The containers of a state root: listing them, finding one by id, id prefix or name, and
 * sweeping up after monitors that died.
 *
 * @module
 */

import {
  CONTAINER_DIR_NAME,
  type ContainerDir,
  containerDir,
  containersRoot,
  removeContainerDir,
} from "./container_dir.ts";
import {
  type ContainerRecord,
  type ContainerState,
  readRecord,
  readState,
  readStoredState,
  writeState,
} from "./container_state.ts";
import { EXIT_KILLED, ExitCodeError } from "../../sys/exit_codes.ts";
import {
  isAlive,
  processesInMountNamespace,
  signalIdentified,
} from "../../sys/process_identity.ts";
import { kill } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";

/** A container as stored: its directory, record and current state. */
export interface StoredContainer {
  dir: ContainerDir;
  record: ContainerRecord;
  state: ContainerState;
}

/** Lists every readable container under `stateRoot`, oldest first. */
export function listContainers(stateRoot: string): StoredContainer[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(containersRoot(stateRoot))];
  } catch {
    return [];
  }
  const found: StoredContainer[] = [];
  for (const entry of entries) {
    if (!CONTAINER_DIR_NAME.test(entry.name)) continue; // Being created.
    const dir = containerDir(stateRoot, entry.name);
    try {
      found.push({ dir, record: readRecord(dir.path), state: readState(dir.path) });
    } catch {
      // Being created or removed right now.
    }
  }
  return found.sort((a, b) => a.record.created.localeCompare(b.record.created));
}

/**
 * Finds a container by full id, unique id prefix, or name. Throws an ExitCodeError (125):
 * `No such container: x`.
 */
export function findContainer(stateRoot: string, reference: string): StoredContainer {
  const containers = listContainers(stateRoot);
  const byName = containers.find((c) => c.record.name === reference);
  if (byName !== undefined) return byName;
  const byId = reference === "" ? [] : containers.filter((c) => c.record.id.startsWith(reference));
  if (byId.length === 1) return byId[0]!;
  if (byId.length > 1) {
    throw new ExitCodeError(`Container id prefix "${reference}" is ambiguous`);
  }
  throw new ExitCodeError(`No such container: ${reference}`);
}

/**
 * Kills (SIGKILL) what a container's dead monitor left outside the container's cgroups, which a
 * cgroup sweep would miss: its first process as `state` records it, and the processes of its
 * recorded mount namespace (one whose pid was never recorded, waiting at its gate, or an init
 * stage still starting). Returns whether there was any.
 */
export function killOrphanedProcess(state: ContainerState): boolean {
  if (isAlive(state.monitor)) return false;
  let killed = state.process !== undefined && signalIdentified(state.process, SIGNALS.KILL);
  if (state.mountNamespace !== undefined) {
    const { name, since } = state.mountNamespace;
    for (const pid of processesInMountNamespace(name, since)) {
      killed = kill(pid, SIGNALS.KILL) || killed;
    }
  }
  return killed;
}

/**
 * Tidies up after monitors that died (mydocker killed with SIGKILL): their `--rm` containers are
 * removed, the others are recorded as exited (137), as `readState` already reports them (so a
 * record that cannot be written, on a full disk, is left as it is). Reads only the state of each
 * container (a run does this every time, so it must stay cheap), and returns the ids of the
 * containers that remain.
 */
export function sweepContainers(stateRoot: string): Set<string> {
  const remaining = new Set<string>();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(containersRoot(stateRoot))];
  } catch {
    return remaining;
  }
  for (const { name } of entries) {
    if (!CONTAINER_DIR_NAME.test(name)) continue; // Being created.
    remaining.add(name);
    const dir = containerDir(stateRoot, name);
    let stored: ContainerState;
    let remove: boolean;
    try {
      stored = readStoredState(dir.path);
      if (stored.status === "exited" || stored.status === "unknown" || isAlive(stored.monitor)) {
        continue;
      }
      remove = readRecord(dir.path).remove;
    } catch {
      continue; // Being created or removed right now.
    }
    killOrphanedProcess(stored);
    if (remove) {
      removeContainerDir(dir);
      remaining.delete(name);
      continue;
    }
    try {
      writeState(dir.path, {
        ...stored,
        status: "exited",
        exitCode: stored.exitCode ?? EXIT_KILLED,
      }, true);
    } catch {
      // readState reports it so all the same.
    }
  }
  return remaining;
}
