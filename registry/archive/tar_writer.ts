/**
 * Encodes tar headers as `docker export` and `docker save` write them: POSIX ustar, with a pax
 * header before an entry whose name or link name does not fit ustar's fields (longer than 100
 * bytes without a split at a slash into 155 + 100, or not ASCII) or whose owner or time does not
 * fit its octal field, as Go's `archive/tar` does; a size past the octal field is written in
 * base-256, as GNU tar and Go do. The archive's content and its end are the caller's:
 * {@linkcode tarPadding} after each file's bytes, {@linkcode TAR_END} last.
 *
 * @module
 */

import type { TarEntryType as ReadEntryType } from "../pull/tar_reader.ts";

/** The type of a tar entry: any the reader knows. */
export type TarEntryType = Exclude<ReadEntryType, "unsupported">;

/** What {@linkcode encodeTarHeader} writes for an entry. */
export interface TarHeader {
  /** The path in the archive (a directory's ends with `/`). */
  name: string;
  type: TarEntryType;
  /** Permission bits, set-id and sticky bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in whole seconds since the epoch. */
  mtime: number;
  /** Bytes of content that follow the header (files only; 0 for every other type). */
  size?: number;
  /** The target of a symlink or of a hardlink (a path in the archive). */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** The two zero blocks that end an archive. */
export const TAR_END: Uint8Array = new Uint8Array(1024);

const BLOCK = 512;
const TYPEFLAGS: Record<TarEntryType | "pax", string> = {
  file: "0",
  link: "1",
  symlink: "2",
  "character-device": "3",
  "block-device": "4",
  directory: "5",
  fifo: "6",
  pax: "x",
};
/** The largest number an octal field of `width` bytes holds (its last byte is a NUL). */
const maxOctal = (width: number) => 8 ** (width - 1) - 1;
const utf8 = new TextEncoder();

/** The zeros that pad `size` bytes of content to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/**
 * Returns the header block of `header`, preceded by a pax header and its records when something
 * does not fit ustar. Throws a `RangeError` for a negative or fractional number.
 */
export function encodeTarHeader(header: TarHeader): Uint8Array {
  const size = header.size ?? 0;
  for (const [field, value] of Object.entries({ size, uid: header.uid, gid: header.gid })) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot write a tar header with ${field} ${value}`);
    }
  }
  const records: [string, string][] = [];
  const path = splitName(header.name);
  if (path === undefined) records.push(["path", header.name]);
  const linkname = header.linkname ?? "";
  if (!fitsAscii(linkname, 100)) records.push(["linkpath", linkname]);
  if (header.uid > maxOctal(8)) records.push(["uid", String(header.uid)]);
  if (header.gid > maxOctal(8)) records.push(["gid", String(header.gid)]);
  const mtime = Math.floor(header.mtime);
  if (mtime < 0 || mtime > maxOctal(12)) records.push(["mtime", String(mtime)]);
  const block = ustarBlock({
    name: path?.name ?? asciiStub(header.name, 100),
    prefix: path?.prefix ?? "",
    typeflag: TYPEFLAGS[header.type],
    mode: header.mode & 0o7777,
    uid: Math.min(header.uid, maxOctal(8)),
    gid: Math.min(header.gid, maxOctal(8)),
    size,
    mtime: Math.min(Math.max(mtime, 0), maxOctal(12)),
    linkname: fitsAscii(linkname, 100) ? linkname : asciiStub(linkname, 100),
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
  });
  if (records.length === 0) return block;
  const data = paxData(records);
  const paxHeader = ustarBlock({
    name: asciiStub(`PaxHeaders/${header.name}`, 100),
    prefix: "",
    typeflag: TYPEFLAGS.pax,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: 0,
    linkname: "",
    devmajor: 0,
    devminor: 0,
  });
  const out = new Uint8Array(BLOCK + data.length + tarPadding(data.length).length + BLOCK);
  out.set(paxHeader);
  out.set(data, BLOCK);
  out.set(block, out.length - BLOCK);
  return out;
}

/** Tells whether `text` is ASCII (no NUL) of at most `max` bytes. */
function fitsAscii(text: string, max: number): boolean {
  // deno-lint-ignore no-control-regex
  return text.length <= max && /^[\x01-\x7f]*$/.test(text);
}

/** A readable ASCII stand-in for `text` in a field of `max` bytes, when a pax record holds it. */
function asciiStub(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[^\x01-\x7f]/g, "_").slice(-max);
}

/** Splits `name` into ustar's prefix (155 bytes) and name (100), or undefined if it cannot. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (!fitsAscii(name, 256)) return undefined;
  if (name.length <= 100) return { prefix: "", name };
  // The prefix ends at a slash; a directory's trailing slash stays with the name.
  for (let slash = name.indexOf("/"); slash >= 0; slash = name.indexOf("/", slash + 1)) {
    const rest = name.slice(slash + 1);
    if (slash > 155) return undefined;
    if (rest.length <= 100 && rest !== "" && rest !== "/") {
      return { prefix: name.slice(0, slash), name: rest };
    }
  }
  return undefined;
}

/** The pax records `key=value`, each prefixed with its own length in bytes. */
function paxData(records: [string, string][]): Uint8Array {
  let text = "";
  for (const [key, value] of records) {
    const body = ` ${key}=${value}\n`;
    const bodyBytes = utf8.encode(body).length;
    let length = bodyBytes + String(bodyBytes).length;
    if (String(length).length !== String(bodyBytes).length) length++;
    text += `${length}${body}`;
  }
  return utf8.encode(text);
}

interface UstarFields {
  name: string;
  prefix: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** One ustar header block; numbers that fit go in octal, a larger size in base-256. */
function ustarBlock(fields: UstarFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const text = (offset: number, value: string) => utf8.encodeInto(value, block.subarray(offset));
  const octal = (offset: number, width: number, value: number) =>
    text(offset, value.toString(8).padStart(width - 1, "0"));
  text(0, fields.name);
  octal(100, 8, fields.mode);
  octal(108, 8, fields.uid);
  octal(116, 8, fields.gid);
  if (fields.size <= maxOctal(12)) {
    octal(124, 12, fields.size);
  } else {
    block[124] = 0x80;
    let size = fields.size;
    for (let index = 135; index > 124; index--, size = Math.floor(size / 256)) {
      block[index] = size % 256;
    }
  }
  octal(136, 12, fields.mtime);
  block.fill(0x20, 148, 156);
  text(156, fields.typeflag);
  text(157, fields.linkname);
  text(257, "ustar\u000000");
  octal(329, 8, fields.devmajor);
  octal(337, 8, fields.devminor);
  text(345, fields.prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  octal(148, 7, sum); // six digits, then a NUL and the space already there
  block[154] = 0;
  return block;
}
