/**
 * The death trampoline, run for real from a file: it execs its first argument with the rest as
 * argv, exits 127 or 126 when it cannot, stops when its lifeline has hung up, and leaves the
 * command no descriptor above stderr.
 */

import assert from "node:assert/strict";
import { deathTrampoline } from "../runtime/spec/death_trampoline.ts";

const code = deathTrampoline(Deno.build.arch);

/** Runs the trampoline (written to a file) with `args`; `lifeline` feeds descriptor 3. */
async function trampoline(
  args: string[],
  lifeline: "open" | "hung-up" | "none" = "open",
  redirect = "",
) {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-test-trampoline-" });
  try {
    const path = `${dir}/trampoline`;
    await Deno.writeFile(path, code!, { mode: 0o755 });
    // The shell puts the lifeline at descriptor 3: a pipe whose writer lives on, or has gone.
    const script = {
      open: `sleep 1 | "$@" 3<&0 ${redirect}`,
      "hung-up": `true | { sleep 0.2; "$@" 3<&0 ${redirect}; }`,
      none: `"$@" ${redirect}`,
    }[lifeline];
    const output = await new Deno.Command("sh", {
      args: ["-c", `exec 9>&-; ${script}`, "sh", path, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deathTrampoline() is a static ELF executable for x86_64 only", () => {
  if (Deno.build.arch !== "x86_64") {
    assert.equal(code, undefined);
    return;
  }
  assert.ok(code !== undefined);
  assert.deepEqual([...code.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(new DataView(code.buffer).getUint16(18, true), 62); // EM_X86_64
  assert.equal(deathTrampoline("aarch64"), undefined);
});

if (code !== undefined) {
  Deno.test("the trampoline execs PATH with the arguments after it, argv[0] included", async () => {
    // busybox runs the applet its argv[0] names.
    const result = await trampoline(["/bin/busybox", "echo", "hello", "world"]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "hello world\n");
  });

  Deno.test("the trampoline exits 127 for a missing program and 126 for one it cannot run", async () => {
    assert.equal((await trampoline(["/no/such/program", "x"])).code, 127);
    assert.equal((await trampoline(["/etc", "x"])).code, 126);
  });

  Deno.test("the trampoline does not start the command once its lifeline has hung up", async () => {
    const result = await trampoline(["/bin/echo", "echo", "started"], "hung-up");
    assert.equal(result.code, 137);
    assert.equal(result.stdout, "");
  });

  Deno.test("the trampoline leaves the command no descriptor above stderr", async () => {
    // Descriptor 7 is open (and inheritable) when the trampoline starts.
    const check = "for fd in 3 7; do [ -e /proc/self/fd/$fd ] && echo $fd open; done; echo done";
    const result = await trampoline(["/bin/sh", "sh", "-c", check], "open", "7</dev/null");
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "done\n");
  });
}
