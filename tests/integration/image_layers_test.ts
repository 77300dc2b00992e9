/**
 * Images as real registries serve them, against a plain-HTTP registry: the same layer listed
 * twice, 120 layers, a tag moved under a running container, `--platform` against a stored image
 * of another platform, and `-u UID:GID`'s supplementary group.
 */

import assert from "node:assert/strict";
import {
  busyboxEntries,
  pushImage,
  pushIndex,
  type TarEntry,
} from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";

const registry = await startRegistry({ tls: false, tokenAuth: false });
const root = await Deno.makeTempDir({ prefix: "mydocker-test-layers-" });
const env = { ...registry.env, MYDOCKER_ROOT: root };
const mydocker = (...args: string[]) => runMydocker(args, { env });
const text = (content: string) => new TextEncoder().encode(content);
const file = (path: string, content: string): TarEntry => ({
  path,
  type: "file",
  content: text(content),
});
const base = { entries: [...await busyboxEntries(), { path: "tmp", type: "dir" } as TarEntry] };
const empty = { entries: [] };
const copied = { entries: [file("app/data", "same\n")] };

Deno.test("an image listing the same layer twice (empty layers, identical COPY layers) runs", async () => {
  const image = `${registry.host}/dup:v1`;
  const pushed = await pushImage(registry, "dup", "v1", {
    layers: [base, empty, copied, empty, { entries: [file("app/other", "x\n")] }, copied],
  });
  const result = await mydocker("run", "--rm", image, "cat", "/app/data", "/app/other");
  assert.equal(result.stdoutText, "same\nx\n", result.stderrText);
  assert.equal(result.code, 0);
  const emptyDigest = pushed.layers[1]!.descriptor.digest.slice("sha256:".length, 19);
  const mentions = result.stderrText.split("\n").filter((line) => line.startsWith(emptyDigest));
  assert.deepEqual(mentions, [`${emptyDigest}: Pull complete`]);
  const again = await mydocker("run", "--rm", image, "cat", "/app/data");
  assert.equal(again.stdoutText, "same\n");
});

Deno.test("an image of 120 layers runs (its overlay options do not fit in one page)", async () => {
  const layers = [base];
  for (let index = 1; index < 120; index++) {
    layers.push({ entries: [file(`layers/${String(index).padStart(3, "0")}`, `${index}\n`)] });
  }
  await pushImage(registry, "tall", "v1", { layers });
  const result = await mydocker(
    "run",
    "--rm",
    "-q",
    `${registry.host}/tall:v1`,
    "sh",
    "-c",
    "ls /layers | wc -l; cat /layers/001 /layers/119",
  );
  assert.equal(result.stdoutText.replaceAll(" ", ""), "119\n1\n119\n", result.stderrText);
});

Deno.test("a tag moved by a pull and rmi of the new image leave a running container's files", async () => {
  const image = `${registry.host}/moving:v1`;
  await pushImage(registry, "moving", "v1", {
    layers: [base, { entries: [file("old", "old\n")] }],
  });
  const started = await mydocker("run", "-d", "-q", "--name", "live", image, "sleep", "600");
  assert.equal(started.code, 0, started.stderrText);
  try {
    await pushImage(registry, "moving", "v1", {
      layers: [base, { entries: [file("new", "n\n")] }],
    });
    assert.equal((await mydocker("pull", "-q", image)).code, 0);
    const removed = await mydocker("rmi", image);
    // As Docker: the name, then the image itself once its last name is gone.
    assert.match(
      removed.stdoutText,
      new RegExp(`^Untagged: ${image.replaceAll(".", "\\.")}\nDeleted: sha256:[0-9a-f]{64}\n$`),
      removed.stderrText,
    );
    const seen = await mydocker("exec", "live", "cat", "/old");
    assert.equal(seen.stdoutText, "old\n", seen.stderrText);
    const listed = await mydocker("images");
    assert.doesNotMatch(listed.stdoutText, /moving/);
  } finally {
    await mydocker("rm", "-f", "live");
  }
});

Deno.test("--platform picks among stored images: another platform is re-pulled, or refused with --pull never", async () => {
  const platformImage = (architecture: string, variant?: string) =>
    pushImage(registry, "multi", undefined, {
      layers: [base, { entries: [file("arch", `${architecture}\n`)] }],
      platform: { os: "linux", architecture, ...(variant === undefined ? {} : { variant }) },
    });
  await pushIndex(registry, "multi", "latest", [
    await platformImage("amd64"),
    await platformImage("arm64", "v8"),
  ]);
  const image = `${registry.host}/multi`;
  assert.equal((await mydocker("pull", "-q", "--platform", "linux/arm64", image)).code, 0);
  const never = await mydocker(
    "run",
    "--rm",
    "--pull",
    "never",
    "--platform",
    "linux/amd64",
    image,
    "cat",
    "/arch",
  );
  assert.equal(never.code, 125);
  assert.match(
    never.stderrText,
    /^mydocker: Cannot run ".*\/multi": image does not match the specified platform: wanted linux\/amd64, actual: linux\/arm64\/v8 \(--pull never\)\n$/,
  );
  const amd64 = await mydocker(
    "run",
    "--rm",
    "-q",
    "--platform",
    "linux/amd64",
    image,
    "cat",
    "/arch",
  );
  assert.equal(amd64.stdoutText, "amd64\n", amd64.stderrText);
  const bogus = await mydocker("run", "--rm", "--platform", "bogus", image, "true");
  assert.equal(bogus.code, 125);
  assert.match(bogus.stderrText, /^mydocker: Cannot parse platform "bogus"/);
});

Deno.test("-u UID:GID makes GID a supplementary group, as Docker does", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    "-q",
    "-u",
    "1000:1000",
    `${registry.host}/dup:v1`,
    "id",
  );
  assert.equal(result.stdoutText, "uid=1000 gid=1000 groups=1000\n", result.stderrText);
});

Deno.test("image layers: clean up", async () => {
  await registry.stop();
  await Deno.remove(root, { recursive: true });
});
