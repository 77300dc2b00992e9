import assert from "node:assert/strict";
import { resolveCommand } from "../runtime/stage/exec_program.ts";

Deno.test("resolveCommand() searches PATH for executable files only", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/a`);
  await Deno.mkdir(`${dir}/b`);
  await Deno.writeTextFile(`${dir}/a/tool`, "not executable", { mode: 0o644 });
  await Deno.writeTextFile(`${dir}/b/tool`, "#!/bin/sh\n", { mode: 0o755 });
  assert.equal(resolveCommand("tool", [`PATH=${dir}/a:${dir}/b`]), `${dir}/b/tool`);
  assert.equal(resolveCommand("./tool", []), "./tool");
  assert.throws(
    () => resolveCommand("tool", [`PATH=${dir}/a`]),
    /Cannot run "tool": executable file not found in \$PATH/,
  );
  await Deno.remove(dir, { recursive: true });
});
