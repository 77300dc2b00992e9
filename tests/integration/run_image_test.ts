/**
 * `mydocker run IMAGE`, `pull`, `images` and `rmi` as a user runs them, against a real registry
 * over TLS with token authentication.
 */

import assert from "node:assert/strict";
import {
  busyboxEntries,
  pushImage,
  pushIndex,
  type TarEntry,
} from "../../testing/image_builder.ts";
import { assertNoContainerDirs, hostMounts, runMydocker } from "../../testing/mydocker.ts";
import { fileTree } from "../../testing/file_tree.ts";
import { startRegistry } from "../../testing/registry_server.ts";

const registry = await startRegistry({ tls: true, tokenAuth: true });
const text = (content: string) => new TextEncoder().encode(content);
const dir = (path: string): TarEntry => ({ path, type: "dir" });
const TOP_LEVEL = ["bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var"];

const baseLayer = {
  entries: [
    ...await busyboxEntries(),
    ...["dev", "home", "proc", "sys", "usr", "var"].map(dir),
    { path: "etc/passwd", type: "file", content: text("root:x:0:0:root:/root:/bin/sh\n") },
    { path: "etc/deleted", type: "file", content: text("gone\n") },
    { path: "var/cache/old.txt", type: "file", content: text("old\n") },
  ] satisfies TarEntry[],
};
await pushImage(registry, "library/base", "latest", {
  layers: [baseLayer],
  config: { Cmd: ["sh", "-c", "echo default command"], Env: ["FROM_IMAGE=1"] },
});
await pushImage(registry, "app", "v1", {
  layers: [
    baseLayer,
    {
      compression: "zstd",
      entries: [
        { path: "etc/.wh.deleted", type: "file" },
        { path: "var/cache/.wh..wh..opq", type: "file" },
        { path: "var/cache/new.txt", type: "file", content: text("new\n") },
        { path: "srv", type: "dir" },
        { path: "srv/app.txt", type: "file", content: text("app\n"), mode: 0o600, uid: 1000 },
      ],
    },
  ],
  config: {
    Entrypoint: ["/bin/sh", "-c"],
    Cmd: ["echo from cmd; pwd"],
    WorkingDir: "/srv",
    Env: ["APP=1", "PATH=/usr/bin:/bin"],
  },
});

const LONG_PATH = `deep/${"d".repeat(60)}/${"e".repeat(60)}/file-with-a-long-name.txt`;
await pushImage(registry, "files", "v1", {
  layers: [
    { entries: baseLayer.entries, compression: "none" },
    {
      compression: "gzip",
      entries: [
        { path: "files", type: "dir" },
        { path: "files/setuid", type: "file", mode: 0o4755, content: text("#!/bin/sh\n") },
        { path: "files/secret", type: "file", mode: 0o600, content: text("secret\n") },
        { path: "files/owned", type: "file", uid: 1000, gid: 1000, content: text("mine\n") },
        { path: "files/link", type: "symlink", linkname: "secret" },
        { path: "files/hard", type: "hardlink", linkname: "files/secret" },
        { path: LONG_PATH, type: "file", content: text("long\n") },
      ],
    },
    {
      compression: "zstd",
      entries: [{ path: "files/zstd.txt", type: "file", content: text("zstd layer\n") }],
    },
  ],
});
const amd64 = await pushImage(registry, "multi", undefined, {
  layers: [baseLayer, { entries: [{ path: "arch", type: "file", content: text("amd64\n") }] }],
  platform: { os: "linux", architecture: "amd64" },
});
const arm64 = await pushImage(registry, "multi", undefined, {
  layers: [baseLayer, { entries: [{ path: "arch", type: "file", content: text("arm64\n") }] }],
  platform: { os: "linux", architecture: "arm64", variant: "v8" },
});
await pushIndex(registry, "multi", "latest", [{ attestationFor: amd64 }, amd64, arm64]);

const root = await Deno.makeTempDir({ prefix: "mydocker-test-store-" });
const env = { ...registry.env, MYDOCKER_ROOT: root };
const mydocker = (...args: string[]) => runMydocker(args, { env });
const baseImage = `${registry.host}/library/base`;
const appImage = `${registry.host}/app:v1`;

Deno.test("run IMAGE pulls it and `ls /` lists exactly the image's top-level entries", async () => {
  const before = hostMounts(root);
  const result = await mydocker("run", "--rm", baseImage, "/bin/sh", "-c", "/bin/ls /");
  assert.match(
    result.stderrText,
    new RegExp(
      `^Unable to find image '${baseImage}:latest' locally\nlatest: Pulling from ${baseImage}\n` +
        "[0-9a-f]{12}: Pull complete\nDigest: sha256:[0-9a-f]{64}\n" +
        `Status: Downloaded newer image for ${baseImage}:latest\n$`,
    ),
  );
  assert.equal(result.stdoutText, TOP_LEVEL.map((name) => `${name}\n`).join(""));
  assert.equal(result.code, 0);
  assert.deepEqual(hostMounts(root), before);
  assertNoContainerDirs(root);
});

Deno.test("run IMAGE uses the image's Cmd, Env, Entrypoint and WorkingDir", async () => {
  const byDefault = await mydocker("run", "--rm", baseImage);
  assert.equal(byDefault.stdoutText, "default command\n");
  const env = await mydocker("run", "--rm", baseImage, "sh", "-c", "echo $FROM_IMAGE");
  assert.equal(env.stdoutText, "1\n");
  const app = await mydocker("run", "--rm", appImage);
  assert.equal(app.stdoutText, "from cmd\n/srv\n");
  const args = await mydocker("run", "--rm", appImage, "echo given");
  assert.equal(args.stdoutText, "given\n");
  const entrypoint = await mydocker("run", "--rm", "--entrypoint", "cat", appImage, "/srv/app.txt");
  assert.equal(entrypoint.stdoutText, "app\n");
});

Deno.test("run IMAGE shows whiteouts, opaque directories and owners across layers", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    appImage,
    "ls /etc; ls /var/cache; stat -c '%a %u' /srv/app.txt",
  );
  assert.equal(result.stdoutText, "hostname\nhosts\npasswd\nresolv.conf\nnew.txt\n600 1000\n");
});

Deno.test("run IMAGE sees setuid, 0600, uid 1000, symlinks, hardlinks and long paths", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    `${registry.host}/files:v1`,
    "sh",
    "-c",
    "cd /files; stat -c '%n %a %u:%g %h' setuid secret owned hard; readlink link; " +
      `cat zstd.txt /${LONG_PATH}; [ secret -ef hard ] && echo same-inode`,
  );
  assert.doesNotMatch(result.stderrText, /mydocker:/);
  assert.equal(
    result.stdoutText,
    "setuid 4755 0:0 1\nsecret 600 0:0 2\nowned 644 1000:1000 1\nhard 600 0:0 2\nsecret\n" +
      "zstd layer\nlong\nsame-inode\n",
  );
});

Deno.test("run picks the platform from an index, skipping attestations; --platform overrides", async () => {
  const host = Deno.build.arch === "x86_64" ? "amd64" : "arm64";
  const native = await mydocker("run", "--rm", `${registry.host}/multi`, "cat", "/arch");
  assert.equal(native.stdoutText, `${host}\n`);
  const other = host === "amd64" ? "arm64" : "amd64";
  const chosen = await mydocker(
    "run",
    "--rm",
    "--pull",
    "always",
    "--platform",
    `linux/${other}`,
    `${registry.host}/multi`,
    "cat",
    "/arch",
  );
  assert.equal(chosen.stdoutText, `${other}\n`);
  const none = await mydocker("pull", "-q", "--platform", "linux/s390x", `${registry.host}/multi`);
  assert.equal(none.code, 125);
  assert.match(
    none.stderrText,
    /no matching manifest for linux\/s390x in the manifest list entries\n$/,
  );
});

Deno.test("images lists what was pulled, and rmi keeps layers another image uses", async () => {
  const listed = await mydocker("images");
  const lines = listed.stdoutText.trim().split("\n");
  assert.match(lines[0]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
  assert.ok(lines.some((line) => line.startsWith(`${registry.host}/library/base `)));
  assert.ok(lines.some((line) => /^\S+\/app +v1 +[0-9a-f]{12} /.test(line)));
  const removed = await mydocker("rmi", baseImage);
  assert.equal(removed.code, 0);
  assert.match(
    removed.stdoutText,
    /^Untagged: \S+\/library\/base:latest\nDeleted: sha256:[0-9a-f]{64}\n$/,
  );
  const stillRuns = await mydocker("run", "--rm", "--pull", "never", appImage, "cat /etc/passwd");
  assert.equal(stillRuns.stdoutText, "root:x:0:0:root:/root:/bin/sh\n");
  const again = await mydocker("rmi", baseImage);
  assert.equal(again.code, 125);
  assert.match(again.stderrText, /^mydocker: No such image: .*library\/base:latest\n$/);
});

Deno.test("run --pull never on a missing image exits 125 and stores nothing", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    "--pull",
    "never",
    `${registry.host}/missing`,
    "true",
  );
  assert.equal(result.code, 125);
  assert.equal(result.stdoutText, "");
  assert.match(result.stderrText, /^mydocker: Cannot run ".*\/missing": no such image.*\n$/);
});

Deno.test("pull of an unknown image or a bad reference exits 125 with one clear line", async () => {
  const unknown = await mydocker("pull", "-q", `${registry.host}/nothing:here`);
  assert.equal(unknown.code, 125);
  assert.match(
    unknown.stderrText,
    /^mydocker: Cannot pull ".*\/nothing:here": manifest unknown\n$/,
  );
  const bad = await mydocker("run", "--rm", "Bad/Name", "true");
  assert.equal(bad.code, 125);
  assert.equal(
    bad.stderrText,
    'mydocker: Cannot parse image reference "Bad/Name": repository name must be lowercase\n',
  );
});

Deno.test("pull on a non-terminal prints a few plain lines on stderr, the reference on stdout", async () => {
  const result = await mydocker("pull", baseImage);
  assert.equal(result.code, 0);
  assert.equal(result.stdoutText, `${baseImage}:latest\n`);
  const quiet = await mydocker("pull", "-q", baseImage);
  assert.deepEqual([quiet.stdoutText, quiet.stderrText], [`${baseImage}:latest\n`, ""]);
  const lines = result.stderrText.trim().split("\n");
  assert.equal(lines[0], `latest: Pulling from ${registry.host}/library/base`);
  assert.match(lines.at(-2)!, /^Digest: sha256:[0-9a-f]{64}$/);
  assert.match(lines.at(-1)!, /^Status: (Downloaded newer image|Image is up to date) for /);
});

Deno.test("run IMAGE from a plain-HTTP registry; escaping and corrupt layers exit 125, store unchanged", async () => {
  const plain = await startRegistry({ tls: false, tokenAuth: false });
  try {
    await pushImage(plain, "library/base", "latest", { layers: [baseLayer] });
    await pushImage(plain, "evil", "dotdot", {
      layers: [baseLayer, { entries: [{ path: "../escaped", type: "file", content: text("x") }] }],
    });
    const corrupt = await pushImage(plain, "evil", "corrupt", {
      layers: [baseLayer, {
        entries: [{ path: "f", type: "file", content: text("x".repeat(999)) }],
      }],
    });
    const layer = corrupt.layers[1]!.descriptor.digest;
    await plain.corruptBlob(layer);
    const run = (...args: string[]) =>
      runMydocker(args, { env: { ...plain.env, MYDOCKER_ROOT: root } });
    const ok = await run("run", "--rm", "-q", `${plain.host}/library/base`, "/bin/ls", "/");
    assert.equal(ok.stdoutText, TOP_LEVEL.map((name) => `${name}\n`).join(""));
    assert.equal(ok.stderrText, "");
    const before = fileTree(root);
    const escaping = await run("run", "--rm", "-q", `${plain.host}/evil:dotdot`, "true");
    assert.equal(escaping.code, 125);
    assert.match(
      escaping.stderrText,
      /^mydocker: Cannot pull ".*\/evil:dotdot": Cannot unpack layer sha256:[0-9a-f]{64}: entry "\.\.\/escaped" escapes the layer\n$/,
    );
    assert.deepEqual(fileTree(root), before);
    const corrupted = await run("run", "--rm", "-q", `${plain.host}/evil:corrupt`, "true");
    assert.equal(corrupted.code, 125);
    assert.match(
      corrupted.stderrText,
      new RegExp(
        `^mydocker: Cannot pull ".*/evil:corrupt": Digest mismatch for ${layer}: got sha256:[0-9a-f]{64}\n$`,
      ),
    );
    assert.deepEqual(fileTree(root), before);
    await assert.rejects(Deno.stat(`${root}/escaped`));
    assert.equal((await run("rmi", `${plain.host}/library/base`)).code, 0);
  } finally {
    await plain.stop();
  }
});

Deno.test("rmi refuses an image a kept container was made from, until the container is gone", async () => {
  await pushImage(registry, "inuse", "v1", { layers: [baseLayer] });
  const image = `${registry.host}/inuse:v1`;
  const run = await mydocker("run", "--name", "user-of-inuse", image, "true");
  assert.equal(run.code, 0);
  const refused = await mydocker("rmi", image);
  assert.equal(refused.code, 125);
  assert.match(
    refused.stderrText,
    /^mydocker: Cannot remove image ".*\/inuse:v1": container user-of-inuse \([0-9a-f]{12}\) uses it; remove the container first\n$/,
  );
  assert.equal((await mydocker("run", "--rm", "--pull", "never", image, "true")).code, 0);
  assert.equal((await mydocker("rm", "user-of-inuse")).code, 0);
  // As Docker: the name, then the image itself once its last name is gone.
  assert.match(
    (await mydocker("rmi", image)).stdoutText,
    new RegExp(`^Untagged: ${image.replaceAll(".", "\\.")}\nDeleted: sha256:[0-9a-f]{64}\n$`),
  );
});

Deno.test("run cleanup: the store and registry are left as found", async () => {
  await mydocker("rmi", appImage, baseImage, `${registry.host}/files:v1`, `${registry.host}/multi`);
  const listed = await mydocker("images", "-q");
  assert.equal(listed.stdoutText, "");
  await registry.stop();
  await Deno.remove(root, { recursive: true });
});
