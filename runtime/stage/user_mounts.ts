/**
 * The user's mounts (`-v`, `--mount`, `--tmpfs`) and the per-container /etc files, carried out in
 * two steps around pivot_root: host sources are cloned into detached mount trees while the host
 * is still visible, then attached at their targets inside the container's root.
 *
 * @module
 */

import type { ContainerMount } from "../spec/container_spec.ts";
import { parentOf } from "./rootfs.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/** A mount ready to attach: a detached tree for binds, the mount itself for tmpfs. */
export type PreparedMount =
  | { type: "bind"; tree: number; target: string; directory: boolean }
  | { type: "tmpfs"; target: string; flags: number; data: string };

/** Clones every bind source into a detached tree (read-only ones made so, recursively). */
export function prepareMounts(
  mounts: readonly ContainerMount[],
  sys: Sys = realSys,
): PreparedMount[] {
  return mounts.map((entry) => {
    if (entry.type === "tmpfs") return entry;
    const directory = sys.stat(entry.source).isDirectory;
    const tree = sys.openTreeClone(entry.source, true);
    if (entry.readonly) sys.makeTreeReadonly(tree);
    return { type: "bind", tree, target: entry.target, directory };
  });
}

/** Creates `path` (a directory, or an empty file and its parents) unless something is there. */
export function ensureMountTarget(path: string, directory: boolean, sys: Sys = realSys): void {
  if (sys.statIfPresent(path) !== undefined) return; // A dangling symlink is created below.
  if (directory) {
    sys.mkdir(path);
    return;
  }
  sys.mkdir(parentOf(path));
  sys.writeFile(path, "");
}

/** Attaches prepared mounts at their targets, in order, inside the current root. */
export function attachMounts(prepared: readonly PreparedMount[], sys: Sys = realSys): void {
  for (const entry of prepared) {
    if (entry.type === "tmpfs") {
      ensureMountTarget(entry.target, true, sys);
      sys.mount("tmpfs", entry.target, "tmpfs", entry.flags, entry.data);
      continue;
    }
    ensureMountTarget(entry.target, entry.directory, sys);
    sys.moveMount(entry.tree, entry.target);
    sys.close(entry.tree);
  }
}
