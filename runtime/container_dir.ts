/**
 * A container's directory under the state root: its writable layer, overlay work dir and mount
 * point, plus an owner record so that directories left by a killed mydocker are swept away.
 *
 * @module
 */

import { processStartTime } from "./process_start_time.ts";

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
}

const OWNER_FILE = "owner";

function ownerRecord(pid: number): string {
  return `${pid} ${processStartTime(pid) ?? ""}`;
}

/** Creates the directory of container `id` under `stateRoot`, owned by this process. */
export function createContainerDir(stateRoot: string, id: string): ContainerDir {
  const path = `${stateRoot}/containers/${id}`;
  const dir: ContainerDir = {
    path,
    upperDir: `${path}/upper`,
    workDir: `${path}/work`,
    mountPoint: `${path}/rootfs`,
    emptyDir: `${path}/empty`,
  };
  Deno.mkdirSync(path, { recursive: true, mode: 0o700 });
  for (const sub of [dir.upperDir, dir.workDir, dir.mountPoint]) Deno.mkdirSync(sub);
  Deno.writeTextFileSync(`${path}/${OWNER_FILE}`, ownerRecord(Deno.pid));
  return dir;
}

/** Tells whether container `id` has a directory under `stateRoot`. */
export function containerDirExists(stateRoot: string, id: string): boolean {
  try {
    return Deno.statSync(`${stateRoot}/containers/${id}`).isDirectory;
  } catch {
    return false;
  }
}

/** Removes a container directory and everything in it. */
export function removeContainerDir(dir: ContainerDir): void {
  Deno.removeSync(dir.path, { recursive: true });
}

/**
 * Removes container directories whose owning mydocker process has died (killed with SIGKILL,
 * say). Directories of live owners are left alone.
 */
export function sweepStaleContainerDirs(stateRoot: string): void {
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(`${stateRoot}/containers`);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = `${stateRoot}/containers/${entry.name}`;
    let owner: string;
    try {
      owner = Deno.readTextFileSync(`${path}/${OWNER_FILE}`);
    } catch {
      continue;
    }
    const pid = Number(owner.split(" ")[0]);
    if (ownerRecord(pid) === owner) continue;
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // Another mydocker swept it first.
    }
  }
}
