/**
 * Unpacks one image layer (an uncompressed tar stream) into an empty directory, the way overlayfs
 * expects to find it: whiteouts become 0/0 character devices, opaque markers become the
 * `trusted.overlay.opaque` xattr, and ownership, modes, mtimes, devices, FIFOs, symlinks, hardlinks
 * and the xattrs in {@linkcode KEPT_XATTRS} are kept. No entry may write outside the directory, and
 * none may set overlayfs's own xattrs: only the whiteout conversion here does.
 *
 * Files are written with synchronous calls: per-file async overhead dominates small-file layers.
 *
 * @module
 */

import { concatBytes } from "../../sys/bytes.ts";
import tar from "tar-stream";
import { errnoDescriptionOf } from "../../sys/errno.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { lchown, lutimes, mknod } from "../../sys/fs.ts";
import { lsetxattr } from "../../sys/xattr.ts";

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

type Header = tar.Header;
type Kind = "dir" | "symlink" | "other";

const WHITEOUT_PREFIX = ".wh.";
const OPAQUE_MARKER = ".wh..wh..opq";
const XATTR_PAX_PREFIX = "SCHILY.xattr.";
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
  const writer = new LayerWriter(dest, options.layer);
  const extract = tar.extract();
  keepBinaryXattrs(extract);
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  extract.on("entry", (header, stream, next) => {
    // The parser destroys this stream with the error that stopped it; `failure` already has it.
    stream.on("error", () => {});
    try {
      writer.begin(header);
    } catch (error) {
      fail(writer.explain(error));
      return;
    }
    stream.on("data", (chunk) => {
      try {
        writer.write(chunk as Uint8Array);
      } catch (error) {
        fail(writer.explain(error));
      }
    });
    stream.on("end", () => {
      try {
        writer.end();
        next();
      } catch (error) {
        fail(writer.explain(error));
      }
    });
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
    extract.on("close", () => {
      if (failure !== undefined) reject(failure);
    });
  });
  finished.catch(() => {}); // observed below, after the input is read
  const reader = archive.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (failure !== undefined) continue; // keep reading to the end: upstream checks still run
      if (!extract.write(value)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            extract.off("drain", done);
            extract.off("close", done);
            resolve();
          };
          extract.on("drain", done);
          extract.on("close", done);
        });
      }
    }
  } catch (error) {
    extract.destroy();
    writer.abandon();
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (failure === undefined) extract.end(null);
  try {
    await finished;
  } catch (error) {
    writer.abandon();
    // The writer's failures are LayerUnpackErrors already; anything else is the parser's.
    throw error instanceof LayerUnpackError
      ? error
      : new LayerUnpackError(options.layer, `malformed tar: ${messageOf(error)}`, { cause: error });
  }
  try {
    writer.finish();
  } catch (error) {
    throw new LayerUnpackError(
      options.layer,
      `cannot set directory times: ${describeFailure(error)}`,
      { cause: error },
    );
  }
  return { entries: writer.entries, bytes: writer.bytes };
}

/**
 * tar-stream decodes PAX values as UTF-8, which mangles binary xattr values such as
 * `security.capability`. This re-reads each PAX header's `SCHILY.xattr.*` records from the raw
 * bytes and stores their values as byte strings (one char per byte).
 */
function keepBinaryXattrs(extract: tar.Extract): void {
  const parser = extract as unknown as {
    _decodeLongHeader(buf: Uint8Array): void;
    _header: { type: string };
    _pax: Record<string, string> | null;
  };
  const decode = parser._decodeLongHeader.bind(parser);
  parser._decodeLongHeader = (buf: Uint8Array) => {
    decode(buf);
    if (parser._header.type !== "pax-header" || parser._pax === null) return;
    for (const [key, value] of rawPaxRecords(buf)) {
      if (key.startsWith(XATTR_PAX_PREFIX)) parser._pax[key] = byteString(value);
    }
  };
}

const utf8 = new TextDecoder();

/** Maps each byte to the char with that code (TextDecoder's "latin1" is windows-1252). */
function byteString(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** Splits PAX extended header data (`LEN KEY=VALUE\n` records) keeping values as bytes. */
function* rawPaxRecords(buf: Uint8Array): Generator<[string, Uint8Array]> {
  let offset = 0;
  while (offset < buf.length) {
    const space = buf.indexOf(0x20, offset);
    if (space < 0) return;
    const length = Number.parseInt(utf8.decode(buf.subarray(offset, space)), 10);
    if (!(length > 0)) return;
    const record = buf.subarray(space + 1, offset + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals < 0) return;
    yield [utf8.decode(record.subarray(0, equals)), record.subarray(equals + 1)];
    offset += length;
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

/** A regular file being written: its chunks so far, or the open file once it is large. */
interface OpenFile {
  path: string;
  header: Header;
  mode: number;
  chunks: Uint8Array[];
  size: number;
  fd?: Deno.FsFile;
}

/** Applies tar entries one by one; tracks what it created so safety checks need no syscalls. */
class LayerWriter {
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
  #entryName = "";

  constructor(dest: string, layer: string) {
    this.#dest = dest;
    this.#layer = layer;
  }

  begin(header: Header): void {
    this.entries++;
    this.#entryName = header.name;
    const rel = relativePath(header.name, (reason) => this.#error(reason));
    const base = rel.slice(rel.lastIndexOf("/") + 1);
    if (base.startsWith(WHITEOUT_PREFIX)) return this.#whiteout(rel, base);
    switch (header.type) {
      case "directory":
        return this.#directory(rel, header);
      case "file":
      case "contiguous-file":
        this.#prepare(rel, "other");
        this.#file = {
          path: this.#abs(rel),
          header,
          mode: header.mode & 0o777,
          chunks: [],
          size: 0,
        };
        return;
      case "symlink":
        this.#prepare(rel, "symlink");
        Deno.symlinkSync(header.linkname, this.#abs(rel));
        return this.#metadata(this.#abs(rel), header, "symlink");
      case "link":
        return this.#hardlink(rel, header);
      case "character-device":
      case "block-device":
      case "fifo": {
        this.#prepare(rel, "other");
        const type = header.type === "fifo" ? "p" : header.type === "block-device" ? "b" : "c";
        mknod(this.#abs(rel), type, header.mode & 0o7777, header.devmajor, header.devminor);
        return this.#metadata(this.#abs(rel), header, "other");
      }
      default:
        throw this.#error(`has unsupported type "${header.type}"`);
    }
  }

  write(chunk: Uint8Array): void {
    const file = this.#file;
    if (file === undefined) return;
    file.size += chunk.length;
    this.bytes += chunk.length;
    if (file.fd === undefined && file.size <= SMALL_FILE_BYTES) {
      file.chunks.push(chunk);
      return;
    }
    if (file.fd === undefined) {
      file.fd = Deno.openSync(file.path, { write: true, createNew: true, mode: file.mode });
      for (const buffered of file.chunks) writeAll(file.fd, buffered);
      file.chunks = [];
    }
    writeAll(file.fd, chunk);
  }

  end(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    if (file.fd === undefined) {
      const data = file.chunks.length === 1 ? file.chunks[0]! : concatBytes(file.chunks);
      Deno.writeFileSync(file.path, data, { createNew: true, mode: file.mode });
    } else {
      file.fd.close();
    }
    this.#metadata(file.path, file.header, "other");
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

  #directory(rel: string, header: Header): void {
    if (rel !== "") {
      const existed = this.#kinds.get(rel) === "dir";
      this.#prepare(rel, "dir");
      if (!existed) Deno.mkdirSync(this.#abs(rel), { mode: 0o700 });
    }
    const path = this.#abs(rel);
    this.#metadata(path, header, "dir");
  }

  #hardlink(rel: string, header: Header): void {
    let target: string;
    try {
      target = relativePath(header.linkname, (reason) => new Error(reason));
    } catch {
      throw this.#error(`links to ${quote(header.linkname)}, which escapes the layer`);
    }
    const kind = this.#kinds.get(target);
    if (kind === undefined || kind === "dir") {
      for (let dir = parentOf(target); dir !== ""; dir = parentOf(dir)) {
        if (this.#kinds.get(dir) === "symlink") {
          throw this.#error(
            `links to ${quote(header.linkname)}, which passes through the symlink ${quote(dir)}`,
          );
        }
      }
      const what = kind === "dir" ? "a directory" : "not an earlier entry of the layer";
      throw this.#error(`links to ${quote(header.linkname)}, which is ${what}`);
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
  #metadata(path: string, header: Header, kind: Kind): void {
    const pax = header.pax as Record<string, string> | null | undefined;
    const uid = pax?.uid === undefined ? header.uid : Number(pax.uid);
    const gid = pax?.gid === undefined ? header.gid : Number(pax.gid);
    const chowned = uid !== this.#uid || gid !== this.#gid || kind === "dir";
    if (chowned) lchown(path, uid, gid);
    const mode = header.mode & 0o7777;
    // A new file already has its mode unless chown cleared it or the umask or creation dropped bits.
    if (kind !== "symlink" && (chowned || (mode & ~0o777) !== 0 || (mode & this.#umask) !== 0)) {
      Deno.chmodSync(path, mode);
    }
    if (pax) {
      for (const key in pax) {
        if (!key.startsWith(XATTR_PAX_PREFIX)) continue;
        const name = key.slice(XATTR_PAX_PREFIX.length);
        if (!keepsXattr(name)) continue;
        this.#setXattr(path, name, Uint8Array.from(pax[key]!, (char) => char.charCodeAt(0)));
      }
    }
    const mtime = pax?.mtime === undefined ? header.mtime.getTime() / 1000 : Number(pax.mtime);
    if (kind === "dir") this.#dirTimes.push({ path, mtime });
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

function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += file.writeSync(data.subarray(offset));
}
