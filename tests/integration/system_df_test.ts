/**
 * `system df -v` as a user runs it: Docker's headings and tables of each image (its size, the
 * part shared with other images, its own part, its containers), container (volumes, writable
 * layer, status) and volume (links, size), and the empty build cache.
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
const base = { entries: await busyboxEntries() };
const file = (bytes: number) => ({
  entries: [{ path: "extra", type: "file" as const, content: new Uint8Array(bytes) }],
});
await pushImage(registry, "dfbase", "v1", { layers: [base] });
await pushImage(registry, "dfextra", "v1", { layers: [base, file(30_000)] });
const host = registry.host;
await mydocker("pull", "-q", `${host}/dfbase:v1`);
await mydocker("pull", "-q", `${host}/dfextra:v1`);

/** The rows of the table under `heading` in `text`, cells split at runs of spaces. */
function table(text: string, heading: string): string[][] {
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  assert.notEqual(start, -1, `no "${heading}" in ${text}`);
  assert.equal(lines[start + 1], "");
  const end = lines.indexOf("", start + 2);
  return lines.slice(start + 2, end === -1 ? undefined : end).map((line) => line.split(/ {2,}/));
}

Deno.test("system df -v: each image, container and volume under Docker's headings", async () => {
  await mydocker(
    "run",
    "--name",
    "df_user",
    "-v",
    "dfvolume:/data",
    `${host}/dfextra:v1`,
    "sh",
    "-c",
    "head -c 12000 /dev/zero > /data/z; head -c 5000 /dev/zero > /layer",
  );
  const text = (await mydocker("system", "df", "-v")).stdoutText;
  const images = table(text, "Images space usage:");
  assert.deepEqual(images[0], [
    "REPOSITORY",
    "TAG",
    "IMAGE ID",
    "CREATED",
    "SIZE",
    "SHARED SIZE",
    "UNIQUE SIZE",
    "CONTAINERS",
  ]);
  const byName = new Map(images.slice(1).map((row) => [row[0], row]));
  const plain = byName.get(`${host}/dfbase`)!;
  const extra = byName.get(`${host}/dfextra`)!;
  assert.deepEqual([plain[1], plain[7]], ["v1", "0"]);
  assert.deepEqual([extra[1], extra[7]], ["v1", "1"]);
  assert.match(plain[2]!, /^[0-9a-f]{12}$/);
  // The base layer is shared: all of dfbase, and all of dfextra but its own 30 kB layer.
  assert.match(plain[5]!, /^2(\.\d+)?MB$/);
  assert.equal(plain[6], "0B");
  assert.match(extra[6]!, /^3\d(\.\d+)?kB$/);

  const containers = table(text, "Containers space usage:");
  assert.deepEqual(containers[0], [
    "CONTAINER ID",
    "IMAGE",
    "COMMAND",
    "LOCAL VOLUMES",
    "SIZE",
    "CREATED",
    "STATUS",
    "NAMES",
  ]);
  const [id, image, command, volumes, size, , status, name] = containers[1]!;
  assert.match(id!, /^[0-9a-f]{12}$/);
  assert.deepEqual([image, command, volumes, name], [
    `${host}/dfextra:v1`,
    '"sh -c head -c 12000…"',
    "1",
    "df_user",
  ]);
  assert.match(size!, /^5(\.\d+)?kB$/);
  assert.match(status!, /^Exited \(0\) /);

  assert.deepEqual(table(text, "Local Volumes space usage:"), [
    ["VOLUME NAME", "LINKS", "SIZE"],
    ["dfvolume", "1", "12kB"],
  ]);
  assert.match(
    text,
    /\nBuild cache usage: 0B\n\nCACHE ID {3}CACHE TYPE {3}SIZE {3}CREATED {3}LAST USED {3}USAGE {3}SHARED\n$/,
  );
  await mydocker("rm", "-v", "df_user");
  await mydocker("volume", "rm", "dfvolume");
});
