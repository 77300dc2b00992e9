/**
 * Unpacks one image layer (an uncompressed tar stream) into an empty directory, the way overlayfs
 * expects to find it: whiteouts become 0/0 character devices, opaque markers become the
 * `trusted.overlay.opaque` xattr, and ownership, modes, mtimes, devices, FIFOs, symlinks, hardlinks
 * and the xattrs in {@linkcode KEPT_XATTRS} are kept. No entry may write outside the directory, and
 * none may set overlayfs's own xattrs: only the whiteout conversion here does.
 *
 * Files are written with synchronous calls: per-file async overhead dominates small-file layers.
 * The tar parsing is {@linkcode TarReader}'s, also synchronous, on the chunks as they come.
 *
 * @module
 */

import { errnoDescriptionOf } from "../../sys/errno.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { lchown, lutimes, mknod } from "../../sys/fs.ts";
import { lsetxattr } from "../../sys/xattr.ts";
import { type TarEntry, TarFormatError, TarReader, type TarSink } from "./tar_reader.ts";

/** A layer that cannot be unpacked: a malformed or unsafe entry, or a failed write. */
export class LayerUnpackError extends Error {
  /** Builds the error for `layer` (usually its digest) with the reason `reason`. */
  constructor(layer: string, reason: string, options?: ErrorOptions) {
    super(`Cannot unpack layer ${layer}: ${reason}`, options);
    this.name = "LayerUnpackError";
  }
}

/** Options of {@linkcode unpackLayer}. */
export interface UnpackOptions {
  /** Names the layer in error messages, usually its digest. */
  layer: string;
}

/** What {@linkcode unpackLayer} wrote. */
export interface UnpackResult {
  /** Number of tar entries applied. */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
}

type Kind = "dir" | "symlink" | "other";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";
/** Files up to this size are buffered and written with one call. */
const SMALL_FILE_BYTES = 1 << 20;
/** Paths and names quoted in messages are cut to this many characters. */
const MAX_QUOTED = 200;

/**
 * The xattrs applied from a layer's entries: `user.*`, file capabilities and POSIX ACLs (prefixes
 * end with a dot). Every other one is dropped, as it would steer the kernel rather than describe a
 * file: `trusted.overlay.*` (opaque, redirect, metacopy, whiteout) would change what overlayfs
 * shows, and the rest of `trusted.*` and `security.*` belong to the host's LSMs and tools.
 */
const KEPT_XATTRS: readonly string[] = [
  "user.",
  "security.capability",
  "system.posix_acl_access",
  "system.posix_acl_default",
];

/** Tells whether the xattr `name` from a layer entry is applied (see {@linkcode KEPT_XATTRS}). */
function keepsXattr(name: string): boolean {
  return KEPT_XATTRS.some((kept) => kept.endsWith(".") ? name.startsWith(kept) : name === kept);
}

/**
 * Unpacks the tar stream `archive` into `dest`, which must be an empty directory that only this
 * call writes to. Reads `archive` to its end, so a digest check further up the stream still runs.
 * Throws {@linkcode LayerUnpackError} naming the offending entry when an entry is unsafe (escapes
 * the layer, passes through a symlink, links outside it) or cannot be written.
 */
export async function unpackLayer(
  archive: ReadableStream<Uint8Array>,
  dest: string,
  options: UnpackOptions,
): Promise<UnpackResult> {
  const unpacker = new LayerUnpacker(dest, options);
  const reader = archive.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      unpacker.push(value);
    }
  } catch (error) {
    unpacker.abandon();
    throw error;
  } finally {
    reader.releaseLock();
  }
  return unpacker.finish();
}

/**
 * Unpacks a layer's tar bytes pushed in chunks, synchronously (for a worker that owns its
 * thread: no promise per chunk or entry). After the first failure it ignores the rest of the
 * input, which the caller still reads to its end for its digest checks; {@linkcode finish}
 * throws that failure.
 */
export class LayerUnpacker {
  readonly #layer: string;
  readonly #writer: LayerWriter;
  readonly #reader: TarReader;
  #failure: LayerUnpackError | undefined;

  /** Builds an unpacker into `dest`, an empty directory that only it writes to. */
  constructor(dest: string, options: UnpackOptions) {
    this.#layer = options.layer;
    this.#writer = new LayerWriter(dest, options.layer);
    this.#reader = new TarReader(this.#writer);
  }

  /** Applies the entries `chunk` completes (the chunk is not kept). */
  push(chunk: Uint8Array): void {
    if (this.#failure !== undefined) return;
    try {
      this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Ends the input: throws {@linkcode LayerUnpackError} for the first failure, or a truncated
   * archive; else sets the directories' times and tells what was written.
   */
  finish(): UnpackResult {
    if (this.#failure === undefined) {
      try {
        this.#reader.end();
      } catch (error) {
        this.#fail(error);
      }
    }
    if (this.#failure !== undefined) throw this.#failure;
    try {
      this.#writer.finish();
    } catch (error) {
      throw new LayerUnpackError(
        this.#layer,
        `cannot set directory times: ${describeFailure(error)}`,
        { cause: error },
      );
    }
    return { entries: this.#writer.entries, bytes: this.#writer.bytes };
  }

  /** Closes the file being written, if any, once the input has failed. */
  abandon(): void {
    this.#writer.abandon();
  }

  #fail(error: unknown): void {
    this.#writer.abandon();
    this.#failure = error instanceof TarFormatError
      ? new LayerUnpackError(this.#layer, `malformed tar: ${error.message}`, { cause: error })
      : this.#writer.explain(error);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Says why a write failed: the errno's description (`no space left on device`), else the message. */
function describeFailure(error: unknown): string {
  return errnoDescriptionOf(error) ?? messageOf(error);
}

/** Quotes `text`, cut to {@linkcode MAX_QUOTED} characters plus its full length when longer. */
function quote(text: string): string {
  if (text.length <= MAX_QUOTED) return JSON.stringify(text);
  return `${JSON.stringify(`${text.slice(0, MAX_QUOTED)}…`)} (${text.length} characters)`;
}

/** Normalises a tar entry name to a layer-relative path ("" is the layer root). */
function relativePath(name: string, fail: (reason: string) => Error): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.pop() === undefined) throw fail("escapes the layer");
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf("/");
  return slash < 0 ? "" : rel.slice(0, slash);
}

/**
 * A regular file being written: a small one is gathered in `buffer` (when its content comes in
 * pieces) and written with one call; a large one is open as `fd` from its first piece.
 */
interface OpenFile {
  path: string;
  entry: TarEntry;
  /** Permission bits to create it with, or undefined for the default (0o666 less the umask). */
  mode: number | undefined;
  /** Bytes received so far. */
  received: number;
  buffer?: Uint8Array<ArrayBuffer>;
  fd?: Deno.FsFile;
}

/** Applies tar entries one by one; tracks what it created so safety checks need no syscalls. */
class LayerWriter implements TarSink {
  entries = 0;
  bytes = 0;
  /** What each path created so far is. Invariant: every ancestor of a listed path is a "dir". */
  readonly #kinds = new Map<string, Kind>([["", "dir"]]);
  readonly #dirTimes: { path: string; mtime: number }[] = [];
  readonly #dest: string;
  readonly #layer: string;
  readonly #uid = Deno.uid() ?? 0;
  readonly #gid = Deno.gid() ?? 0;
  readonly #umask = Deno.umask();
  #file: OpenFile | undefined;
  /** Where a small file that comes in pieces is gathered (one file at a time). */
  readonly #spill = new Uint8Array(SMALL_FILE_BYTES);
  #entryName = "";

  constructor(dest: string, layer: string) {
    this.#dest = dest;
    this.#layer = layer;
  }

  begin(entry: TarEntry): void {
    this.entries++;
    this.#entryName = entry.name;
    const rel = relativePath(entry.name, (reason) => this.#error(reason));
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) return this.#whiteout(rel, base);
    switch (entry.type) {
      case "directory":
        return this.#directory(rel, entry);
      case "file": {
        this.#prepare(rel, "other");
        const mode = entry.mode & 0o777;
        this.#file = {
          path: this.#abs(rel),
          entry,
          mode: mode === (0o666 & ~this.#umask) ? undefined : mode,
          received: 0,
        };
        return;
      }
      case "symlink":
        this.#prepare(rel, "symlink");
        Deno.symlinkSync(entry.linkname, this.#abs(rel));
        return this.#metadata(this.#abs(rel), entry, "symlink");
      case "link":
        return this.#hardlink(rel, entry);
      case "character-device":
      case "block-device":
      case "fifo": {
        this.#prepare(rel, "other");
        const type = entry.type === "fifo" ? "p" : entry.type === "block-device" ? "b" : "c";
        mknod(this.#abs(rel), type, entry.mode & 0o7777, entry.devmajor, entry.devminor);
        return this.#metadata(this.#abs(rel), entry, "other");
      }
      case "unsupported":
        throw this.#error(
          entry.sparse
            ? "is a sparse file, which mydocker does not unpack"
            : `has an unsupported type (tar typeflag ${JSON.stringify(entry.typeflag)})`,
        );
    }
  }

  write(data: Uint8Array): void {
    const file = this.#file;
    if (file === undefined) return;
    const size = file.entry.size;
    const offset = file.received;
    file.received += data.length;
    this.bytes += data.length;
    if (size > SMALL_FILE_BYTES) {
      file.fd ??= Deno.openSync(file.path, createOptions(file.mode));
      writeAll(file.fd, data);
    } else if (data.length === size) {
      this.#create(file, data); // the whole content in one piece: no copy
    } else {
      file.buffer ??= this.#spill.subarray(0, size);
      file.buffer.set(data, offset);
      if (file.received === size) this.#create(file, file.buffer);
    }
  }

  end(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    if (file.fd !== undefined) file.fd.close();
    else if (file.entry.size === 0) this.#create(file, new Uint8Array());
    this.#metadata(file.path, file.entry, "other");
  }

  /** Writes a small file whole, with one call. */
  #create(file: OpenFile, data: Uint8Array): void {
    Deno.writeFileSync(file.path, data, createOptions(file.mode));
  }

  /** Applies directory mtimes, last, since creating entries inside a directory changes them. */
  finish(): void {
    for (let index = this.#dirTimes.length - 1; index >= 0; index--) {
      const { path, mtime } = this.#dirTimes[index]!;
      lutimes(path, mtime, mtime);
    }
  }

  /** Closes the file being written, if any, once unpacking has failed. */
  abandon(): void {
    this.#file?.fd?.close();
    this.#file = undefined;
  }

  /** Turns what applying the current entry threw into an error naming the entry and the cause. */
  explain(error: unknown): LayerUnpackError {
    if (error instanceof LayerUnpackError) return error;
    return this.#error(`cannot be written: ${describeFailure(error)}`, { cause: error });
  }

  #error(reason: string, options?: ErrorOptions): LayerUnpackError {
    return new LayerUnpackError(this.#layer, `entry ${quote(this.#entryName)} ${reason}`, options);
  }

  #abs(rel: string): string {
    return rel === "" ? this.#dest : `${this.#dest}/${rel}`;
  }

  /** Makes sure `rel` is a real directory (not through a symlink), creating it if missing. */
  #ensureDir(rel: string): void {
    const kind = this.#kinds.get(rel);
    if (kind === "dir") return;
    if (kind === "symlink") throw this.#error(`passes through the symlink ${quote(rel)}`);
    if (kind === "other") throw this.#error(`needs ${quote(rel)} to be a directory, but it is not`);
    this.#ensureDir(parentOf(rel));
    Deno.mkdirSync(this.#abs(rel), { mode: 0o755 });
    this.#kinds.set(rel, "dir");
  }

  /** Readies `rel` for a new entry of `kind`: parents exist, an old entry there is gone. */
  #prepare(rel: string, kind: Kind): void {
    if (rel === "") throw this.#error("replaces the layer root");
    this.#ensureDir(parentOf(rel));
    const old = this.#kinds.get(rel);
    if (old === "dir" && kind !== "dir") {
      Deno.removeSync(this.#abs(rel), { recursive: true });
      const prefix = `${rel}/`;
      for (const path of this.#kinds.keys()) {
        if (path.startsWith(prefix)) this.#kinds.delete(path);
      }
    } else if (old !== undefined && old !== "dir") {
      Deno.removeSync(this.#abs(rel));
    }
    this.#kinds.set(rel, kind);
  }

  #directory(rel: string, entry: TarEntry): void {
    if (rel !== "") {
      const existed = this.#kinds.get(rel) === "dir";
      this.#prepare(rel, "dir");
      if (!existed) Deno.mkdirSync(this.#abs(rel), { mode: 0o700 });
    }
    const path = this.#abs(rel);
    this.#metadata(path, entry, "dir");
  }

  #hardlink(rel: string, entry: TarEntry): void {
    let target: string;
    try {
      target = relativePath(entry.linkname, (reason) => new Error(reason));
    } catch {
      throw this.#error(`links to ${quote(entry.linkname)}, which escapes the layer`);
    }
    const kind = this.#kinds.get(target);
    if (kind === undefined || kind === "dir") {
      for (let dir = parentOf(target); dir !== ""; dir = parentOf(dir)) {
        if (this.#kinds.get(dir) === "symlink") {
          throw this.#error(
            `links to ${quote(entry.linkname)}, which passes through the symlink ${quote(dir)}`,
          );
        }
      }
      const what = kind === "dir" ? "a directory" : "not an earlier entry of the layer";
      throw this.#error(`links to ${quote(entry.linkname)}, which is ${what}`);
    }
    if (target === rel) return;
    this.#prepare(rel, kind);
    Deno.linkSync(this.#abs(target), this.#abs(rel));
  }

  #whiteout(rel: string, base: string): void {
    const parent = parentOf(rel);
    if (base === OPAQUE_MARKER) {
      this.#ensureDir(parent);
      lsetxattr(this.#abs(parent), "trusted.overlay.opaque", new TextEncoder().encode("y"));
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // aufs metadata
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === "" || name === "." || name === "..") throw this.#error("is a malformed whiteout");
    const target = parent === "" ? name : `${parent}/${name}`;
    this.#prepare(target, "other");
    mknod(this.#abs(target), "c", 0, 0, 0);
  }

  /** Sets ownership, then mode (chown clears setuid), xattrs and mtime (later, for dirs). */
  #metadata(path: string, entry: TarEntry, kind: Kind): void {
    const { uid, gid, mtime } = entry;
    const chowned = uid !== this.#uid || gid !== this.#gid || kind === "dir";
    if (chowned) lchown(path, uid, gid);
    const mode = entry.mode & 0o7777;
    // A new file already has its mode unless chown cleared it or the umask or creation dropped bits.
    if (kind !== "symlink" && (chowned || (mode & ~0o777) !== 0 || (mode & this.#umask) !== 0)) {
      Deno.chmodSync(path, mode);
    }
    for (const [name, value] of entry.xattrs) {
      if (keepsXattr(name)) this.#setXattr(path, name, value as Uint8Array<ArrayBuffer>);
    }
    if (kind === "dir") this.#dirTimes.push({ path, mtime });
    // Deno's utime (it follows a final symlink, and keeps only milliseconds) is the cheaper call.
    else if (kind === "other" && Number.isInteger(mtime)) Deno.utimeSync(path, mtime, mtime);
    else lutimes(path, mtime, mtime);
  }

  /** Sets a kept xattr, naming it when the file system lacks it or the kernel rejects it. */
  #setXattr(path: string, name: string, value: Uint8Array<ArrayBuffer>): void {
    try {
      lsetxattr(path, name, value);
    } catch (error) {
      if (!(error instanceof SyscallError)) throw error;
      if (error.code === "EOPNOTSUPP") {
        throw this.#error(
          `has the xattr ${quote(name)}, which the store's file system does not support`,
        );
      }
      if (error.code === "EINVAL") {
        throw this.#error(`has the xattr ${quote(name)}, which the kernel rejects as invalid`);
      }
      throw error;
    }
  }
}

/** Options creating a new file, with `mode` or else the default permissions. */
function createOptions(mode: number | undefined): Deno.WriteFileOptions & Deno.OpenOptions {
  return mode === undefined
    ? { write: true, createNew: true }
    : { write: true, createNew: true, mode };
}

function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += file.writeSync(data.subarray(offset));
}
