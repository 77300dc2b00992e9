/**
 * Writes directory trees as a tar stream, as `docker export`, `docker cp` and `docker save` write
 * them: directories, files, symlinks, hardlinks (by inode), devices and FIFOs, with their modes,
 * owners and mtimes. A layer directory's overlayfs whiteouts (0/0 character devices) become
 * `.wh.NAME` entries and its opaque directories a `.wh..wh..opq` entry, the image-spec's form.
 *
 * @module
 */

import tar from "tar-stream";
import { lgetxattr } from "../../sys/xattr.ts";

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

/** A tar header as written: tar-stream fills in what is left out. */
type Header = Partial<tar.Header> & { name: string };

function isWhiteout(info: Deno.FileInfo): boolean {
  return info.isCharDevice === true && info.rdev === 0;
}

function entryType(info: Deno.FileInfo): tar.Header["type"] {
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
  const pack = tar.pack();
  const writer = out.getWriter();
  const pumped = (async () => {
    for await (const chunk of pack) await writer.write(chunk as Uint8Array);
  })();
  pumped.catch(() => {});
  const links = new Map<string, string>();
  const add = (header: Header, body?: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      pack.entry(header as tar.Header, body ?? "", (error) => error ? reject(error) : resolve());
    });
  const addFile = async (header: Header, path: string) => {
    const sink = pack.entry(header as tar.Header);
    const done = new Promise<void>((resolve, reject) => {
      sink.on("finish", resolve);
      sink.on("error", reject);
    });
    using file = await Deno.open(path);
    for await (const chunk of file.readable) {
      if (!sink.write(chunk)) {
        await new Promise<void>((resolve) => sink.once("drain", () => resolve()));
      }
    }
    sink.end(undefined);
    await done;
  };
  const walk = async (path: string, name: string): Promise<void> => {
    const info = await Deno.lstat(path);
    const base = { mode: (info.mode ?? 0) & 0o7777, uid: info.uid ?? 0, gid: info.gid ?? 0 };
    const header: Header = { name, ...base, mtime: info.mtime ?? new Date(0) };
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
    pack.finalize();
    await pumped;
    await writer.close();
  } catch (error) {
    pack.destroy();
    // A reader that went away (a closed pipe) is the cause; the pack's own complaint follows it.
    const cause = await pumped.then(() => error, (pumpError) => pumpError);
    await writer.abort(cause).catch(() => {});
    throw cause;
  }
}
