/**
 * The launcher's choice for `run` and `runtime`: the bundle (`dist/run/`, `deno task bundle`)
 * while it is newer than every source file, `main.ts` otherwise. The test builds the bundle itself.
 */
import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, readUntil, spawnMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const checkout = MYDOCKER.slice(0, MYDOCKER.lastIndexOf("/"));
const bundle = `${checkout}/dist/run/run_main.js`;

/** The Deno module the launcher runs for `args`, whose container says "ready", from its argv. */
async function runsFrom(
  args = ["run", "--rm", "--rootfs", rootfs, "x", "sh", "-c", "echo ready; sleep 0.2"],
): Promise<string> {
  const child = spawnMydocker(args, env);
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

Deno.test("the OCI runtime face starts from the bundle too", async () => {
  const work = await Deno.makeTempDir({ prefix: "mydocker-test-bundle-" });
  try {
    const spec = await new Deno.Command(MYDOCKER, { args: ["runtime", "spec", "--bundle", work] })
      .output();
    assert.ok(spec.success, new TextDecoder().decode(spec.stderr));
    const config = JSON.parse(Deno.readTextFileSync(`${work}/config.json`));
    config.process.terminal = false;
    config.process.args = ["sh", "-c", "echo ready; sleep 0.2"];
    config.root = { path: rootfs, readonly: false };
    Deno.writeTextFileSync(`${work}/config.json`, JSON.stringify(config));
    const id = `bundle-test-${Date.now()}`;
    const args = ["runtime", "--root", `${work}/state`, "run", "--bundle", work, id];
    assert.equal(await runsFrom(args), `${checkout}/dist/run/runtime_main.js`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
