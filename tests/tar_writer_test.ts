import assert from "node:assert/strict";
import {
  encodeTarHeader,
  TAR_END,
  type TarHeader,
  tarPadding,
} from "../registry/archive/tar_writer.ts";
import { type TarEntry, TarReader } from "../registry/pull/tar_reader.ts";
import { concatBytes } from "../sys/bytes.ts";

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000 };
const deep = `${"d".repeat(90)}/${"e".repeat(90)}/file`;
const content = new Uint8Array(700).map((_, index) => index % 251);

/** Headers covering ustar, its name split, and each pax record the writer emits. */
const headers: (TarHeader & { content?: Uint8Array })[] = [
  { ...base, name: "dir/", type: "directory", mode: 0o755 },
  { ...base, name: "dir/file", type: "file", size: content.length, content },
  { ...base, name: deep, type: "file", size: 0, mode: 0o4755 },
  { ...base, name: `${"x".repeat(120)}/${"y".repeat(120)}`, type: "file", size: 0 },
  { ...base, name: "dir/héllo wörld", type: "file", size: 0 },
  { ...base, name: "dir/link", type: "symlink", linkname: `/${"t".repeat(150)}` },
  { ...base, name: "dir/hard", type: "link", linkname: "dir/file" },
  { ...base, name: "dev/null", type: "character-device", devmajor: 1, devminor: 3 },
  { ...base, name: "fifo", type: "fifo", uid: 3_000_000, gid: 70_000, mtime: -5 },
];

function archive(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { content, ...header } of headers) {
    parts.push(encodeTarHeader(header));
    if (content !== undefined) parts.push(content, tarPadding(content.length));
  }
  parts.push(TAR_END);
  return concatBytes(parts);
}

Deno.test("encodeTarHeader() entries read back as written, pax records where ustar cannot", () => {
  const entries: { entry: TarEntry; bytes: number[] }[] = [];
  const reader = new TarReader({
    begin: (entry) => entries.push({ entry, bytes: [] }),
    write: (data) => entries.at(-1)!.bytes.push(...data),
    end: () => {},
  });
  const bytes = archive();
  assert.equal(bytes.length % 512, 0);
  reader.push(bytes);
  reader.end();
  assert.deepEqual(
    entries.map(({ entry }) => [entry.name, entry.type, entry.linkname, entry.mode, entry.size]),
    headers.map((h) => [h.name, h.type, h.linkname ?? "", h.mode, h.size ?? 0]),
  );
  assert.deepEqual(entries[1]!.bytes, [...content]);
  const device = entries[7]!.entry;
  assert.deepEqual([device.devmajor, device.devminor], [1, 3]);
  const fifo = entries[8]!.entry;
  assert.deepEqual([fifo.uid, fifo.gid, fifo.mtime], [3_000_000, 70_000, -5]);
});

Deno.test("encodeTarHeader() archives list cleanly with GNU tar", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.tar`, archive());
    const listed = await new Deno.Command("tar", {
      args: ["-tvf", `${dir}/a.tar`, "--numeric-owner"],
      env: { LC_ALL: "C.UTF-8", TZ: "UTC" },
    }).output();
    const stderr = new TextDecoder().decode(listed.stderr);
    assert.ok(listed.success, stderr);
    assert.equal(stderr, "");
    const lines = new TextDecoder().decode(listed.stdout).trimEnd().split("\n");
    assert.equal(lines.length, headers.length);
    assert.match(lines[2]!, /^-rwsr-xr-x 0\/0 +0 2023-11-14 22:13 d{90}\/e{90}\/file$/);
    assert.match(lines[5]!, / dir\/link -> \/t{150}$/);
    assert.match(lines[6]!, / dir\/hard link to dir\/file$/);
    assert.match(lines[7]!, /^crw-r--r-- 0\/0 +1,3 /);
    assert.match(lines[8]!, /^prw-r--r-- 3000000\/70000 /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodeTarHeader() writes a size past the octal field in base-256", () => {
  const size = 9 * 1024 ** 3;
  const block = encodeTarHeader({ ...base, name: "big", type: "file", size });
  assert.equal(block.length, 512);
  assert.equal(block[124], 0x80);
  let value = 0;
  for (let index = 125; index < 136; index++) value = value * 256 + block[index]!;
  assert.equal(value, size);
  assert.throws(() => encodeTarHeader({ ...base, name: "x", type: "file", size: -1 }), RangeError);
});
