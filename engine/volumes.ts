/**
 * Volumes as Docker's local driver makes them, and what a container gets of them: named volumes
 * (`-v NAME:/path`, created on first use), anonymous ones (`-v /path`, the image's `VOLUME`), the
 * mounts of `--volumes-from`, each turned into a bind of the volume's `_data` before the
 * container starts; and the `volume` commands' create, list, inspect, remove and prune.
 *
 * @module
 */

import { cleanPath } from "../sys/path.ts";
import type { VolumeMount } from "../runtime/spec/container_config.ts";
import type { ContainerMount } from "../runtime/spec/container_spec.ts";
import { findContainer } from "../runtime/state/containers.ts";
import {
  ANONYMOUS_LABEL,
  anonymousVolumeName,
  createVolume,
  listVolumes,
  readVolume,
  removeVolume,
  type Volume,
  VOLUME_NAME,
  volumeData,
  volumeUsers,
} from "../runtime/state/volume_store.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

export type { Volume } from "../runtime/state/volume_store.ts";

/** A volume mount asked for: `-v NAME:/path`, `-v /path` (no name: anonymous), `--mount type=volume`. */
export interface VolumeRequest {
  type: "volume";
  /** The volume's name; undefined for a new anonymous volume. */
  name: string | undefined;
  /** Where the container sees it (absolute, clean). */
  target: string;
  readonly: boolean;
}

/** A mount asked for on the command line: a bind, a tmpfs or a volume. */
export type RequestedMount = ContainerMount | VolumeRequest;

/**
 * Checks a volume name as Docker's local driver does.
 *
 * @throws {ExitCodeError} (125) in Docker's words.
 */
export function checkVolumeName(name: string): void {
  if (VOLUME_NAME.test(name)) return;
  throw new ExitCodeError(
    `create ${name}: "${name}" includes invalid characters for a local volume name, only ` +
      `"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
  );
}

/** What a container gets of volumes: its mounts (volumes as binds) and the volumes among them. */
export interface AttachedVolumes {
  mounts: ContainerMount[];
  volumes: VolumeMount[];
}

/**
 * The mounts of `--volumes-from CONTAINER[:ro|rw]` values: each container's binds and volumes,
 * read-only or writable as the suffix says (else as they are).
 *
 * @throws {ExitCodeError} (125): `No such container: x`, or a bad suffix.
 */
export function volumesFrom(root: string, values: readonly string[]): AttachedVolumes {
  const attached: AttachedVolumes = { mounts: [], volumes: [] };
  for (const value of values) {
    const [reference = "", mode, ...rest] = value.split(":");
    if (rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
      throw new ExitCodeError(`Cannot use --volumes-from "${value}": expected CONTAINER[:ro|rw]`);
    }
    const { config } = findContainer(root, reference).record;
    const readonly = (original: boolean) => mode === undefined ? original : mode === "ro";
    for (const mount of config.mounts) {
      if (mount.type === "bind") {
        attached.mounts.push({ ...mount, readonly: readonly(mount.readonly) });
      }
    }
    for (const volume of config.volumes ?? []) {
      attached.volumes.push({ ...volume, readonly: readonly(volume.readonly) });
    }
  }
  return attached;
}

/** The number of path components of a mount's target: Docker mounts parents first. */
const depth = (mount: ContainerMount) => mount.target.split("/").filter(Boolean).length;

/** What {@linkcode attachVolumes} needs. */
export interface VolumePlan {
  root: string;
  /** `-v`, `--mount` and `--tmpfs` mounts, in order. */
  requested: readonly RequestedMount[];
  /** From {@linkcode volumesFrom}. */
  inherited: AttachedVolumes;
  /** The image's `Volumes` paths. */
  imageVolumes: readonly string[];
  /** The image's layers (topmost first), copied from into new volumes. */
  lowerDirs: readonly string[];
}

/**
 * Creates the volumes `plan` names (a named one on first use, an anonymous one for `-v /path` and
 * each image `VOLUME` no other mount covers), copies the image's content into those still empty,
 * and returns the container's mounts, parents first, with its volumes.
 */
export async function attachVolumes(plan: VolumePlan): Promise<AttachedVolumes> {
  const { root, requested, inherited } = plan;
  const taken = new Set([...requested, ...inherited.mounts].map((mount) => mount.target));
  const fromImage: VolumeRequest[] = plan.imageVolumes
    .map(cleanPath)
    .filter((target, index, all) => !taken.has(target) && all.indexOf(target) === index)
    .map((target) => ({ type: "volume", name: undefined, target, readonly: false }));
  const volumes: VolumeMount[] = [...inherited.volumes];
  const mounts: ContainerMount[] = [...inherited.mounts];
  for (const mount of [...fromImage, ...requested]) {
    if (mount.type !== "volume") {
      mounts.push(mount);
      continue;
    }
    const name = mount.name ?? anonymousVolumeName();
    const anonymous = mount.name === undefined;
    const volume = createVolume(root, name, anonymous ? { [ANONYMOUS_LABEL]: "" } : null);
    if (isEmpty(volume.mountpoint) && plan.lowerDirs.length > 0) {
      const { copyImageContent } = await import("./volume_copy.ts");
      copyImageContent(plan.lowerDirs, mount.target, volume.mountpoint);
    }
    volumes.push({ name, target: mount.target, readonly: mount.readonly, anonymous });
    mounts.push({
      type: "bind",
      source: volume.mountpoint,
      target: mount.target,
      readonly: mount.readonly,
    });
  }
  return { mounts: mounts.sort((a, b) => depth(a) - depth(b)), volumes };
}

function isEmpty(dir: string): boolean {
  for (const _ of Deno.readDirSync(dir)) return false;
  return true;
}

/** `volume create [NAME]`: creates (or finds) the volume; a random name when none is given. */
export function createNamedVolume(
  root: string,
  name: string | undefined,
  labels: Record<string, string> | null,
): Volume {
  if (name === undefined) return createVolume(root, anonymousVolumeName(), labels);
  checkVolumeName(name);
  return createVolume(root, name, labels);
}

/** `volume ls`: every volume. */
export function volumeList(root: string): Volume[] {
  return listVolumes(root);
}

/**
 * `volume inspect`: volume `name`.
 *
 * @throws {ExitCodeError} (125): `No such volume: x`.
 */
export function inspectVolume(root: string, name: string): Volume {
  const volume = readVolume(root, name);
  if (volume === undefined) throw new ExitCodeError(`No such volume: ${name}`);
  return volume;
}

/**
 * `volume rm`: removes volume `name` unless a container uses it; with `force`, a missing volume
 * is no error.
 *
 * @throws {ExitCodeError} (125): `get x: no such volume`, `remove x: volume is in use - [id]`.
 */
export function removeNamedVolume(root: string, name: string, force: boolean): void {
  if (readVolume(root, name) === undefined) {
    if (force) return;
    throw new ExitCodeError(`get ${name}: no such volume`);
  }
  const users = volumeUsers(root, name);
  if (users.length > 0) {
    throw new ExitCodeError(`remove ${name}: volume is in use - [${users.join(", ")}]`);
  }
  removeVolume(root, name);
}

/** What `volume prune` removed: names and bytes. */
export interface PrunedVolumes {
  names: string[];
  bytes: number;
}

/** The bytes of the files under `path` (the file's own size for a file). */
export function diskUsage(path: string): number {
  const info = Deno.lstatSync(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for (const { name } of Deno.readDirSync(path)) total += diskUsage(`${path}/${name}`);
  return total;
}

/** `volume prune [-a]`: removes the anonymous (with `all`, every) volumes no container uses. */
export function pruneVolumes(root: string, all: boolean): PrunedVolumes {
  const pruned: PrunedVolumes = { names: [], bytes: 0 };
  for (const volume of listVolumes(root)) {
    const anonymous = volume.labels !== null && Object.hasOwn(volume.labels, ANONYMOUS_LABEL);
    if (!(all || anonymous) || volumeUsers(root, volume.name).length > 0) continue;
    pruned.bytes += diskUsage(volumeData(root, volume.name));
    removeVolume(root, volume.name);
    pruned.names.push(volume.name);
  }
  return pruned;
}
