/**
 * The OCI hooks as runc runs them (`runtime/oci/hooks.ts`): argv and environment as the config
 * gives them, the state on stdin, the output in the error of a failing hook, the timeout.
 */

import assert from "node:assert/strict";
import { HookFailed, runHooks } from "../runtime/oci/hooks.ts";

const STATE = { ociVersion: "1.0.2", id: "demo", status: "created", pid: 42 };

Deno.test("runHooks() runs each hook in order with its argv, its environment only and the state on stdin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-test-hooks-" });
  try {
    const script = (n: number) => ({
      path: "/bin/sh",
      args: ["hook-sh", "-c", `echo "$0 $N $(cat)" >> ${dir}/out; echo ${n} >> ${dir}/out`],
      env: [`N=${n}`],
    });
    runHooks([script(1), script(2)], STATE, "prestart");
    const json = JSON.stringify(STATE);
    assert.equal(
      await Deno.readTextFile(`${dir}/out`),
      `hook-sh 1 ${json}\n1\nhook-sh 2 ${json}\n2\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks() stops at a failing hook, naming it with its exit and its output", () => {
  const failing = { path: "/bin/sh", args: ["sh", "-c", "echo out; echo err >&2; exit 4"] };
  const never = { path: "/bin/sh", args: ["sh", "-c", "exit 0"], timeout: 1 };
  assert.throws(
    () => runHooks([failing, never], STATE, "createContainer"),
    (error: Error) => {
      assert.ok(error instanceof HookFailed);
      assert.equal(error.message, 'createContainer hook "/bin/sh" failed (exit 4): out\nerr');
      return true;
    },
  );
  assert.throws(
    () => runHooks([{ path: "/nonexistent" }], STATE, "poststart"),
    /poststart hook "\/nonexistent" could not be started: .*ENOENT/,
  );
});

Deno.test("runHooks() kills a hook that runs past its timeout", () => {
  assert.throws(
    () => runHooks([{ path: "/bin/sleep", args: ["sleep", "30"], timeout: 1 }], STATE, "prestart"),
    /prestart hook "\/bin\/sleep" ran past its timeout of 1s/,
  );
});
