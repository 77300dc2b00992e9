/**
 * The user's mounts (`-v`, `--mount`, `--tmpfs`) and the per-container /etc files, carried out in
 * two steps around pivot_root: host sources are cloned into detached mount trees while the host
 * is still visible, then attached at their targets inside the container's root.
 *
 * @module
 */

import type { ContainerMount } from "../spec/container_spec.ts";
import { close } from "../../sys/fs.ts";
import { makeTreeReadonly, mount, moveMount, openTreeClone } from "../../sys/mount.ts";

/** A mount ready to attach: a detached tree for binds, the mount itself for tmpfs. */
export type PreparedMount =
  | { type: "bind"; tree: number; target: string; directory: boolean }
  | { type: "tmpfs"; target: string; flags: number; data: string };

/** Clones every bind source into a detached tree (read-only ones made so, recursively). */
export function prepareMounts(mounts: readonly ContainerMount[]): PreparedMount[] {
  return mounts.map((entry) => {
    if (entry.type === "tmpfs") return entry;
    const directory = Deno.statSync(entry.source).isDirectory;
    const tree = openTreeClone(entry.source, true);
    if (entry.readonly) makeTreeReadonly(tree);
    return { type: "bind", tree, target: entry.target, directory };
  });
}

/** Creates `path` (a directory, or an empty file and its parents) unless something is there. */
export function ensureMountTarget(path: string, directory: boolean): void {
  try {
    Deno.statSync(path);
    return;
  } catch {
    // Create it below.
  }
  if (directory) {
    Deno.mkdirSync(path, { recursive: true });
    return;
  }
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")) || "/", { recursive: true });
  Deno.writeFileSync(path, new Uint8Array());
}

/** Attaches prepared mounts at their targets, in order, inside the current root. */
export function attachMounts(prepared: readonly PreparedMount[]): void {
  for (const entry of prepared) {
    if (entry.type === "tmpfs") {
      ensureMountTarget(entry.target, true);
      mount("tmpfs", entry.target, "tmpfs", entry.flags, entry.data);
      continue;
    }
    ensureMountTarget(entry.target, entry.directory);
    moveMount(entry.tree, entry.target);
    close(entry.tree);
  }
}
