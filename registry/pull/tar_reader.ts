/**
 * A tar reader fed with chunks of any size, synchronously: each entry's header, then its content
 * as subarrays of the chunks given (no copy), go to a {@linkcode TarSink} before
 * {@linkcode TarReader.push} returns. It reads what image layers hold: POSIX ustar and pax headers
 * (`path`, `linkpath`, `size`, `uid`, `gid`, `mtime`, `SCHILY.xattr.*`), GNU long names and long
 * link names, GNU and v7 headers, numbers in octal or base-256. It ignores pax global headers, as
 * Docker does. It stops at the end-of-archive marker (two zero blocks); anything after it is read
 * and dropped.
 *
 * @module
 */

/** What an entry is. Sparse files and the rarer types are passed on as `"unsupported"`. */
export type TarEntryType =
  | "file"
  | "link"
  | "symlink"
  | "character-device"
  | "block-device"
  | "directory"
  | "fifo"
  | "unsupported";

/** One entry of the archive, with its pax and GNU extensions applied. */
export interface TarEntry {
  /** Path as stored (UTF-8; not normalised). */
  name: string;
  /** Target of a link or symlink ("" for other types). */
  linkname: string;
  type: TarEntryType;
  /** The typeflag byte as a character (`"0"`, `"5"`, `"S"`, …), for messages. */
  typeflag: string;
  /** True for a GNU sparse file (typeflag `S` or `GNU.sparse.*` pax records). */
  sparse: boolean;
  /** Mode bits as stored, file type bits excluded. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content that follow the header. */
  size: number;
  /** Modification time in seconds since the epoch (fractional from a pax `mtime`). */
  mtime: number;
  devmajor: number;
  devminor: number;
  /** Extended attributes from pax `SCHILY.xattr.NAME` records, values as raw bytes. */
  xattrs: [name: string, value: Uint8Array][];
}

/** Receives a {@linkcode TarReader}'s entries. */
export interface TarSink {
  /** An entry starts; for a regular file, its content follows in {@linkcode TarSink.write}. */
  begin(entry: TarEntry): void;
  /** The next piece of the current regular file's content: valid only during the call. */
  write(data: Uint8Array): void;
  /** The current entry is complete. */
  end(): void;
}

/** The input is not a well-formed tar archive: why, and at which byte offset. */
export class TarFormatError extends Error {
  /** Builds the error for `reason` found at byte `offset` of the archive. */
  constructor(reason: string, offset: number) {
    super(`${reason} (at byte ${offset})`);
    this.name = "TarFormatError";
  }
}

const BLOCK = 512;
/** Largest pax or GNU long-name extension read, as Go's archive/tar allows. */
const MAX_EXTENSION_BYTES = 1 << 20;
const XATTR_PREFIX = "SCHILY.xattr.";
const SPARSE_PREFIX = "GNU.sparse.";
const ZERO = 0x30;
const SPACE = 0x20;

const TYPES: Readonly<Record<string, TarEntryType>> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "link",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "5": "directory",
  "6": "fifo",
};

const utf8 = new TextDecoder();

/** Pending extensions for the next entry: from pax records and GNU long names. */
interface Extensions {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  sparse?: boolean;
  xattrs: [string, Uint8Array][];
}

type State =
  /** Reading a 512-byte header. */
  | "header"
  /** Reading an extension's data (pax, GNU long name) into {@linkcode TarReader}'s buffer. */
  | "extension"
  /** Passing a file's content to the sink. */
  | "content"
  /** Dropping bytes: padding, or the content of an entry that has none to write. */
  | "skip"
  /** Past the end-of-archive marker. */
  | "done";

/**
 * Parses a tar stream pushed in chunks. Calls the sink synchronously; an exception thrown by the
 * sink propagates out of {@linkcode TarReader.push}, after which the reader must not be used.
 */
export class TarReader {
  readonly #sink: TarSink;
  #state: State = "header";
  /** Bytes of the archive consumed so far. */
  #offset = 0;
  /** A header or extension split across chunks, gathered here. */
  #buffer = new Uint8Array(BLOCK);
  #buffered = 0;
  /** Bytes left in the current state (content, extension or skipped bytes). */
  #remaining = 0;
  /** Padding after the current content or extension, up to the next block. */
  #padding = 0;
  /** The typeflag of the extension being read. */
  #extensionType = "";
  #extensions: Extensions = { xattrs: [] };
  /** The previous header block was all zeros (the first half of the end marker). */
  #zeroBlock = false;

  /** Builds a reader that gives what it parses to `sink`. */
  constructor(sink: TarSink) {
    this.#sink = sink;
  }

  /** Parses `chunk`; throws {@linkcode TarFormatError} on a malformed archive. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const available = chunk.length - at;
      switch (this.#state) {
        case "done":
          this.#offset += available;
          return;
        case "header": {
          if (this.#buffered === 0 && available >= BLOCK) {
            this.#header(chunk.subarray(at, at + BLOCK));
            at += BLOCK;
            break;
          }
          const take = Math.min(BLOCK - this.#buffered, available);
          this.#buffer.set(chunk.subarray(at, at + take), this.#buffered);
          this.#buffered += take;
          at += take;
          if (this.#buffered === BLOCK) {
            this.#buffered = 0;
            this.#header(this.#buffer.subarray(0, BLOCK));
          }
          break;
        }
        case "content": {
          const take = Math.min(this.#remaining, available);
          this.#offset += take;
          this.#remaining -= take;
          this.#sink.write(chunk.subarray(at, at + take));
          at += take;
          if (this.#remaining === 0) this.#finishEntry();
          break;
        }
        case "extension": {
          const take = Math.min(this.#remaining, available);
          this.#buffer.set(chunk.subarray(at, at + take), this.#buffered);
          this.#buffered += take;
          this.#offset += take;
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) {
            const data = this.#buffer.subarray(0, this.#buffered);
            this.#buffered = 0;
            this.#extension(data);
            this.#skip(this.#padding);
          }
          break;
        }
        case "skip": {
          const take = Math.min(this.#remaining, available);
          this.#offset += take;
          this.#remaining -= take;
          at += take;
          if (this.#remaining === 0) this.#state = "header";
          break;
        }
      }
    }
  }

  /** Ends the input; throws {@linkcode TarFormatError} when it stops inside a header or entry. */
  end(): void {
    if (this.#state === "done") return;
    if (this.#state === "header" && this.#buffered === 0) {
      if (this.#hasExtensions()) throw this.#error("the archive ends after an extension header");
      return; // no end marker, or only half of it: tolerated, as by Go's archive/tar
    }
    throw this.#error("the archive is truncated: it ends inside an entry");
  }

  #error(reason: string): TarFormatError {
    return new TarFormatError(reason, this.#offset + this.#buffered);
  }

  #hasExtensions(): boolean {
    const pending = this.#extensions;
    return Object.keys(pending).length > 1 || pending.xattrs.length > 0;
  }

  /** Switches to skipping `count` bytes (then reading a header). */
  #skip(count: number): void {
    this.#remaining = count;
    this.#state = count > 0 ? "skip" : "header";
  }

  #finishEntry(): void {
    this.#sink.end();
    this.#skip(this.#padding);
  }

  #header(block: Uint8Array): void {
    if (isZero(block)) {
      this.#offset += BLOCK;
      if (this.#zeroBlock) this.#state = "done";
      this.#zeroBlock = true;
      return;
    }
    if (this.#zeroBlock) throw this.#error("a header follows a single zero block");
    checkChecksum(block, (reason) => this.#error(reason));
    const number = (offset: number, length: number, field: string) =>
      parseNumber(
        block,
        offset,
        length,
        () => this.#error(`the header's ${field} is not a number`),
      );
    const typeflag = String.fromCharCode(block[156]!);
    let size = number(124, 12, "size");
    if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
      if (size > MAX_EXTENSION_BYTES) {
        throw this.#error(
          `an extension header holds ${size} bytes, more than ${MAX_EXTENSION_BYTES}`,
        );
      }
      this.#offset += BLOCK;
      if (this.#buffer.length < size) this.#buffer = new Uint8Array(size);
      this.#extensionType = typeflag;
      this.#remaining = size;
      this.#padding = padding(size);
      this.#state = size > 0 ? "extension" : "header";
      if (size === 0) this.#extension(new Uint8Array());
      return;
    }
    let name = text(block, 0, 100);
    if (isUstar(block) && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
    const pending = this.#extensions;
    this.#extensions = { xattrs: [] };
    name = pending.path ?? name;
    size = pending.size ?? size;
    let type = TYPES[typeflag] ?? "unsupported";
    if ((typeflag === "0" || typeflag === "\0") && name.endsWith("/")) type = "directory";
    const entry: TarEntry = {
      name,
      linkname: pending.linkpath ?? text(block, 157, 100),
      type,
      typeflag,
      sparse: typeflag === "S" || pending.sparse === true,
      mode: number(100, 8, "mode"),
      uid: pending.uid ?? number(108, 8, "uid"),
      gid: pending.gid ?? number(116, 8, "gid"),
      size,
      mtime: pending.mtime ?? number(136, 12, "mtime"),
      devmajor: number(329, 8, "device major number"),
      devminor: number(337, 8, "device minor number"),
      xattrs: pending.xattrs,
    };
    if (entry.sparse) entry.type = "unsupported";
    this.#offset += BLOCK;
    this.#padding = padding(size);
    this.#sink.begin(entry);
    if (entry.type === "file" && size > 0) {
      this.#remaining = size;
      this.#state = "content";
      return;
    }
    this.#sink.end();
    this.#skip(size + this.#padding);
  }

  /** Applies the data of a pax header or GNU long name to the next entry. */
  #extension(data: Uint8Array): void {
    const pending = this.#extensions;
    switch (this.#extensionType) {
      case "L":
        pending.path = text(data, 0, data.length);
        return;
      case "K":
        pending.linkpath = text(data, 0, data.length);
        return;
      case "g":
        return; // global pax records: ignored, as Docker does
    }
    for (const [key, value] of paxRecords(data, (reason) => this.#error(reason))) {
      if (key.startsWith(XATTR_PREFIX)) {
        // Copied: `data` is the reader's buffer, reused for the next extension.
        pending.xattrs.push([key.slice(XATTR_PREFIX.length), value.slice()]);
        continue;
      }
      if (key.startsWith(SPARSE_PREFIX)) {
        pending.sparse = true;
        continue;
      }
      const string = utf8.decode(value);
      switch (key) {
        case "path":
          pending.path = string;
          break;
        case "linkpath":
          pending.linkpath = string;
          break;
        case "size":
        case "uid":
        case "gid": {
          const parsed = Number(string);
          if (string === "" || !Number.isSafeInteger(parsed) || parsed < 0) {
            throw this.#error(`the pax record ${key}=${JSON.stringify(string)} is not a number`);
          }
          pending[key] = parsed;
          break;
        }
        case "mtime": {
          const parsed = Number(string);
          if (string === "" || !Number.isFinite(parsed)) {
            throw this.#error(`the pax record mtime=${JSON.stringify(string)} is not a time`);
          }
          pending.mtime = parsed;
          break;
        }
      }
    }
  }
}

function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function isZero(block: Uint8Array): boolean {
  for (let index = 0; index < BLOCK; index++) if (block[index] !== 0) return false;
  return true;
}

/** "ustar\0": POSIX ustar or pax, whose headers carry a name prefix. */
function isUstar(block: Uint8Array): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 &&
    block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
}

/** Checks the header checksum, summed as unsigned or as signed bytes (old tars did either). */
function checkChecksum(block: Uint8Array, fail: (reason: string) => Error): void {
  let unsigned = 8 * SPACE;
  let signed = 8 * SPACE;
  for (let index = 0; index < BLOCK; index++) {
    if (index >= 148 && index < 156) continue;
    const byte = block[index]!;
    unsigned += byte;
    signed += byte < 128 ? byte : byte - 256;
  }
  const stored = parseNumber(block, 148, 8, () => fail("the header's checksum is not a number"));
  if (stored !== unsigned && stored !== signed) {
    throw fail("bad header checksum: not a tar archive, or a corrupt one");
  }
}

/** The NUL-terminated UTF-8 string in `length` bytes of `bytes` from `offset`. */
function text(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && bytes[end] !== 0) end++;
  if (end === offset) return "";
  // Plain ASCII, the common case, without a TextDecoder call.
  let ascii = true;
  for (let index = offset; index < end; index++) {
    if (bytes[index]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  return ascii
    ? String.fromCharCode.apply(null, bytes.subarray(offset, end) as unknown as number[])
    : utf8.decode(bytes.subarray(offset, end));
}

/**
 * A numeric header field: octal digits between optional leading spaces or NULs and a space or
 * NUL, or base-256 when the first byte's top bit is set (GNU, for large values).
 */
function parseNumber(
  block: Uint8Array,
  offset: number,
  length: number,
  fail: () => Error,
): number {
  const end = offset + length;
  if (block[offset]! & 0x80) {
    if (block[offset] === 0xff) throw fail(); // negative
    let value = block[offset]! & 0x7f;
    for (let index = offset + 1; index < end; index++) value = value * 256 + block[index]!;
    if (!Number.isSafeInteger(value)) throw fail();
    return value;
  }
  let index = offset;
  while (index < end && (block[index] === SPACE || block[index] === 0)) index++;
  let value = 0;
  for (; index < end; index++) {
    const byte = block[index]!;
    if (byte === SPACE || byte === 0) break;
    if (byte < ZERO || byte > ZERO + 7) throw fail();
    value = value * 8 + byte - ZERO;
  }
  for (; index < end; index++) {
    if (block[index] !== SPACE && block[index] !== 0) throw fail();
  }
  return value;
}

/** Splits pax extended header data (`LEN KEY=VALUE\n` records), values as raw bytes. */
function* paxRecords(
  data: Uint8Array,
  fail: (reason: string) => Error,
): Generator<[string, Uint8Array]> {
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(SPACE, offset);
    const length = space < 0 ? NaN : Number(utf8.decode(data.subarray(offset, space)));
    const end = offset + length;
    if (!Number.isSafeInteger(length) || space === offset || end > data.length) {
      throw fail("a pax record has no valid length");
    }
    if (data[end - 1] !== 0x0a) throw fail("a pax record does not end with a newline");
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw fail("a pax record has no key");
    yield [utf8.decode(record.subarray(0, equals)), record.subarray(equals + 1)];
    offset = end;
  }
}
