import assert from "node:assert/strict";
import { parseEnvFile, resolveEnvEntry, userEnvironment } from "../cli/env_options.ts";
import { composeEnvironment, mergeEnvironment } from "../runtime/spec/environment.ts";

Deno.test("composeEnvironment() orders PATH, HOSTNAME, image Env, user entries; later wins", () => {
  assert.deepEqual(
    composeEnvironment({
      hostname: "box",
      imageEnv: ["PATH=/image/bin", "LANG=C", "A=image"],
      userEnv: ["A=user", "B=2"],
    }),
    ["PATH=/image/bin", "HOSTNAME=box", "LANG=C", "A=user", "B=2"],
  );
});

Deno.test("resolveEnvEntry() copies KEY alone from the host and drops it when unset", () => {
  const host = (key: string) => key === "SET" ? "value" : undefined;
  assert.equal(resolveEnvEntry("A=b=c", host), "A=b=c");
  assert.equal(resolveEnvEntry("SET", host), "SET=value");
  assert.equal(resolveEnvEntry("UNSET", host), undefined);
  assert.throws(() => resolveEnvEntry("=x", host), /the name is empty/);
});

Deno.test("parseEnvFile() skips comments and blank lines", () => {
  assert.deepEqual(parseEnvFile("# c\nA=1\r\n\n  B=2\nC\n"), ["A=1", "B=2", "C"]);
});

Deno.test("userEnvironment() puts env files before -e and reports unreadable files", () => {
  assert.throws(
    () => userEnvironment(["/no/such/file"], [], () => undefined),
    /^ExitCodeError: Cannot read env file "\/no\/such\/file": no such file or directory$/,
  );
});

Deno.test("mergeEnvironment() keeps one entry per key, the last value, the first position", () => {
  assert.deepEqual(mergeEnvironment(["A=1", "TERM=xterm"], ["B=2", "A=3"], ["TERM=dumb"]), [
    "A=3",
    "TERM=dumb",
    "B=2",
  ]);
});
