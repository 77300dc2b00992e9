/**
 * A container's directory under the state root: its writable layer, overlay work dir, mount
 * point, records, generated /etc files and its json-file log.
 *
 * @module
 */

import { pathExists } from "../../sys/path_exists.ts";
import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";

/** The container's record, in its directory (see `container_state.ts`). */
export const RECORD_FILE = "config.json";

/** The container's state, in its directory (see `container_state.ts`). */
export const STATE_FILE = "state.json";

/** Paths of one container's directory. */
export interface ContainerDir {
  /** The directory itself: `<root>/containers/<id>`. */
  path: string;
  /** The overlay upper layer. */
  upperDir: string;
  /** The overlay work directory. */
  workDir: string;
  /** Where the root is mounted (inside the container's mount namespace only). */
  mountPoint: string;
  /** An empty directory, the lower layer of a container with no image. */
  emptyDir: string;
  /** The container's stdout and stderr, as Docker's json-file driver keeps them. */
  jsonLog: string;
}

/** Returns the directory holding every container of `stateRoot`. */
export function containersRoot(stateRoot: string): string {
  return `${stateRoot}/containers`;
}

/** Returns the paths of container `id`'s directory (which may not exist). */
export function containerDir(stateRoot: string, id: string): ContainerDir {
  const path = `${containersRoot(stateRoot)}/${id}`;
  return {
    path,
    upperDir: `${path}/upper`,
    workDir: `${path}/work`,
    mountPoint: `${path}/rootfs`,
    emptyDir: `${path}/empty`,
    jsonLog: `${path}/${id}-json.log`,
  };
}

/**
 * Creates the directory of container `id` under `stateRoot` with its subdirectories and what
 * `fill` writes into it (its records), beside its final place first, then renamed into it: a
 * container directory appears whole or not at all, even to a mydocker killed meanwhile (see
 * {@linkcode sweepStagedContainerDirs}); nothing is left when it fails.
 *
 * @throws {ExitCodeError} (125): `Cannot create "…/containers/<id>": no space left on device`.
 */
export function createContainerDir(
  stateRoot: string,
  id: string,
  fill: (staged: ContainerDir) => void,
): ContainerDir {
  const dir = containerDir(stateRoot, id);
  const staged = containerDir(stateRoot, `${id}.${Deno.pid}${STAGING_SUFFIX}`);
  try {
    Deno.mkdirSync(containersRoot(stateRoot), { recursive: true, mode: 0o700 });
    Deno.mkdirSync(staged.path, { mode: 0o700 });
  } catch (error) {
    throw new ExitCodeError(`Cannot create "${dir.path}": ${fsErrorReason(error)}`);
  }
  try {
    for (const sub of [staged.upperDir, staged.workDir, staged.mountPoint, staged.emptyDir]) {
      Deno.mkdirSync(sub);
    }
    fill(staged);
    Deno.renameSync(staged.path, dir.path);
  } catch (error) {
    removeContainerDir(staged);
    if (error instanceof ExitCodeError) throw error;
    throw new ExitCodeError(`Cannot create "${dir.path}": ${fsErrorReason(error)}`);
  }
  return dir;
}

/**
 * Removes the directories that mydockers killed while creating a container left (named
 * `<id>.<pid>.new`, whose pid is gone): a container directory appears whole or not at all.
 */
export function sweepStagedContainerDirs(stateRoot: string): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(containersRoot(stateRoot))];
  } catch {
    return;
  }
  for (const { name } of entries) {
    if (!name.endsWith(STAGING_SUFFIX)) continue;
    const pid = Number(name.slice(0, -STAGING_SUFFIX.length).split(".")[1]);
    if (pathExists(`/proc/${pid}`)) continue;
    removeContainerDir(containerDir(stateRoot, name));
  }
}

/** The name suffix of a container directory being created (see {@linkcode createContainerDir}). */
const STAGING_SUFFIX = ".new";

/** The name of a container's directory: its id, 64 hex characters (anything else is not one). */
export const CONTAINER_DIR_NAME = /^[0-9a-f]{64}$/;

/**
 * Removes a container directory and everything in it (nothing when it is already gone). Its
 * record goes first, so that listings skip it while the rest is removed.
 */
export function removeContainerDir(dir: ContainerDir): void {
  try {
    Deno.removeSync(`${dir.path}/${RECORD_FILE}`);
  } catch {
    // Never written, or already gone.
  }
  try {
    Deno.removeSync(dir.path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
