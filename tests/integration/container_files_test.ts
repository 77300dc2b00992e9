/**
 * `mydocker cp`, `diff` and `export` as a user runs them, on stopped and running containers,
 * compared with what Docker prints and writes.
 */

import assert from "node:assert/strict";
import { hostMounts, runMydocker } from "../../testing/mydocker.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const mydocker = (args: string[], stdin?: Uint8Array) =>
  runMydocker(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const tarList = async (bytes: Uint8Array): Promise<string[]> => {
  const child = new Deno.Command("tar", { args: ["-t"], stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(bytes);
  await writer.close();
  return new TextDecoder().decode((await child.output()).stdout).trim().split("\n");
};

const made = await mydocker([
  "run",
  "--name",
  "files",
  "--rootfs",
  rootfs,
  "x",
  "sh",
  "-c",
  "echo new > /tmp/new; rm /bin/true; mkdir -p /srv/d; echo f > /srv/d/f; ln -s /etc /srv/etc",
]);
assert.equal(made.code, 0, made.stderrText);

Deno.test("diff lists A, C and D lines in path order, without the setup's mount points", async () => {
  const result = await mydocker(["diff", "files"]);
  assert.equal(result.code, 0, result.stderrText);
  assert.equal(
    result.stdoutText,
    "C /bin\nD /bin/true\nA /srv\nA /srv/d\nA /srv/d/f\nA /srv/etc\nC /tmp\nA /tmp/new\n",
  );
});

Deno.test("diff of an unknown container fails with Docker's message", async () => {
  const result = await mydocker(["diff", "nothing"]);
  assert.equal(result.code, 125);
  assert.equal(result.stderrText, "mydocker: No such container: nothing\n");
});

Deno.test("export writes the merged root as a tar, to stdout or -o FILE", async () => {
  const result = await mydocker(["export", "files"]);
  assert.equal(result.code, 0, result.stderrText);
  const names = await tarList(result.stdout);
  assert.ok(names.includes("bin/busybox") && names.includes("tmp/new"), names.join(","));
  assert.ok(!names.includes("bin/true"), "a deleted file is not exported");
  const file = `${stateRoot}/export.tar`;
  assert.equal((await mydocker(["export", "-o", file, "files"])).code, 0);
  assert.deepEqual(await tarList(await Deno.readFile(file)), names);
  assert.deepEqual(hostMounts(stateRoot), []);
});

Deno.test("cp out of a stopped container: a file into a directory, a tree, a tar on stdout", async () => {
  const out = await Deno.makeTempDir();
  assert.equal((await mydocker(["cp", "files:/tmp/new", out])).code, 0);
  assert.equal(await Deno.readTextFile(`${out}/new`), "new\n");
  assert.equal((await mydocker(["cp", "files:/srv/d", `${out}/copy`])).code, 0);
  assert.equal(await Deno.readTextFile(`${out}/copy/f`), "f\n");
  assert.equal((await mydocker(["cp", "files:/srv/d", out])).code, 0);
  assert.equal(await Deno.readTextFile(`${out}/d/f`), "f\n");
  const tar = await mydocker(["cp", "files:/srv/d", "-"]);
  assert.deepEqual(await tarList(tar.stdout), ["d/", "d/f"]);
  const missing = await mydocker(["cp", "files:/nope", out]);
  assert.equal(missing.code, 125);
  assert.equal(missing.stderrText, "mydocker: Could not find the file /nope in container files\n");
  assert.deepEqual(hostMounts(stateRoot), []);
});

Deno.test("cp into a stopped container stays inside it through an absolute symlink", async () => {
  const source = `${await Deno.makeTempDir()}/host.txt`;
  await Deno.writeTextFile(source, "from host\n");
  assert.equal((await mydocker(["cp", source, "files:/srv/etc/"])).code, 0);
  const result = await mydocker(["cp", "files:/etc/host.txt", "-"]);
  assert.deepEqual(await tarList(result.stdout), ["host.txt"]);
  await assert.rejects(Deno.stat("/etc/host.txt"));
  const diff = await mydocker(["diff", "files"]);
  assert.match(diff.stdoutText, /^C \/etc\nA \/etc\/host\.txt$/m);
});

Deno.test("cp reaches a running container through its root, and a tar from stdin", async () => {
  const started = await mydocker([
    "run",
    "-d",
    "--name",
    "live",
    "--rootfs",
    rootfs,
    "x",
    "sleep",
    "60",
  ]);
  assert.equal(started.code, 0, started.stderrText);
  try {
    const tar = await mydocker(["cp", "files:/srv/d", "-"]);
    const copied = await mydocker(["cp", "-", "live:/tmp"], tar.stdout);
    assert.equal(copied.code, 0, copied.stderrText);
    const cat = await mydocker(["exec", "live", "cat", "/tmp/d/f"]);
    assert.equal(cat.stdoutText, "f\n");
  } finally {
    await mydocker(["rm", "-f", "live"]);
  }
});
