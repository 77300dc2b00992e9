/**
 * Copying an image's content into a new, empty volume, as Docker does the first time a volume is
 * mounted over a directory of the image: what the container would see at that path (the overlay
 * of the image's layers, whiteouts and opaque directories applied), with owners, modes, symlinks
 * and mtimes. Read straight from the layer directories, so nothing is mounted on the host.
 *
 * @module
 */

import { lchown, lutimes } from "../sys/fs.ts";
import { lgetxattr } from "../sys/xattr.ts";

/** Whether `info` is an overlayfs whiteout: a character device 0/0. */
function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

function isOpaque(path: string): boolean {
  return new TextDecoder().decode(lgetxattr(path, "trusted.overlay.opaque") ?? new Uint8Array()) ===
    "y";
}

function lstat(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The layer directories (topmost first) whose union is the directory at `path` in the overlay of
 * `lowerDirs`; empty when that path is no directory there.
 */
export function directoryLayers(lowerDirs: readonly string[], path: string): string[] {
  let dirs = [...lowerDirs];
  for (const component of path.split("/").filter((part) => part !== "")) {
    const next: string[] = [];
    for (const dir of dirs) {
      const child = `${dir}/${component}`;
      const info = lstat(child);
      if (info === undefined) continue;
      if (!info.isDirectory) break; // A whiteout or a file hides everything below.
      next.push(child);
      if (isOpaque(child)) break;
    }
    dirs = next;
  }
  return dirs;
}

/** The entries of the union of `dirs` (topmost first): each name's sources, topmost first. */
function mergedEntries(dirs: readonly string[]): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  const hidden = new Set<string>();
  for (const dir of dirs) {
    for (const { name } of Deno.readDirSync(dir)) {
      if (hidden.has(name)) continue;
      const path = `${dir}/${name}`;
      const info = Deno.lstatSync(path);
      const sources = entries.get(name) ?? [];
      if (!isWhiteout(info) && (info.isDirectory || sources.length === 0)) {
        entries.set(name, [...sources, path]);
      }
      if (!info.isDirectory || isOpaque(path)) hidden.add(name);
    }
  }
  return entries;
}

/** Gives `target` the owner, mode and times of `info`. */
function copyMetadata(target: string, info: Deno.FileInfo): void {
  lchown(target, info.uid ?? 0, info.gid ?? 0);
  if (!info.isSymlink) Deno.chmodSync(target, (info.mode ?? 0o755) & 0o7777);
  const seconds = (date: Date | null) => (date?.getTime() ?? Date.now()) / 1000;
  lutimes(target, seconds(info.atime), seconds(info.mtime));
}

/** Copies the union of `sources` (directories, topmost first) into the directory `target`. */
function copyDirectory(sources: readonly string[], target: string): void {
  for (const [name, paths] of mergedEntries(sources)) {
    const from = paths[0]!;
    const to = `${target}/${name}`;
    const info = Deno.lstatSync(from);
    if (info.isDirectory) {
      Deno.mkdirSync(to);
      copyDirectory(paths, to);
    } else if (info.isSymlink) Deno.symlinkSync(Deno.readLinkSync(from), to);
    else if (info.isFile) Deno.copyFileSync(from, to);
    else continue; // Devices, FIFOs and sockets are not copied.
    copyMetadata(to, info);
  }
}

/**
 * Copies what the image of `lowerDirs` (topmost first) holds at directory `path` into `target`
 * (an empty volume's `_data`), giving `target` the directory's owner and mode; nothing when the
 * image has no directory there.
 */
export function copyImageContent(lowerDirs: readonly string[], path: string, target: string): void {
  const layers = directoryLayers(lowerDirs, path);
  if (layers.length === 0) return;
  copyDirectory(layers, target);
  copyMetadata(target, Deno.lstatSync(layers[0]!));
}
