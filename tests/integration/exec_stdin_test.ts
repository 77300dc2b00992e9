/**
 * `exec`'s stdin as Docker's: the caller's piped stdin only with `-i`, else /dev/null.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();

Deno.test("exec passes piped stdin only with -i", async () => {
  const started = await runMydocker(
    ["run", "-d", "--name", "stdin_box", "--rootfs", rootfs, "img", "sleep", "30"],
    { env },
  );
  assert.equal(started.code, 0, started.stderrText);
  const input = new TextEncoder().encode("piped\n");
  const without = await runMydocker(["exec", "stdin_box", "cat"], { env, stdin: input });
  assert.equal(without.code, 0, without.stderrText);
  assert.equal(without.stdoutText, "");
  const device = await runMydocker(["exec", "stdin_box", "readlink", "/proc/self/fd/0"], {
    env,
    stdin: input,
  });
  assert.equal(device.stdoutText, "/dev/null\n");
  const withI = await runMydocker(["exec", "-i", "stdin_box", "cat"], { env, stdin: input });
  assert.equal(withI.code, 0, withI.stderrText);
  assert.equal(withI.stdoutText, "piped\n");
  assert.equal((await runMydocker(["rm", "-f", "stdin_box"], { env })).code, 0);
});
