/**
 * A container's root file system as the host sees it, for `cp` and `export`: a running
 * container's through `/proc/<pid>/root`, a stopped one's through an overlay of its layers and
 * writable layer mounted for the call and unmounted after it. Paths inside it are resolved as the
 * container would, symlinks included, without ever leaving it.
 *
 * @module
 */

import type { StoredContainer } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { MNT_DETACH, mount, MountFlag, umount2 } from "../sys/mount.ts";

/** How {@linkcode withContainerRoot} reaches the root. */
export interface RootAccess {
  /** Mount a stopped container's root writable (its writable layer takes the changes). */
  writable: boolean;
  /** Use the layers even when the container runs (`export`: no volumes, no /proc). */
  layersOnly?: boolean;
}

/**
 * Runs `body` with the host path of `container`'s root file system; a stopped container's is
 * mounted for the call and unmounted after it, however `body` ends.
 */
export async function withContainerRoot<T>(
  container: StoredContainer,
  access: RootAccess,
  body: (root: string) => Promise<T>,
): Promise<T> {
  const { state, record, dir } = container;
  if (!access.layersOnly && state.status === "running" && state.pid !== undefined) {
    return await body(`/proc/${state.pid}/root`);
  }
  const lowers = record.config.lowerDirs.length > 0 ? record.config.lowerDirs : [dir.emptyDir];
  const data = access.writable
    ? `lowerdir=${lowers.join(":")},upperdir=${dir.upperDir},workdir=${dir.workDir}`
    : `lowerdir=${[dir.upperDir, ...lowers].join(":")}`;
  const target = await Deno.makeTempDir({ prefix: "mydocker-root-" });
  try {
    mount("overlay", target, "overlay", access.writable ? 0 : MountFlag.RDONLY, data);
  } catch (error) {
    await Deno.remove(target);
    throw new ExitCodeError(
      `Cannot mount the root of container ${record.name}: ${(error as Error).message}`,
    );
  }
  try {
    return await body(target);
  } finally {
    umount2(target, MNT_DETACH);
    await Deno.remove(target);
  }
}

/** The most symlinks one resolution follows, as Linux's limit. */
const MAX_SYMLINKS = 40;

/**
 * Resolves `path` (absolute, inside the container) to a host path under `root` the way the
 * container would, following symlinks (the last component's too when `followLast`) but never
 * above `root`: `..` and absolute link targets stop at it. Missing components are kept as given.
 */
export function resolveInRoot(root: string, path: string, followLast: boolean): string {
  const pending = path.split("/").filter((part) => part !== "" && part !== ".");
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const candidate = [root, ...resolved, part].join("/");
    let isLink = false;
    try {
      isLink = Deno.lstatSync(candidate).isSymlink;
    } catch {
      // Missing: kept as given.
    }
    if (!isLink || (pending.length === 0 && !followLast)) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new ExitCodeError(`Cannot resolve "${path}": too many levels of symbolic links`);
    }
    const target = Deno.readLinkSync(candidate);
    if (target.startsWith("/")) resolved.length = 0;
    pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  return [root, ...resolved].join("/");
}
