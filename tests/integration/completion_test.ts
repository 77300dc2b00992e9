/**
 * `mydocker completion bash|zsh`: scripts generated from the command table, run in a real bash.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, runMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const script = (await runMydocker(["completion", "bash"], { env })).stdoutText;

/** What bash completes for the command line `words` (the last word is being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const bin = await Deno.makeTempDir();
  await Deno.symlink(MYDOCKER, `${bin}/mydocker`);
  const line = ["mydocker", ...words].map((w) => `'${w}'`).join(" ");
  const { stdout, code } = await new Deno.Command("bash", {
    args: [
      "-c",
      `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length}; _mydocker; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    env: { ...env, PATH: `${bin}:${Deno.env.get("PATH")}` },
  }).output();
  await Deno.remove(bin, { recursive: true });
  assert.equal(code, 0);
  return new TextDecoder().decode(stdout).split("\n").filter((l) => l !== "").sort();
}

Deno.test("bash completion: commands, each command's flags, container names", async () => {
  const r = await complete("r");
  for (const command of ["rm", "rmi", "run"]) assert.ok(r.includes(command), command);
  assert.ok(r.every((word) => word.startsWith("r")));
  assert.deepEqual(await complete("ps", "--n"), ["--no-trunc"]);
  assert.deepEqual(await complete("--root", "/x", "run", "--cap-"), ["--cap-add", "--cap-drop"]);
  const stop = await complete("stop", "-");
  for (const flag of ["--time", "-t", "--help"]) assert.ok(stop.includes(flag), flag);
  assert.ok(!stop.includes("--rm"));
  const created = await runMydocker([
    "run",
    "--name",
    "completion_box",
    "--rootfs",
    rootfs,
    "img",
    "true",
  ], { env });
  assert.equal(created.code, 0, created.stderrText);
  assert.deepEqual(await complete("rm", "completion_"), ["completion_box"]);
  assert.equal((await runMydocker(["rm", "completion_box"], { env })).code, 0);
});

Deno.test("completion: zsh gets a compdef script, another shell a usage error", async () => {
  const zsh = await runMydocker(["completion", "zsh"], { env });
  assert.equal(zsh.code, 0);
  assert.match(zsh.stdoutText, /^#compdef mydocker\n/);
  assert.match(zsh.stdoutText, /\n {4}run\) opts=\(--rootfs --pull /);
  const fish = await runMydocker(["completion", "fish"], { env });
  assert.equal(fish.code, 125);
  assert.equal(
    fish.stderrText,
    `mydocker: invalid argument "fish" for "mydocker completion"\nSee 'mydocker completion --help'.\n`,
  );
});
