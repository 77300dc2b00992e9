/**
 * What a container changed in its file system (`diff`) and its whole file system as a tar
 * archive (`export`).
 *
 * @module
 */

import { packTree } from "../registry/archive/pack_tree.ts";
import { findContainer } from "../runtime/state/containers.ts";
import { withContainerRoot } from "./container_root.ts";

/** One line of `diff`: Added, Changed or Deleted, and the path inside the container. */
export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

function lexistsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The mount points every container's setup creates when its image lacks them, as Docker's init
 * layer holds them: never reported as changes while they are empty.
 */
const SETUP_MOUNT_POINTS = [
  "/dev",
  "/proc",
  "/sys",
  "/etc/hostname",
  "/etc/hosts",
  "/etc/resolv.conf",
];

/**
 * The changes of the container `reference` names under `root`, read from its writable layer in
 * path order, as `docker diff` lists them: a whiteout is a deletion, a path the image has is a
 * change, any other an addition; a directory of the image is listed only above a change, and an
 * empty mount point that the container's setup made is not a change.
 *
 * @throws {ExitCodeError} (125) when no container has that name.
 */
export function containerChanges(root: string, reference: string): Change[] {
  const { dir, record } = findContainer(root, reference);
  const lowers = record.config.lowerDirs;
  const mountPoints = new Set([
    ...SETUP_MOUNT_POINTS,
    ...record.config.mounts.map((m) => m.target),
  ]);
  const walk = (relative: string): Change[] => {
    const changes: Change[] = [];
    const names = [...Deno.readDirSync(`${dir.upperDir}${relative}`)].map((e) => e.name).sort();
    for (const name of names) {
      const path = `${relative}/${name}`;
      const info = Deno.lstatSync(`${dir.upperDir}${path}`);
      if (info.isCharDevice && info.rdev === 0) {
        changes.push({ kind: "D", path });
        continue;
      }
      const inImage = lowers.some((lower) => lexistsSync(`${lower}${path}`));
      const below = info.isDirectory ? walk(path) : [];
      const empty = info.isDirectory ? below.length === 0 : info.size === 0;
      if (inImage && info.isDirectory && below.length === 0) continue;
      if (!inImage && empty && mountPoints.has(path)) continue;
      changes.push({ kind: inImage ? "C" : "A", path }, ...below);
    }
    return changes;
  };
  return walk("");
}

/**
 * Writes the file system of the container `reference` names under `root` to `out` as a tar
 * archive (its image's layers and its writable layer; not its volumes nor /proc).
 *
 * @throws {ExitCodeError} (125) when no container has that name.
 */
export async function exportContainer(
  root: string,
  reference: string,
  out: WritableStream<Uint8Array>,
): Promise<void> {
  const container = findContainer(root, reference);
  await withContainerRoot(container, { writable: false, layersOnly: true }, async (path) => {
    await packTree([{ path, name: "." }], out);
  });
}
