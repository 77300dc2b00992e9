/**
 * Volumes as Docker's local driver keeps them: `<root>/volumes/<name>/_data` holds the files,
 * `<root>/volumes/<name>/volume.json` the creation time and labels. A volume appears whole or not
 * at all (made under a staging name that is never a volume name, then renamed); reading creates
 * nothing.
 *
 * @module
 */

import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import type { VolumeMount } from "../spec/container_config.ts";
import { listContainers } from "./containers.ts";

/** A volume name as Docker's local driver allows it (an anonymous one is 64 hex characters). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The label Docker puts on anonymous volumes (`volume prune` removes only those by default). */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

const METADATA_FILE = "volume.json";

/** One stored volume. */
export interface Volume {
  name: string;
  /** The directory a container sees: `<root>/volumes/<name>/_data`. */
  mountpoint: string;
  /** When it was created (ISO 8601). */
  createdAt: string;
  /** Its labels; null when it has none. */
  labels: Record<string, string> | null;
}

/** The directory holding every volume of `stateRoot`. */
export function volumesRoot(stateRoot: string): string {
  return `${stateRoot}/volumes`;
}

/** The files of volume `name`, which a container binds. */
export function volumeData(stateRoot: string, name: string): string {
  return `${volumesRoot(stateRoot)}/${name}/_data`;
}

/** A new anonymous volume's name: 64 random hex characters, as Docker makes them. */
export function anonymousVolumeName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Reads volume `name`, or undefined when there is none. */
export function readVolume(stateRoot: string, name: string): Volume | undefined {
  if (!VOLUME_NAME.test(name)) return undefined;
  const dir = `${volumesRoot(stateRoot)}/${name}`;
  try {
    const metadata = JSON.parse(Deno.readTextFileSync(`${dir}/${METADATA_FILE}`)) as {
      createdAt: string;
      labels: Record<string, string> | null;
    };
    return { name, mountpoint: `${dir}/_data`, ...metadata };
  } catch {
    return undefined;
  }
}

/** Every volume of `stateRoot`, by name. */
export function listVolumes(stateRoot: string): Volume[] {
  let names: string[];
  try {
    names = [...Deno.readDirSync(volumesRoot(stateRoot))].map((entry) => entry.name);
  } catch {
    return [];
  }
  return names.sort().flatMap((name) => readVolume(stateRoot, name) ?? []);
}

/**
 * Creates volume `name` with `labels`, or returns the one of that name (as Docker's `volume
 * create` does); safe under concurrent mydocker processes.
 *
 * @throws {ExitCodeError} (125) when it cannot be written.
 */
export function createVolume(
  stateRoot: string,
  name: string,
  labels: Record<string, string> | null,
): Volume {
  const existing = readVolume(stateRoot, name);
  if (existing !== undefined) return existing;
  const root = volumesRoot(stateRoot);
  const staging = `${root}/.staging-${name}-${Deno.pid}`;
  const metadata = { createdAt: new Date().toISOString(), labels };
  try {
    Deno.mkdirSync(`${staging}/_data`, { recursive: true });
    Deno.writeTextFileSync(`${staging}/${METADATA_FILE}`, JSON.stringify(metadata));
    Deno.renameSync(staging, `${root}/${name}`);
  } catch (error) {
    try {
      Deno.removeSync(staging, { recursive: true });
    } catch {
      // Never made.
    }
    const raced = readVolume(stateRoot, name);
    if (raced !== undefined) return raced;
    throw new ExitCodeError(`create ${name}: ${fsErrorReason(error)}`);
  }
  return { name, mountpoint: volumeData(stateRoot, name), ...metadata };
}

/** Removes volume `name` and its files (nothing when it is gone). */
export function removeVolume(stateRoot: string, name: string): void {
  const dir = `${volumesRoot(stateRoot)}/${name}`;
  try {
    // The metadata first, so that readers no longer see the volume while its files go.
    Deno.removeSync(`${dir}/${METADATA_FILE}`);
    Deno.removeSync(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ExitCodeError(`remove ${name}: ${fsErrorReason(error)}`);
    }
  }
}

/** The ids of the containers (running or not) whose records name volume `name`. */
export function volumeUsers(stateRoot: string, name: string, except?: string): string[] {
  return listContainers(stateRoot)
    .filter((c) =>
      c.record.id !== except && (c.record.config.volumes ?? []).some((v) => v.name === name)
    )
    .map((c) => c.record.id);
}

/**
 * Removes the anonymous ones of `volumes` (a container's, being removed: `rm -v`, `--rm`) that
 * no other container than `id` uses.
 */
export function removeAnonymousVolumes(
  stateRoot: string,
  id: string,
  volumes: readonly VolumeMount[] | undefined,
): void {
  for (const volume of volumes ?? []) {
    if (volume.anonymous && volumeUsers(stateRoot, volume.name, id).length === 0) {
      removeVolume(stateRoot, volume.name);
    }
  }
}
