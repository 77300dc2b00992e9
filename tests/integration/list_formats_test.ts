/**
 * `ps --format`, `images` (CREATED, `--digests`, `-a`, `-q`, `--format`) and `rmi`'s output as a
 * user runs them, against Docker's documented placeholders, headers and lines.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const bed = await makeTestBed();
const registry = await startRegistry({ tls: false, tokenAuth: false });
const env = { ...registry.env, ...bed.env };
const mydocker = async (...args: string[]) => {
  const result = await runMydocker(args, { env });
  assert.equal(result.code, 0, result.stderrText);
  return result;
};
const pushed = await pushImage(registry, "listed", "v1", {
  layers: [{ entries: await busyboxEntries() }],
});
const image = `${registry.host}/listed:v1`;
await mydocker("pull", "-q", image);

Deno.test("ps --format: Docker's placeholders, table headers, json, and -q winning", async () => {
  const run = await runMydocker(["run", "--name", "fmt_exited", image, "sh", "-c", "exit 4"], {
    env,
  });
  assert.equal(run.code, 4, run.stderrText);
  const line = (await mydocker(
    "ps",
    "-a",
    "-f",
    "name=fmt_exited",
    "--format",
    "{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Status}}|{{.RunningFor}}|{{.CreatedAt}}",
  )).stdoutText;
  assert.match(
    line,
    new RegExp(
      `^fmt_exited\\|${image}\\|"sh -c exit 4"\\|exited\\|Exited \\(4\\) (Less than a second|\\d seconds?) ago\\|(Less than a second|\\d seconds?) ago\\|\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+0000 UTC\\n$`,
    ),
  );
  const table = (await mydocker(
    "ps",
    "-a",
    "-f",
    "name=fmt_exited",
    "--format",
    "table {{.ID}}\\t{{.Names}}\\t{{.State}}",
  )).stdoutText.split("\n");
  assert.equal(table[0], "CONTAINER ID   NAMES        STATE");
  assert.match(table[1]!, /^[0-9a-f]{12} {3}fmt_exited {3}exited$/);
  const json = JSON.parse(
    (await mydocker("ps", "-a", "-f", "name=fmt_exited", "--format", "json")).stdoutText,
  );
  assert.equal(json.Names, "fmt_exited");
  assert.equal(json.State, "exited");
  assert.equal(json.Size, "0B");
  assert.match(json.ID, /^[0-9a-f]{12}$/);
  const quiet = await mydocker("ps", "-a", "-q", "-f", "name=fmt_exited", "--format", "{{.Names}}");
  assert.equal(quiet.stdoutText, `${json.ID}\n`);
  assert.equal(
    quiet.stderrText,
    "WARNING: Ignoring custom format, because both --format and --quiet are set.\n",
  );
  const sized = await mydocker("ps", "-a", "-f", "name=fmt_exited", "--format", "{{.Size}}");
  assert.match(sized.stdoutText, /^\d+(\.\d+)?k?B \(virtual \d+(\.\d+)?[kM]?B\)\n$/);
  const bad = await runMydocker(["ps", "--format", "{{.Nope}}", "-a"], { env });
  assert.equal(bad.code, 125);
  assert.match(bad.stderrText, /can't evaluate field Nope/);
});

Deno.test("images: Docker's CREATED column, --digests, -a, -q and --format", async () => {
  const id = pushed.configDigest.slice("sha256:".length, "sha256:".length + 12);
  const rows = (await mydocker("images")).stdoutText.split("\n");
  assert.match(rows[0]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
  const row = rows.find((r) => r.startsWith(`${registry.host}/listed `))!;
  assert.match(row, new RegExp(`^\\S+ +v1 +${id} +\\d+ (years|months) ago +\\d+(\\.\\d+)?MB$`));
  assert.equal(row.indexOf(id), rows[0]!.indexOf("IMAGE ID"));
  const digests = (await mydocker("images", "--digests", "-a")).stdoutText.split("\n");
  assert.match(digests[0]!, /^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
  assert.ok(digests.some((r) => r.includes(` ${pushed.digest} `)));
  assert.ok((await mydocker("images", "-q")).stdoutText.split("\n").includes(id));
  const formatted = await mydocker(
    "images",
    "--format",
    "{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}} {{.CreatedAt}}",
  );
  assert.ok(
    formatted.stdoutText.split("\n").includes(
      `${image} ${id} ${pushed.digest} 2024-01-01 00:00:00 +0000 UTC`,
    ),
  );
  const table = await mydocker("images", "--format", "table {{.ID}}\\t{{.CreatedSince}}");
  assert.match(table.stdoutText, /^IMAGE ID {7}CREATED\n/);
  const json = (await mydocker("images", "--format", "json")).stdoutText.trim().split("\n")
    .map((l) => JSON.parse(l));
  const listed = json.find((i) => i.Tag === "v1");
  assert.equal(listed.ID, id);
  assert.equal(listed.Containers, "N/A");
  assert.match(listed.Size, /MB$/);
  const quietCustom = await mydocker("images", "-q", "--format", "{{.Tag}}");
  assert.ok(quietCustom.stdoutText.split("\n").includes("v1"));
});

Deno.test("rmi prints Docker's Untagged: and Deleted: lines; -f removes an image a container uses", async () => {
  const kept = (await mydocker("ps", "-aq")).stdoutText.trim().split("\n").filter(Boolean);
  if (kept.length > 0) await mydocker("rm", "-f", ...kept);
  await mydocker("tag", image, "second/name:two");
  assert.equal(
    (await mydocker("rmi", "second/name:two")).stdoutText,
    "Untagged: second/name:two\n",
  );
  await mydocker("tag", image, "used:one");
  assert.equal((await mydocker("rmi", image)).stdoutText, `Untagged: ${image}\n`);
  await mydocker("run", "--name", "rmi_user", "used:one", "true");
  const refused = await runMydocker(["rmi", "used:one"], { env });
  assert.equal(refused.code, 125);
  assert.match(refused.stderrText, /^mydocker: Cannot remove image "used:one": container rmi_user/);
  assert.equal((await mydocker("rmi", "-f", "used:one")).stdoutText, "Untagged: used:one\n");
  assert.equal((await mydocker("images", "-q")).stdoutText, "");
  await mydocker("rm", "rmi_user");
  await mydocker("pull", "-q", image);
  const deleted = await mydocker("rmi", image);
  assert.equal(deleted.stdoutText, `Untagged: ${image}\nDeleted: ${pushed.configDigest}\n`);
});
