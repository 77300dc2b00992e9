/**
 * Host-wide owner records of container cgroups. Cgroups are shared by every mydocker on the host
 * whatever its state root, so a sweep must not take a cgroup for stale just because its own state
 * root lacks the container: `/run/mydocker/cgroups/<id>` names the mydocker process (pid and start
 * time) that created `mydocker/<id>`, from before the cgroups exist until after they are removed.
 *
 * @module
 */

import { isAlive, processIdentity } from "../../sys/process_identity.ts";

/** Where the owner records live (`/run` is a tmpfs: a reboot forgets them with the cgroups). */
export const OWNERS_DIR = "/run/mydocker/cgroups";

/**
 * Records this process as the owner of container `id`'s cgroups. The record appears whole (a
 * temporary file renamed into place): a sweep never reads a half-written one.
 */
export function recordOwner(id: string): void {
  Deno.mkdirSync(OWNERS_DIR, { recursive: true, mode: 0o700 });
  const temporary = `${OWNERS_DIR}/.${id}.${Deno.pid}.tmp`;
  try {
    Deno.writeTextFileSync(temporary, processIdentity());
    Deno.renameSync(temporary, `${OWNERS_DIR}/${id}`);
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // Never created.
    }
    throw error;
  }
}

/** The names of the owner records, live or stale: container ids (and temporary files). */
export function ownerRecords(): string[] {
  try {
    return [...Deno.readDirSync(OWNERS_DIR)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Removes the owner record of container `id`, if any. */
export function forgetOwner(id: string): void {
  try {
    Deno.removeSync(`${OWNERS_DIR}/${id}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Whether the process recorded as owner of container `id`'s cgroups is still running. */
export function ownerIsAlive(id: string): boolean {
  let record: string;
  try {
    record = Deno.readTextFileSync(`${OWNERS_DIR}/${id}`);
  } catch {
    return false;
  }
  return isAlive(record);
}
