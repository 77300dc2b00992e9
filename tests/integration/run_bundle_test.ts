/**
 * The launcher's choice for `run`: the run bundle (`dist/run/`, `deno task bundle`) while it is
 * newer than every source file, `main.ts` otherwise. The test builds the bundle itself.
 */
import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, readUntil, spawnMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const checkout = MYDOCKER.slice(0, MYDOCKER.lastIndexOf("/"));
const bundle = `${checkout}/dist/run/run_main.js`;

/** The Deno module a `run` of a container that says "ready" runs from, read from its argv. */
async function runsFrom(): Promise<string> {
  const child = spawnMydocker(
    ["run", "--rm", "--rootfs", rootfs, "x", "sh", "-c", "echo ready; sleep 0.2"],
    env,
  );
  assert.equal(await readUntil(child.stdout, "ready"), "ready\n");
  const argv = Deno.readTextFileSync(`/proc/${child.pid}/cmdline`).split("\0");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.equal(status.code, 0);
  return argv.find((arg) => arg.endsWith(".js") || arg.endsWith("main.ts")) ?? argv.join(" ");
}

Deno.test("deno task bundle builds the run bundle, and run starts from it while it is fresh", async () => {
  const built = await new Deno.Command("deno", {
    args: ["task", "--quiet", "bundle"],
    cwd: checkout,
    stdout: "null",
  }).output();
  assert.ok(built.success, new TextDecoder().decode(built.stderr));
  assert.equal(await runsFrom(), bundle);
});

Deno.test("run starts from main.ts once a source file is newer than the bundle", async () => {
  const { mtime } = Deno.statSync(bundle);
  try {
    Deno.utimeSync(bundle, new Date(0), new Date(0));
    assert.equal(await runsFrom(), `${checkout}/main.ts`);
  } finally {
    Deno.utimeSync(bundle, mtime!, mtime!);
  }
  assert.equal(await runsFrom(), bundle);
});
