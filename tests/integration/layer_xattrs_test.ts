/**
 * Overlayfs control xattrs (`trusted.overlay.*`) carried by an image's layers must not change what
 * the container sees: only mydocker's own whiteout conversion may set them.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage, type TarEntry } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { lgetxattr } from "../../sys/xattr.ts";

const registry = await startRegistry({ tls: false, tokenAuth: false });
const root = await Deno.makeTempDir({ prefix: "mydocker-test-xattrs-" });
const env = { ...registry.env, MYDOCKER_ROOT: root };
const dir = (path: string, xattrs?: Record<string, string>): TarEntry =>
  xattrs === undefined ? { path, type: "dir" } : { path, type: "dir", xattrs };
const file = (path: string, content: string, xattrs?: Record<string, string>): TarEntry =>
  xattrs === undefined ? { path, type: "file", content } : { path, type: "file", content, xattrs };

/** A file capability (VFS_CAP_REVISION_2, effective) granting CAP_NET_RAW: bit 13. */
const NET_RAW_CAPABILITY = new Uint8Array([
  0x01,
  0x00,
  0x00,
  0x02,
  0x00,
  0x20,
  0x00,
  0x00,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
]); // deno-fmt-ignore

const image = `${registry.host}/xattrs:v1`;
await pushImage(registry, "xattrs", "v1", {
  layers: [
    {
      entries: [
        ...await busyboxEntries(),
        dir("shown"),
        file("shown/real", "real\n"),
        dir("hidden"),
        file("hidden/secret", "secret\n"),
        dir("opaque"),
        file("opaque/kept", "kept\n"),
        dir("wo"),
        file("wo/victim", "victim\n"),
        dir("meta"),
        file("meta/file", "lower\n"),
      ],
    },
    {
      entries: [
        // A directory redirected to another one of the lower layers (followed on hosts with
        // redirect_always_follow, the kernel's default).
        dir("shown", { "trusted.overlay.redirect": "/hidden" }),
        // An opaque directory hides the lower layers' entries.
        dir("opaque", { "trusted.overlay.opaque": "y" }),
        // An xattr whiteout (overlayfs since Linux 6.7) in a directory that allows them.
        dir("wo", { "trusted.overlay.opaque": "x" }),
        file("wo/victim", "", { "trusted.overlay.whiteout": "" }),
        // A metacopy file: metadata only, its data from the lower layer.
        file("meta/file", "upper\n", { "trusted.overlay.metacopy": "" }),
        {
          path: "caps",
          type: "file",
          content: "caps\n",
          xattrs: {
            "security.capability": NET_RAW_CAPABILITY,
            "security.evil": "x",
            "trusted.evil": "x",
            "user.kept": "kept",
          },
        },
      ],
    },
  ],
});

Deno.test("overlay xattrs from an image's layers change nothing the container sees", async () => {
  const result = await runMydocker(
    ["run", "--rm", "-q", image, "sh", "-c", "ls /shown /opaque /wo; cat /wo/victim /meta/file"],
    { env },
  );
  assert.deepEqual(
    { stdout: result.stdoutText, stderr: result.stderrText, code: result.code },
    { stdout: "/opaque:\nkept\n\n/shown:\nreal\n\n/wo:\nvictim\nupper\n", stderr: "", code: 0 },
  );
});

Deno.test("pull keeps security.capability and user.* xattrs, drops other security.* and trusted.*", async () => {
  assert.equal((await runMydocker(["pull", "-q", image], { env })).code, 0);
  const layers = [...Deno.readDirSync(`${root}/layers`)].map((entry) => entry.name);
  const top = layers.find((hex) => {
    try {
      return Deno.lstatSync(`${root}/layers/${hex}/diff/caps`).isFile;
    } catch {
      return false;
    }
  });
  assert.ok(top !== undefined, "the layer holding /caps is stored");
  const caps = `${root}/layers/${top}/diff/caps`;
  assert.deepEqual(lgetxattr(caps, "security.capability"), NET_RAW_CAPABILITY);
  assert.equal(new TextDecoder().decode(lgetxattr(caps, "user.kept")!), "kept");
  assert.equal(lgetxattr(caps, "security.evil"), null);
  assert.equal(lgetxattr(caps, "trusted.evil"), null);
  assert.equal(lgetxattr(`${root}/layers/${top}/diff/shown`, "trusted.overlay.redirect"), null);
});

Deno.test("layer xattrs cleanup: the store and registry are removed", async () => {
  assert.equal((await runMydocker(["rmi", image], { env })).code, 0);
  await registry.stop();
  await Deno.remove(root, { recursive: true });
});
