import assert from "node:assert/strict";
import {
  type TarEntry,
  TarFormatError,
  TarReader,
  type TarSink,
} from "../registry/pull/tar_reader.ts";
import { LayerUnpackError, unpackLayer } from "../registry/pull/unpack_layer.ts";

const encoder = new TextEncoder();

/** Header fields of {@linkcode block}; what is left out is zero or empty. */
interface Fields {
  name: string;
  typeflag?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  prefix?: string;
  /** "ustar" (POSIX, the default), "gnu" or "v7". */
  format?: "ustar" | "gnu" | "v7";
  /** Writes uid in GNU base-256 instead of octal. */
  base256Uid?: boolean;
}

/** A 512-byte tar header with a valid checksum. */
function block(fields: Fields): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(512);
  const put = (text: string, offset: number) => out.set(encoder.encode(text), offset);
  const octal = (value: number, offset: number, length: number) =>
    put(`${value.toString(8).padStart(length - 1, "0")}\0`, offset);
  put(fields.name, 0);
  octal(fields.mode ?? 0o644, 100, 8);
  if (fields.base256Uid) {
    out[108] = 0x80;
    new DataView(out.buffer).setUint32(112, fields.uid ?? 0);
  } else {
    octal(fields.uid ?? 0, 108, 8);
  }
  octal(fields.gid ?? 0, 116, 8);
  octal(fields.size ?? 0, 124, 12);
  octal(fields.mtime ?? 1_600_000_000, 136, 12);
  put(fields.typeflag ?? "0", 156);
  put(fields.linkname ?? "", 157);
  const format = fields.format ?? "ustar";
  if (format === "ustar") put("ustar\u000000", 257);
  if (format === "gnu") put("ustar  \0", 257);
  put(fields.prefix ?? "", 345);
  put("        ", 148);
  const sum = out.reduce((total, byte) => total + byte, 0);
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return out;
}

/** `data` padded with zeros to a whole number of blocks. */
function padded(data: Uint8Array | string): Uint8Array<ArrayBuffer> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const out = new Uint8Array(Math.ceil(bytes.length / 512) * 512);
  out.set(bytes);
  return out;
}

/** A pax extended header (typeflag `x`, or `g` for a global one) holding `records`. */
function pax(records: [string, string | Uint8Array][], typeflag = "x"): Uint8Array {
  const parts = records.map(([key, value]) => {
    const body = concat([
      encoder.encode(` ${key}=`),
      typeof value === "string" ? encoder.encode(value) : value,
      encoder.encode("\n"),
    ]);
    let length = body.length + 1;
    while (`${length}`.length + body.length !== length) length++;
    return concat([encoder.encode(`${length}`), body]);
  });
  const data = concat(parts);
  return concat([block({ name: "PaxHeader", typeflag, size: data.length }), padded(data)]);
}

/** A GNU long name (`L`) or long link name (`K`) extension. */
function gnuLong(typeflag: "L" | "K", value: string): Uint8Array {
  const data = encoder.encode(`${value}\0`);
  return concat([
    block({ name: "././@LongLink", typeflag, size: data.length, format: "gnu" }),
    padded(data),
  ]);
}

/** A regular file entry with `content`. */
function file(
  name: string,
  content: string,
  fields: Partial<Fields> = {},
): Uint8Array<ArrayBuffer> {
  return concat([block({ name, size: content.length, ...fields }), padded(content)]);
}

const END = new Uint8Array(1024);

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

interface Read {
  entry: TarEntry;
  content: string;
}

/** Reads `archive` pushed in chunks of `chunkSize` bytes; returns the entries and contents. */
function read(archive: Uint8Array, chunkSize = archive.length || 1): Read[] {
  const entries: Read[] = [];
  const pieces: Uint8Array[] = [];
  let open = false;
  const sink: TarSink = {
    begin(entry) {
      assert.ok(!open, "an entry begins before the previous one ended");
      open = true;
      entries.push({ entry, content: "" });
    },
    write(data) {
      pieces.push(data.slice());
    },
    end() {
      assert.ok(open, "an entry ends that did not begin");
      open = false;
      entries.at(-1)!.content = new TextDecoder().decode(concat(pieces.splice(0)));
    },
  };
  const reader = new TarReader(sink);
  for (let offset = 0; offset < archive.length; offset += chunkSize) {
    reader.push(archive.subarray(offset, offset + chunkSize));
  }
  reader.end();
  return entries;
}

/** Reads `archive` whole, in 7-byte chunks and byte by byte, and checks all three agree. */
function readEveryWay(archive: Uint8Array): Read[] {
  const whole = read(archive);
  assert.deepEqual(read(archive, 7), whole, "7-byte chunks");
  assert.deepEqual(read(archive, 1), whole, "1-byte chunks");
  return whole;
}

Deno.test("TarReader reads ustar entries of every type, whatever the chunk size", () => {
  const entries = readEveryWay(concat([
    block({ name: "dir/", typeflag: "5", mode: 0o755 }),
    file("dir/a.txt", "hello", { uid: 1000, gid: 100, mode: 0o4755 }),
    block({ name: "dir/sym", typeflag: "2", linkname: "a.txt" }),
    block({ name: "dir/hard", typeflag: "1", linkname: "dir/a.txt" }),
    block({ name: "dev/null", typeflag: "3" }),
    block({ name: "fifo", typeflag: "6" }),
    file("c.txt", "contiguous", { typeflag: "7" }),
    file("empty", ""),
    file("x".repeat(100), "a name without NUL"),
    END,
  ]));
  assert.deepEqual(
    entries.map(({ entry, content }) => [entry.name, entry.type, entry.linkname, content]),
    [
      ["dir/", "directory", "", ""],
      ["dir/a.txt", "file", "", "hello"],
      ["dir/sym", "symlink", "a.txt", ""],
      ["dir/hard", "link", "dir/a.txt", ""],
      ["dev/null", "character-device", "", ""],
      ["fifo", "fifo", "", ""],
      ["c.txt", "file", "", "contiguous"],
      ["empty", "file", "", ""],
      ["x".repeat(100), "file", "", "a name without NUL"],
    ],
  );
  const a = entries[1]!.entry;
  assert.deepEqual([a.mode, a.uid, a.gid, a.size, a.mtime], [0o4755, 1000, 100, 5, 1_600_000_000]);
});

Deno.test("TarReader joins the ustar prefix, and reads GNU and v7 headers without it", () => {
  const entries = readEveryWay(concat([
    file("name.txt", "ustar", { prefix: "some/long/prefix" }),
    file("gnu.txt", "gnu", { format: "gnu" }),
    file("v7.txt", "v7", { format: "v7" }),
    block({ name: "old-dir/", typeflag: "\0", format: "v7" }),
    END,
  ]));
  assert.deepEqual(entries.map(({ entry }) => [entry.name, entry.type]), [
    ["some/long/prefix/name.txt", "file"],
    ["gnu.txt", "file"],
    ["v7.txt", "file"],
    ["old-dir/", "directory"],
  ]);
});

Deno.test("TarReader applies pax records to the next entry only, and ignores global ones", () => {
  const longName = `${"d".repeat(150)}/${"é".repeat(80)}.txt`;
  const binary = new Uint8Array([0, 0xff, 0x80, 0x0a, 0x3d]);
  const entries = readEveryWay(concat([
    pax([["mtime", "1700000000.5"], ["uid", "9"]], "g"),
    pax([
      ["path", longName],
      ["uid", "70000000"],
      ["gid", "5"],
      ["mtime", "1234567890.123456789"],
      ["size", "3"],
      ["SCHILY.xattr.user.bin", binary],
      ["SCHILY.xattr.security.capability", "cap"],
      ["comment", "ignored"],
    ]),
    file("short", "abc", { size: 999 }),
    pax([["linkpath", `${"t".repeat(200)}`]]),
    block({ name: "link", typeflag: "2" }),
    file("plain", "p"),
    END,
  ]));
  const [long, link, plain] = entries;
  assert.equal(long!.entry.name, longName);
  assert.equal(long!.content, "abc");
  assert.deepEqual([long!.entry.uid, long!.entry.gid], [70000000, 5]);
  assert.equal(long!.entry.mtime, 1234567890.123456789);
  assert.deepEqual(long!.entry.xattrs, [
    ["user.bin", binary],
    ["security.capability", encoder.encode("cap")],
  ]);
  assert.equal(link!.entry.linkname, "t".repeat(200));
  assert.deepEqual(
    [plain!.entry.name, plain!.entry.uid, plain!.entry.mtime, plain!.entry.xattrs],
    ["plain", 0, 1_600_000_000, []],
  );
});

Deno.test("TarReader reads GNU long names and long link names, and base-256 numbers", () => {
  const longName = `${"n".repeat(300)}/file`;
  const longTarget = `${"l".repeat(300)}/target`;
  const entries = readEveryWay(concat([
    gnuLong("L", longName),
    file(longName.slice(0, 100), "long", { format: "gnu", uid: 3_000_000_000, base256Uid: true }),
    gnuLong("L", "hard-link-name"),
    gnuLong("K", longTarget),
    block({ name: "hard", typeflag: "1", linkname: longTarget.slice(0, 100), format: "gnu" }),
    END,
  ]));
  assert.deepEqual(
    entries.map(({ entry, content }) => [entry.name, entry.linkname, entry.uid, content]),
    [[longName, "", 3_000_000_000, "long"], ["hard-link-name", longTarget, 0, ""]],
  );
});

Deno.test("TarReader reads what GNU tar writes in its gnu and posix formats", async () => {
  const root = await Deno.makeTempDir({ prefix: "mydocker-tar-reader-" });
  try {
    const deep = `${"x".repeat(120)}/${"y".repeat(120)}`;
    await Deno.mkdir(`${root}/src/${deep}`, { recursive: true });
    await Deno.writeTextFile(`${root}/src/${deep}/${"z".repeat(150)}`, "deep");
    // Sorted after the file it links to, so that tar stores it as the hardlink.
    await Deno.link(`${root}/src/${deep}/${"z".repeat(150)}`, `${root}/src/${"y".repeat(121)}`);
    await Deno.symlink(`${deep}/${"z".repeat(150)}`, `${root}/src/${"s".repeat(110)}`);
    for (const format of ["gnu", "posix"]) {
      const output = await new Deno.Command("tar", {
        args: ["-c", `--format=${format}`, "--sort=name", "-C", `${root}/src`, "."],
        stdout: "piped",
      }).output();
      assert.ok(output.success);
      const entries = readEveryWay(output.stdout);
      const byName = new Map(entries.map(({ entry, content }) => [entry.name, { entry, content }]));
      const target = `./${deep}/${"z".repeat(150)}`;
      assert.equal(byName.get(target)?.content, "deep", format);
      const hardlink = byName.get(`./${"y".repeat(121)}`)?.entry;
      assert.deepEqual([hardlink?.type, hardlink?.linkname], ["link", target], format);
      assert.equal(byName.get(`./${"s".repeat(110)}`)?.entry.linkname, target.slice(2), format);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("TarReader stops at the end marker and reads past it without parsing", () => {
  const entries = read(concat([file("a", "a"), END, new Uint8Array(512).fill(0x41)]));
  assert.deepEqual(entries.map(({ entry }) => entry.name), ["a"]);
  assert.deepEqual(read(concat([file("a", "a"), new Uint8Array(512)])).length, 1, "half a marker");
  assert.deepEqual(read(file("a", "a")).length, 1, "no marker");
  assert.deepEqual(read(new Uint8Array()), [], "empty input");
});

/** Asserts that reading `archive` (whole and byte by byte) fails with a message matching `message`. */
function assertMalformed(archive: Uint8Array, message: RegExp): void {
  for (const chunkSize of [archive.length || 1, 1]) {
    assert.throws(() => read(archive, chunkSize), (error: Error) => {
      assert.ok(error instanceof TarFormatError, `got ${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
}

Deno.test("TarReader refuses truncated archives, wherever they stop", () => {
  const archive = concat([pax([["path", "p"]]), file("f", "x".repeat(600)), END]);
  const truncated = /the archive is truncated: it ends inside an entry \(at byte \d+\)/;
  assertMalformed(archive.subarray(0, 200), truncated); // inside the first header
  assertMalformed(archive.subarray(0, 600), truncated); // inside the pax data
  assertMalformed(archive.subarray(0, 1024 + 300), truncated); // inside the file's header
  assertMalformed(archive.subarray(0, 1536 + 100), truncated); // inside its content
  assertMalformed(archive.subarray(0, 1536 + 700), truncated); // inside its padding
  assertMalformed(archive.subarray(0, 1024), /ends after an extension header/);
});

Deno.test("TarReader refuses bad checksums, numbers, pax records and a lone zero block", () => {
  const corrupt = file("f", "x");
  corrupt[0] = 0x67;
  assertMalformed(
    corrupt,
    /bad header checksum: not a tar archive, or a corrupt one \(at byte 0\)/,
  );
  const gzip = new Uint8Array(512);
  gzip.set([0x1f, 0x8b, 8, 0]);
  assertMalformed(gzip, /bad header checksum/);
  const badSize = block({ name: "f" });
  badSize.set(encoder.encode("12x"), 124);
  badSize.set(block({ name: "f" }).subarray(148, 156), 148);
  assertMalformed(badSize, /bad header checksum|the header's size is not a number/);
  assertMalformed(
    concat([pax([["size", "-1"]]), file("f", ""), END]),
    /the pax record size="-1" is not a number/,
  );
  assertMalformed(
    concat([block({ name: "PaxHeader", typeflag: "x", size: 10 }), padded("99 path=x\n"), END]),
    /a pax record has no valid length/,
  );
  assertMalformed(
    concat([file("a", "a"), new Uint8Array(512), file("b", "b"), END]),
    /a header follows a single zero block/,
  );
  assertMalformed(
    block({ name: "big", typeflag: "x", size: 2 << 20 }),
    /an extension header holds 2097152 bytes, more than 1048576/,
  );
});

Deno.test("TarReader passes sparse files and unknown types on as unsupported", () => {
  const entries = read(concat([
    file("sparse", "data", { typeflag: "S", format: "gnu" }),
    pax([["GNU.sparse.major", "1"], ["GNU.sparse.minor", "0"], ["GNU.sparse.realsize", "9"]]),
    file("pax-sparse", "data"),
    block({ name: "label", typeflag: "V", format: "gnu" }),
    file("after", "after"),
    END,
  ]));
  assert.deepEqual(
    entries.map(({ entry, content }) => [entry.name, entry.type, entry.sparse, content]),
    [
      ["sparse", "unsupported", true, ""],
      ["pax-sparse", "unsupported", true, ""],
      ["label", "unsupported", false, ""],
      ["after", "file", false, "after"],
    ],
  );
});

/** Unpacks `archive` into a fresh directory; returns the error it fails with, if any. */
async function unpackError(archive: Uint8Array<ArrayBuffer>): Promise<unknown> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-tar-reader-" });
  try {
    await unpackLayer(new Blob([archive]).stream(), dir, { layer: "sha256:t" });
  } catch (error) {
    return error;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("unpackLayer() refuses sparse files and unknown types, naming the entry", async () => {
  const cases: [Uint8Array, string][] = [
    [
      file("sparse", "data", { typeflag: "S", format: "gnu" }),
      'entry "sparse" is a sparse file, which mydocker does not unpack',
    ],
    [
      concat([pax([["GNU.sparse.map", "0,4"]]), file("psparse", "data")]),
      'entry "psparse" is a sparse file, which mydocker does not unpack',
    ],
    [
      block({ name: "label", typeflag: "V", format: "gnu" }),
      'entry "label" has an unsupported type (tar typeflag "V")',
    ],
  ];
  for (const [archive, reason] of cases) {
    const error = await unpackError(concat([archive, END]));
    assert.ok(error instanceof LayerUnpackError, `got ${error}`);
    assert.equal(error.message, `Cannot unpack layer sha256:t: ${reason}`);
  }
  const root = await Deno.makeTempDir({ prefix: "mydocker-tar-reader-" });
  try {
    await new Deno.Command("truncate", { args: ["-s", "1M", `${root}/holes`] }).output();
    for (const format of ["gnu", "posix"]) {
      const output = await new Deno.Command("tar", {
        args: ["-c", "--sparse", `--format=${format}`, "-C", root, "holes"],
        stdout: "piped",
      }).output();
      assert.ok(output.success);
      const error = await unpackError(output.stdout);
      assert.ok(error instanceof LayerUnpackError, `${format}: got ${error}`);
      assert.match(error.message, /entry ".*holes" is a sparse file, which mydocker does not/);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  const truncated = await unpackError(file("f", "x".repeat(600)).subarray(0, 700));
  assert.ok(truncated instanceof LayerUnpackError);
  assert.equal(
    truncated.message,
    "Cannot unpack layer sha256:t: malformed tar: " +
      "the archive is truncated: it ends inside an entry (at byte 700)",
  );
});

Deno.test("unpackLayer() links to earlier entries, whatever their name's form", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-tar-reader-" });
  try {
    const longName = `${"p".repeat(150)}/original`;
    await unpackLayer(
      new Blob([concat([
        pax([["path", longName]]),
        file("ignored", "content"),
        pax([["linkpath", `./${longName}`]]),
        block({ name: "first", typeflag: "1" }),
        gnuLong("K", longName),
        block({ name: "second", typeflag: "1", linkname: "ignored", format: "gnu" }),
        block({ name: "third", typeflag: "1", linkname: "first" }),
        file(".wh.gone", ""),
        END,
      ])]).stream(),
      dir,
      { layer: "sha256:t" },
    );
    const inode = (await Deno.lstat(`${dir}/${longName}`)).ino;
    for (const name of ["first", "second", "third"]) {
      assert.equal((await Deno.lstat(`${dir}/${name}`)).ino, inode, name);
    }
    assert.equal((await Deno.lstat(`${dir}/${longName}`)).nlink, 4);
    assert.ok((await Deno.lstat(`${dir}/gone`)).isCharDevice, "a whiteout");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
