/**
 * Device nodes read from the host: the one a `--device` names, and every one under `/dev` for a
 * `--privileged` container (as Docker and podman expose them). Runs on the host side.
 *
 * @module
 */

import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, type DeviceNode } from "../spec/devices.ts";

/** A path that exists but is not a character or block device. */
export class NotADeviceError extends Error {
  /** Builds the error for `path`. */
  constructor(path: string) {
    super(`"${path}" is not a device node`);
    this.name = "NotADeviceError";
  }
}

/** What a privileged container does not get from the host's /dev: mounted over or its own. */
const NOT_FROM_HOST = new Set([
  "/dev/pts",
  "/dev/shm",
  "/dev/mqueue",
  "/dev/console",
  ...DEFAULT_DEVICES.map((device) => device.path),
  ...DEFAULT_DEV_SYMLINKS.map(([path]) => path),
]);

/** The device node `info` describes, at `path`, or undefined when it is no device. */
function nodeOf(path: string, info: Deno.FileInfo): DeviceNode | undefined {
  if (!info.isCharDevice && !info.isBlockDevice) return undefined;
  const rdev = BigInt(info.rdev ?? 0); // glibc's major() and minor() of a dev_t
  return {
    path,
    type: info.isBlockDevice ? "b" : "c",
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
    mode: (info.mode ?? 0) & 0o7777,
    uid: info.uid ?? 0,
    gid: info.gid ?? 0,
  };
}

/**
 * The device node at host path `hostPath` (symlinks followed), to be created at `path` in the
 * container, with the host node's type, numbers, mode and owner.
 *
 * @throws {Deno.errors.NotFound} when nothing is there, {@linkcode NotADeviceError} when it is
 * not a character or block device.
 */
export function hostDeviceNode(hostPath: string, path: string): DeviceNode {
  const node = nodeOf(path, Deno.statSync(hostPath));
  if (node === undefined) throw new NotADeviceError(hostPath);
  return node;
}

/**
 * Every character and block device under the host's `/dev` (symlinks not followed), at the same
 * paths, except `/dev/pts`, `/dev/shm`, `/dev/mqueue`, `/dev/console` and the nodes and links
 * every container gets anyway.
 */
export function hostDeviceNodes(dir = "/dev"): DeviceNode[] {
  const nodes: DeviceNode[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (NOT_FROM_HOST.has(path) || entry.isSymlink || entry.isFile) continue;
    if (entry.isDirectory) {
      nodes.push(...hostDeviceNodes(path));
      continue;
    }
    try {
      const node = nodeOf(path, Deno.lstatSync(path));
      if (node !== undefined) nodes.push(node);
    } catch {
      // Gone while we looked.
    }
  }
  return nodes;
}
