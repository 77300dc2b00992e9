/**
 * Writes directory trees as a tar stream, as `docker export`, `docker cp` and `docker save` write
 * them: directories, files, symlinks, hardlinks (by inode), devices and FIFOs, with their modes,
 * owners and mtimes. A layer directory's overlayfs whiteouts (0/0 character devices) become
 * `.wh.NAME` entries and its opaque directories a `.wh..wh..opq` entry, the image-spec's form.
 *
 * @module
 */

import { lgetxattr } from "../../sys/xattr.ts";
import {
  encodeTarHeader,
  TAR_END,
  type TarEntryType,
  type TarHeader,
  tarPadding,
} from "./tar_writer.ts";

/** One tree to write: the path on disk and its name in the archive. */
export interface PackSource {
  /** The file or directory on disk. */
  path: string;
  /** Its name in the archive (`.` for a tree's own root, whose entries are then unprefixed). */
  name: string;
}

/** Options of {@linkcode packTree}. */
export interface PackOptions {
  /** Read the trees as overlayfs layers: whiteouts and opaque directories in the image-spec form. */
  layer?: boolean;
}

const OPAQUE_XATTR = "trusted.overlay.opaque";

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

function entryType(info: Deno.FileInfo): TarEntryType {
  if (info.isDirectory) return "directory";
  if (info.isSymlink) return "symlink";
  if (info.isCharDevice) return "character-device";
  if (info.isBlockDevice) return "block-device";
  if (info.isFifo) return "fifo";
  return "file";
}

/**
 * Writes the trees `sources` to `out` as one tar archive (and closes `out`); sockets are skipped,
 * as tar skips them. Throws what reading a file throws.
 */
export async function packTree(
  sources: readonly PackSource[],
  out: WritableStream<Uint8Array>,
  options: PackOptions = {},
): Promise<void> {
  const writer = out.getWriter();
  const links = new Map<string, string>();
  const add = (header: TarHeader) => writer.write(encodeTarHeader(header));
  const addFile = async (header: TarHeader & { size: number }, path: string) => {
    await add(header);
    let written = 0;
    using file = await Deno.open(path);
    for await (const chunk of file.readable) {
      if (written + chunk.length > header.size) break;
      await writer.write(chunk);
      written += chunk.length;
    }
    if (written !== header.size) {
      throw new Error(`Cannot pack ${path}: its size changed while it was read`);
    }
    await writer.write(tarPadding(written));
  };
  const walk = async (path: string, name: string): Promise<void> => {
    const info = await Deno.lstat(path);
    const base = { mode: (info.mode ?? 0) & 0o7777, uid: info.uid ?? 0, gid: info.gid ?? 0 };
    const mtime = Math.floor((info.mtime?.getTime() ?? 0) / 1000);
    const header: TarHeader = { name, type: "file", ...base, mtime };
    const slash = name.lastIndexOf("/");
    if (options.layer && isWhiteout(info)) {
      await add({ ...header, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}` });
      return;
    }
    if (info.isSocket) return;
    const type = entryType(info);
    if (type === "file" && info.nlink !== null && info.nlink > 1) {
      const key = `${info.dev}:${info.ino}`;
      const first = links.get(key);
      if (first !== undefined) {
        await add({ ...header, type: "link", linkname: first });
        return;
      }
      links.set(key, name);
    }
    if (type === "file") return await addFile({ ...header, type, size: info.size }, path);
    if (type === "symlink") {
      return await add({ ...header, type, linkname: await Deno.readLink(path) });
    }
    if (type !== "directory") {
      const rdev = info.rdev ?? 0;
      return await add({
        ...header,
        type,
        devmajor: (rdev >> 8) & 0xfff,
        devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
      });
    }
    const prefix = name === "." ? "" : `${name}/`;
    if (name !== ".") await add({ ...header, name: `${name}/`, type });
    if (
      options.layer &&
      new TextDecoder().decode(lgetxattr(path, OPAQUE_XATTR) ?? new Uint8Array()) === "y"
    ) {
      await add({ ...header, name: `${prefix}.wh..wh..opq` });
    }
    const names = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    for (const child of names.sort()) await walk(`${path}/${child}`, `${prefix}${child}`);
  };
  try {
    for (const source of sources) await walk(source.path, source.name);
    await writer.write(TAR_END);
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    throw error;
  }
}
