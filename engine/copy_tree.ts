/**
 * Copies a file or directory tree from one place to another as `docker cp` does: modes, mtimes
 * and symlinks kept, files owned by the copier (root), an existing file or symlink at a
 * destination replaced rather than followed, so a copy into a container never writes through a
 * symlink it planted.
 *
 * @module
 */

/** Removes what is at `path` unless it is a directory and `keepDirectory`; true when a dir stays. */
function clearPlace(path: string, keepDirectory: boolean): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return false;
  }
  if (info.isDirectory && keepDirectory) return true;
  Deno.removeSync(path, { recursive: true });
  return false;
}

/** Copies `source` (a file, symlink, directory tree) to `dest`, merging into a directory there. */
export async function copyTree(source: string, dest: string): Promise<void> {
  const info = await Deno.lstat(source);
  const mode = (info.mode ?? 0o644) & 0o7777;
  if (info.isSymlink) {
    clearPlace(dest, false);
    await Deno.symlink(await Deno.readLink(source), dest);
    return;
  }
  if (info.isDirectory) {
    if (!clearPlace(dest, true)) await Deno.mkdir(dest);
    for await (const entry of Deno.readDir(source)) {
      await copyTree(`${source}/${entry.name}`, `${dest}/${entry.name}`);
    }
    await Deno.chmod(dest, mode);
  } else if (info.isFile) {
    clearPlace(dest, false);
    await Deno.copyFile(source, dest);
    await Deno.chmod(dest, mode);
  } else {
    return; // Devices, FIFOs and sockets are not copied.
  }
  if (info.mtime !== null) await Deno.utime(dest, info.atime ?? info.mtime, info.mtime);
}
