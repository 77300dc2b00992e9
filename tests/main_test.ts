import assert from "node:assert/strict";
import { parseCommandLine } from "../main.ts";

Deno.test("parseCommandLine() ends options at IMAGE and passes the rest verbatim", async () => {
  const parsed = await parseCommandLine([
    "run",
    "--rootfs",
    "/r",
    "img",
    "ls",
    "-la",
    "--rm",
    "-h",
  ]);
  assert.equal(parsed.name, "run");
  if (parsed.name !== "run") return;
  assert.equal(parsed.invocation.image, "img");
  assert.deepEqual(parsed.invocation.command, ["ls", "-la", "--rm", "-h"]);
  assert.equal(parsed.invocation.options.rootfs, "/r");
});

Deno.test("parseCommandLine() collects repeated -e and --env-file and takes -h as hostname", async () => {
  const parsed = await parseCommandLine([
    "run",
    "-e",
    "A=1",
    "--env",
    "B",
    "--env-file",
    "f1",
    "--env-file=f2",
    "-h",
    "box",
    "-w",
    "/w",
    "--rm",
    "img",
  ]);
  assert.equal(parsed.name, "run");
  if (parsed.name !== "run") return;
  const { options } = parsed.invocation;
  assert.deepEqual(options.env, ["A=1", "B"]);
  assert.deepEqual(options.envFile, ["f1", "f2"]);
  assert.equal(options.hostname, "box");
  assert.equal(options.workdir, "/w");
  assert.equal(options.rm, true);
  assert.equal(options.network, "none");
  assert.deepEqual(parsed.invocation.command, []);
});

Deno.test("parseCommandLine() reports unknown flags with a hint for the command", async () => {
  assert.deepEqual(await parseCommandLine(["run", "--bogus", "img"]), {
    name: "usage-error",
    message: "unknown option '--bogus'",
    hint: "See 'mydocker run --help'.",
  });
  assert.deepEqual(await parseCommandLine(["frob"]), {
    name: "usage-error",
    message: "unknown command 'frob'",
    hint: "See 'mydocker --help'.",
  });
  const missing = await parseCommandLine(["run"]);
  assert.equal(missing.name, "usage-error");
});

Deno.test("parseCommandLine() takes the state root from --root, then $MYDOCKER_ROOT", async () => {
  const parsed = await parseCommandLine(["--root", "/srv/md", "run", "img", "true"]);
  assert.ok(parsed.name === "run" && parsed.invocation.root === "/srv/md");
});
