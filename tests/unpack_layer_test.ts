import assert from "node:assert/strict";
import tar from "tar-stream";
import { lgetxattr, lsetxattr } from "../sys/xattr.ts";
import { LayerUnpackError, unpackLayer } from "../registry/pull/unpack_layer.ts";
import { buildTar as buildLayerTar } from "../testing/image_builder.ts";

type Entry = Partial<tar.Header> & { name: string; body?: string | Uint8Array };

/** Builds an uncompressed tar holding `entries` with tar-stream's packer. */
async function buildTar(entries: Entry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  pack.on("data", (chunk) => chunks.push(chunk as Uint8Array));
  const ended = new Promise<void>((resolve) => pack.on("end", () => resolve()));
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => error ? reject(error) : resolve();
      if (body === undefined) pack.entry(header, done);
      else pack.entry(header, body, done);
    });
  }
  pack.finalize();
  await ended;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Streams `bytes` in small chunks so entries straddle chunk boundaries. */
function streamOf(bytes: Uint8Array, chunkSize = 700): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** Runs `body` with a fresh directory holding an empty `layer/` subdirectory. */
async function withLayerDir(body: (root: string, layer: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "mydocker-unpack-" });
  try {
    await Deno.mkdir(`${root}/layer`);
    await body(root, `${root}/layer`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function unpack(entries: Entry[], dest: string) {
  return await unpackLayer(streamOf(await buildTar(entries)), dest, { layer: "sha256:test" });
}

const mtime = new Date("2020-01-02T03:04:05Z");
const CHAR_DEVICE = 0o020000;

Deno.test("unpackLayer() writes files, dirs, symlinks and hardlinks with their metadata", async () => {
  await withLayerDir(async (_root, layer) => {
    const big = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251);
    const longName = `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(80)}.txt`;
    await unpack([
      { name: "etc/", type: "directory", mode: 0o755, mtime },
      { name: "etc/secret", body: "s3cret", mode: 0o600, uid: 1000, gid: 1000, mtime },
      { name: "usr/bin/su", body: "#!su", mode: 0o4755, uid: 0, gid: 0, mtime },
      { name: "usr/bin/sg", body: "#!sg", mode: 0o2755, uid: 1000, gid: 50, mtime },
      { name: "tmp/", type: "directory", mode: 0o1777, mtime },
      { name: "big.bin", body: big, mode: 0o644, mtime },
      { name: "link", type: "symlink", linkname: "/etc/secret", uid: 1000, gid: 1000, mtime },
      { name: "hard", type: "link", linkname: "usr/bin/su" },
      { name: longName, body: "long", mode: 0o644, mtime },
      { name: "./dot/file", body: "dot", mode: 0o644, mtime },
    ], layer);

    assert.equal(await Deno.readTextFile(`${layer}/etc/secret`), "s3cret");
    const secret = await Deno.lstat(`${layer}/etc/secret`);
    assert.equal(secret.mode! & 0o7777, 0o600);
    assert.equal(secret.uid, 1000);
    assert.equal(secret.gid, 1000);
    assert.equal(secret.mtime?.getTime(), mtime.getTime());
    assert.equal((await Deno.lstat(`${layer}/usr/bin/su`)).mode! & 0o7777, 0o4755);
    const sg = await Deno.lstat(`${layer}/usr/bin/sg`);
    assert.equal(sg.mode! & 0o7777, 0o2755, "setgid kept after chown");
    assert.equal(sg.gid, 50);
    assert.equal((await Deno.lstat(`${layer}/tmp`)).mode! & 0o7777, 0o1777);
    assert.deepEqual(await Deno.readFile(`${layer}/big.bin`), big);
    assert.equal(await Deno.readLink(`${layer}/link`), "/etc/secret");
    const link = await Deno.lstat(`${layer}/link`);
    assert.ok(link.isSymlink);
    assert.equal(link.uid, 1000);
    assert.equal(link.mtime?.getTime(), mtime.getTime());
    assert.equal(
      (await Deno.lstat(`${layer}/hard`)).ino,
      (await Deno.lstat(`${layer}/usr/bin/su`)).ino,
    );
    assert.equal(await Deno.readTextFile(`${layer}/${longName}`), "long");
    assert.equal(await Deno.readTextFile(`${layer}/dot/file`), "dot");
    assert.equal((await Deno.lstat(`${layer}/etc`)).mtime?.getTime(), mtime.getTime());
  });
});

Deno.test("unpackLayer() reads PAX and GNU long names written by GNU tar", async () => {
  await withLayerDir(async (root, layer) => {
    const deep = `${"x".repeat(120)}/${"y".repeat(120)}`;
    await Deno.mkdir(`${root}/src/${deep}`, { recursive: true });
    await Deno.writeTextFile(`${root}/src/${deep}/${"z".repeat(150)}`, "deep");
    await Deno.symlink(`${deep}/${"z".repeat(150)}`, `${root}/src/${"l".repeat(110)}`);
    for (const format of ["gnu", "posix"]) {
      const dest = `${layer}/${format}`;
      await Deno.mkdir(dest);
      const output = await new Deno.Command("tar", {
        args: ["-c", `--format=${format}`, "-C", `${root}/src`, "."],
        stdout: "piped",
      }).output();
      assert.ok(output.success);
      await unpackLayer(streamOf(output.stdout, 4096), dest, { layer: "sha256:gnu" });
      assert.equal(await Deno.readTextFile(`${dest}/${deep}/${"z".repeat(150)}`), "deep");
      assert.equal(await Deno.readTextFile(`${dest}/${"l".repeat(110)}`), "deep");
    }
  });
});

Deno.test("unpackLayer() makes overlay whiteouts and opaque directories", async () => {
  await withLayerDir(async (_root, layer) => {
    await unpack([
      { name: "etc/.wh.passwd", body: "", mode: 0o644, mtime },
      { name: "var/cache/", type: "directory", mode: 0o755, mtime },
      { name: "var/cache/.wh..wh..opq", body: "", mode: 0o644, mtime },
      { name: "var/cache/new", body: "new", mode: 0o644, mtime },
      { name: ".wh.top", body: "", mode: 0o644, mtime },
    ], layer);
    for (const path of ["etc/passwd", "top"]) {
      const whiteout = await Deno.lstat(`${layer}/${path}`);
      assert.equal(whiteout.mode! & 0o170000, CHAR_DEVICE, `${path} is a char device`);
      assert.equal(whiteout.rdev, 0, `${path} is device 0/0`);
    }
    await assert.rejects(Deno.lstat(`${layer}/etc/.wh.passwd`), Deno.errors.NotFound);
    await assert.rejects(Deno.lstat(`${layer}/var/cache/.wh..wh..opq`), Deno.errors.NotFound);
    const opaque = lgetxattr(`${layer}/var/cache`, "trusted.overlay.opaque");
    assert.equal(new TextDecoder().decode(opaque!), "y");
    assert.equal(await Deno.readTextFile(`${layer}/var/cache/new`), "new");
  });
});

Deno.test("unpackLayer() creates devices and FIFOs", async () => {
  await withLayerDir(async (_root, layer) => {
    await unpack([
      { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666, mtime },
      { name: "dev/loop9", type: "block-device", devmajor: 7, devminor: 9, mode: 0o660, mtime },
      { name: "run/fifo", type: "fifo", mode: 0o640, mtime },
    ], layer);
    const nullDevice = await Deno.lstat(`${layer}/dev/null`);
    assert.ok(nullDevice.isCharDevice);
    assert.equal(nullDevice.rdev, (1 << 8) | 3);
    assert.equal(nullDevice.mode! & 0o7777, 0o666);
    assert.ok((await Deno.lstat(`${layer}/dev/loop9`)).isBlockDevice);
    const fifo = await Deno.lstat(`${layer}/run/fifo`);
    assert.ok(fifo.isFifo);
    assert.equal(fifo.mode! & 0o7777, 0o640);
  });
});

Deno.test("unpackLayer() keeps binary and text xattrs from GNU tar PAX headers", async () => {
  await withLayerDir(async (root, layer) => {
    // A security.capability-like value that is not valid UTF-8.
    const binary = new Uint8Array([1, 0, 0, 2, 0, 0x20, 0, 0, 0xff, 0xfe, 0x80]);
    await Deno.mkdir(`${root}/src`);
    await Deno.writeTextFile(`${root}/src/ping`, "ping");
    lsetxattr(`${root}/src/ping`, "user.bin", binary);
    lsetxattr(`${root}/src/ping`, "user.text", new TextEncoder().encode("héllo"));
    const output = await new Deno.Command("tar", {
      args: [
        "-c",
        "--format=posix",
        "--xattrs",
        "--xattrs-include=user.*",
        "-C",
        `${root}/src`,
        ".",
      ],
      stdout: "piped",
    }).output();
    assert.ok(output.success);
    await unpackLayer(streamOf(output.stdout), layer, { layer: "sha256:xattr" });
    assert.deepEqual(lgetxattr(`${layer}/ping`, "user.bin"), binary);
    assert.equal(new TextDecoder().decode(lgetxattr(`${layer}/ping`, "user.text")!), "héllo");
  });
});

Deno.test("unpackLayer() applies user.*, security.capability and ACL xattrs and drops the rest", async () => {
  await withLayerDir(async (_root, layer) => {
    const text = (value: string) => new TextEncoder().encode(value);
    // VFS_CAP_REVISION_2 with the effective flag, permitting CAP_NET_RAW (bit 13).
    const capability = new Uint8Array(20);
    capability.set([1, 0, 0, 2, 0, 0x20]);
    // A POSIX ACL (version 2): user::rw-, user:1000:r--, group::r--, mask::r--, other::r--.
    const acl = new Uint8Array([
      2,
      0,
      0,
      0,
      1,
      0,
      6,
      0,
      255,
      255,
      255,
      255,
      2,
      0,
      4,
      0,
      0xe8,
      3,
      0,
      0,
      4,
      0,
      4,
      0,
      255,
      255,
      255,
      255,
      16,
      0,
      4,
      0,
      255,
      255,
      255,
      255,
      32,
      0,
      4,
      0,
      255,
      255,
      255,
      255,
    ]); // deno-fmt-ignore
    const dirXattrs = { "trusted.overlay.redirect": text("/usr"), "trusted.overlay.opaque": text("y") };
    const fileXattrs = {
      "trusted.overlay.metacopy": new Uint8Array(),
      "trusted.overlay.whiteout": new Uint8Array(),
      "trusted.other": text("t"),
      "security.selinux": text("system_u:object_r:etc_t:s0"),
      "security.ima": text("ima"),
      "security.capability": capability,
      "system.posix_acl_access": acl,
      "user.kept": text("kept"),
      "user.overlay.opaque": text("y"),
    };
    const archive = await buildLayerTar([
      { path: "dir", type: "dir", xattrs: dirXattrs },
      { path: "dir/file", type: "file", content: "file", xattrs: fileXattrs },
    ]);
    await unpackLayer(streamOf(archive), layer, { layer: "sha256:xattrs" });
    const kept = [
      "security.capability",
      "system.posix_acl_access",
      "user.kept",
      "user.overlay.opaque",
    ];
    for (const [path, xattrs] of [["dir", dirXattrs], ["dir/file", fileXattrs]] as const) {
      for (const [name, value] of Object.entries(xattrs)) {
        const want = kept.includes(name) ? value : null;
        assert.deepEqual(lgetxattr(`${layer}/${path}`, name), want, `${name} on ${path}`);
      }
    }
  });
});

Deno.test("unpackLayer() still marks opaque directories itself, after dropping the layer's xattrs", async () => {
  await withLayerDir(async (_root, layer) => {
    await unpack([
      { name: "a/", type: "directory", pax: { "SCHILY.xattr.trusted.overlay.opaque": "y" } },
      { name: "b/", type: "directory" },
      { name: "b/.wh..wh..opq", body: "" },
      { name: "b/", type: "directory", pax: { "SCHILY.xattr.trusted.overlay.opaque": "x" } },
    ], layer);
    assert.equal(lgetxattr(`${layer}/a`, "trusted.overlay.opaque"), null);
    assert.equal(new TextDecoder().decode(lgetxattr(`${layer}/b`, "trusted.overlay.opaque")!), "y");
  });
});

Deno.test("unpackLayer() lets a later entry replace an earlier one", async () => {
  await withLayerDir(async (_root, layer) => {
    await unpack([
      { name: "a", body: "first", mode: 0o644, mtime },
      { name: "b", body: "keep", mode: 0o644, mtime },
      { name: "c", type: "link", linkname: "b" },
      { name: "a", body: "second", mode: 0o644, mtime },
      { name: "c", body: "replaced", mode: 0o644, mtime },
      { name: "d/x", body: "x", mode: 0o644, mtime },
      { name: "d", type: "symlink", linkname: "a", mtime },
    ], layer);
    assert.equal(await Deno.readTextFile(`${layer}/a`), "second");
    assert.equal(await Deno.readTextFile(`${layer}/b`), "keep", "replacing a hardlink unlinks it");
    assert.equal(await Deno.readTextFile(`${layer}/c`), "replaced");
    assert.equal(await Deno.readLink(`${layer}/d`), "a");
  });
});

const ESCAPES: { name: string; entries: Entry[]; message: RegExp }[] = [
  {
    name: "a .. path",
    entries: [{ name: "../evil", body: "x", mode: 0o644 }],
    message: /entry "\.\.\/evil" escapes the layer/,
  },
  {
    name: "a nested .. path",
    entries: [{ name: "a/../../evil", body: "x", mode: 0o644 }],
    message: /entry "a\/\.\.\/\.\.\/evil" escapes the layer/,
  },
  {
    name: "a write through a symlinked directory",
    entries: [
      { name: "up", type: "symlink", linkname: ".." },
      { name: "up/evil", body: "x", mode: 0o644 },
    ],
    message: /entry "up\/evil" passes through the symlink "up"/,
  },
  {
    name: "a write through an absolute symlink",
    entries: [
      { name: "abs", type: "symlink", linkname: "/tmp" },
      { name: "abs/sub/evil", body: "x", mode: 0o644 },
    ],
    message: /entry "abs\/sub\/evil" passes through the symlink "abs"/,
  },
  {
    name: "a hardlink out of the layer",
    entries: [{ name: "evil", type: "link", linkname: "../outside" }],
    message: /entry "evil" links to "\.\.\/outside", which escapes the layer/,
  },
  {
    name: "a hardlink through a symlink",
    entries: [
      { name: "up", type: "symlink", linkname: ".." },
      { name: "evil", type: "link", linkname: "up/outside" },
    ],
    message: /entry "evil" links to "up\/outside", which passes through the symlink "up"/,
  },
  {
    name: "a hardlink to a file not in the layer",
    entries: [{ name: "evil", type: "link", linkname: "etc/shadow" }],
    message: /entry "evil" links to "etc\/shadow", which is not an earlier entry of the layer/,
  },
];

for (const { name, entries, message } of ESCAPES) {
  Deno.test(`unpackLayer() rejects ${name} and writes nothing outside`, async () => {
    await withLayerDir(async (root, layer) => {
      await Deno.writeTextFile(`${root}/outside`, "untouched");
      const error = await unpack(entries, layer).then(() => undefined, (e) => e);
      assert.ok(error instanceof LayerUnpackError, `got ${error}`);
      assert.match(error.message, /^Cannot unpack layer sha256:test: /);
      assert.match(error.message, message);
      const names = [...Deno.readDirSync(root)].map((entry) => entry.name).sort();
      assert.deepEqual(names, ["layer", "outside"]);
      assert.equal(await Deno.readTextFile(`${root}/outside`), "untouched");
      await assert.rejects(Deno.lstat("/tmp/evil"), Deno.errors.NotFound);
      await assert.rejects(Deno.lstat("/tmp/sub"), Deno.errors.NotFound);
    });
  });
}

Deno.test("unpackLayer() strips a leading slash instead of writing to the host root", async () => {
  await withLayerDir(async (_root, layer) => {
    await unpack([{ name: "/abs-file", body: "in", mode: 0o644, mtime }], layer);
    assert.equal(await Deno.readTextFile(`${layer}/abs-file`), "in");
    await assert.rejects(Deno.lstat("/abs-file"), Deno.errors.NotFound);
  });
});

Deno.test("unpackLayer() reports a truncated tar and still reads its input to the end", async () => {
  await withLayerDir(async (_root, layer) => {
    const bytes = await buildTar([{ name: "f", body: "x".repeat(5000), mode: 0o644 }]);
    let read = 0;
    const counted = streamOf(bytes.slice(0, 1500)).pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          read += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    await assert.rejects(
      unpackLayer(counted, layer, { layer: "sha256:short" }),
      /Cannot unpack layer sha256:short: malformed tar/,
    );
    assert.equal(read, 1500);
  });
});

Deno.test("unpackLayer() passes on an error of its input stream", async () => {
  await withLayerDir(async (_root, layer) => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("connection reset"));
      },
    });
    await assert.rejects(unpackLayer(failing, layer, { layer: "sha256:x" }), /connection reset/);
  });
});

/** Runs `body` with an empty layer directory on a fresh mount of `fstype` (`-o options`). */
async function withMountedLayer(
  fstype: string,
  options: string,
  body: (layer: string) => Promise<void>,
): Promise<void> {
  await withLayerDir(async (_root, layer) => {
    const mount = await new Deno.Command("mount", {
      args: ["-t", fstype, "-o", options, fstype, layer],
    }).output();
    assert.ok(mount.success, new TextDecoder().decode(mount.stderr));
    try {
      await body(layer);
    } finally {
      const umount = await new Deno.Command("umount", { args: [layer] }).output();
      if (!umount.success) await new Deno.Command("umount", { args: ["-l", layer] }).output();
      assert.ok(umount.success, "nothing stays open on the layer's file system");
    }
  });
}

Deno.test("unpackLayer() names no space left on device, reading its input to the end", async () => {
  await withMountedLayer("tmpfs", "size=1m", async (layer) => {
    const bytes = await buildTar([
      { name: "small", body: "small", mode: 0o644 },
      { name: "big", body: new Uint8Array(3 << 20), mode: 0o644 },
      { name: "after", body: "after", mode: 0o644 },
    ]);
    let read = 0;
    const counted = streamOf(bytes, 65536).pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          read += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    const error = await unpackLayer(counted, layer, { layer: "sha256:full" }).catch((e) => e);
    assert.ok(error instanceof LayerUnpackError);
    assert.equal(
      error.message,
      'Cannot unpack layer sha256:full: entry "big" cannot be written: no space left on device',
    );
    assert.equal(read, bytes.length);
  });
});

Deno.test("unpackLayer() names an xattr the file system lacks or the kernel rejects", async () => {
  await withMountedLayer("ramfs", "mode=755", async (layer) => {
    await assert.rejects(
      unpack([{ name: "f", body: "f", mode: 0o644, pax: { "SCHILY.xattr.user.x": "1" } }], layer),
      (error: Error) => {
        assert.equal(
          error.message,
          'Cannot unpack layer sha256:test: entry "f" has the xattr "user.x", ' +
            "which the store's file system does not support",
        );
        return true;
      },
    );
  });
  await withLayerDir(async (_root, layer) => {
    const bad = { "SCHILY.xattr.security.capability": "abc" };
    await assert.rejects(
      unpack([{ name: "f", body: "f", mode: 0o644, pax: bad }], layer),
      (error: Error) => {
        assert.equal(
          error.message,
          'Cannot unpack layer sha256:test: entry "f" has the xattr "security.capability", ' +
            "which the kernel rejects as invalid",
        );
        return true;
      },
    );
  });
});

Deno.test("unpackLayer() cuts an over-long path in its message to 200 characters", async () => {
  await withLayerDir(async (_root, layer) => {
    const name = `${"abcdefghi/".repeat(450)}f`;
    await assert.rejects(unpack([{ name, body: "x", mode: 0o644 }], layer), (error: Error) => {
      assert.equal(
        error.message,
        `Cannot unpack layer sha256:test: entry ${JSON.stringify(`${name.slice(0, 200)}…`)} ` +
          `(${name.length} characters) cannot be written: file name too long`,
      );
      return true;
    });
  });
});
