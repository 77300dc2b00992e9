/**
 * mydocker run by a user who is not root (nobody, through setpriv): every command that needs root
 * says so in one line and exits 125, touching nothing; `version`, `completion` and help work.
 * And, as root, listing commands never create the store's directories.
 */

import assert from "node:assert/strict";
import { NEEDS_ROOT } from "../../cli/main.ts";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, runMydocker, type RunResult, runResult } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** Deno's cache, which nobody cannot reach below root's home: bound elsewhere for the run. */
const DENO_DIR: string = JSON.parse(
  new TextDecoder().decode(
    new Deno.Command("deno", { args: ["info", "--json"] }).outputSync().stdout,
  ),
).denoDir;
const cacheMount = await Deno.makeTempDir({ prefix: "mydocker-test-deno-" });
await Deno.chmod(cacheMount, 0o755);
globalThis.addEventListener("unload", () => Deno.removeSync(cacheMount));

/** Runs `./mydocker args` as nobody (uid and gid 65534, no groups) in a mount namespace of its own. */
async function asNobody(...args: string[]): Promise<RunResult> {
  const script = 'mount --bind "$1" "$2" && cache=$2 && shift 2 && ' +
    "exec setpriv --reuid 65534 --regid 65534 --clear-groups " +
    'env HOME=/nonexistent DENO_DIR="$cache" MYDOCKER_ROOT="$MYDOCKER_ROOT" "$@"';
  const output = await new Deno.Command("unshare", {
    args: [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      script,
      "sh",
      DENO_DIR,
      cacheMount,
      MYDOCKER,
      ...args,
    ],
    env,
    stdin: "null",
  }).output();
  return runResult(output);
}

Deno.test("as nobody, each command that needs root says so in one line and exits 125", async () => {
  const kept = await mydocker("run", "--name", "kept", "--rootfs", rootfs, "img", "true");
  assert.equal(kept.code, 0);
  const commands = [
    ["images"],
    ["ps", "-a"],
    ["volume", "ls"],
    ["info"],
    ["inspect", "kept"],
    ["logs", "kept"],
    ["rm", "kept"],
    ["run", "--rootfs", rootfs, "img", "true"],
    ["pull", "busybox"],
    ["system", "df"],
  ];
  for (const command of commands) {
    const result = await asNobody(...command);
    assert.deepEqual(
      { code: result.code, stdout: result.stdoutText, stderr: result.stderrText },
      { code: 125, stdout: "", stderr: `mydocker: ${NEEDS_ROOT}\n` },
      `mydocker ${command.join(" ")}`,
    );
  }
  // Nothing was removed: root still sees the container.
  assert.equal((await mydocker("ps", "-a", "-q", "-f", "name=kept")).stdoutText.trim().length, 12);
  await mydocker("rm", "kept");
});

Deno.test("as nobody, version, completion and --help work", async () => {
  const version = await asNobody("version", "-f", "{{.Client.Version}}");
  assert.equal(version.code, 0);
  assert.match(version.stdoutText, /^\d+\.\d+\.\d+\n$/);
  const completion = await asNobody("completion", "bash");
  assert.equal(completion.code, 0);
  assert.match(completion.stdoutText, /complete -F _mydocker mydocker/);
  const help = await asNobody("ps", "--help");
  assert.equal(help.code, 0);
  assert.match(help.stdoutText, /^Usage: {2}mydocker ps/);
});

Deno.test("listing commands create nothing in a state root never written to", async () => {
  const fresh = await Deno.makeTempDir({ prefix: "mydocker-test-fresh-" });
  try {
    for (
      const command of [["images"], ["images", "-q"], ["ps", "-a"], ["volume", "ls"], ["info"], [
        "system",
        "df",
      ]]
    ) {
      const result = await runMydocker(command, { env: { MYDOCKER_ROOT: fresh } });
      assert.equal(result.code, 0, `mydocker ${command.join(" ")}: ${result.stderrText}`);
      assert.deepEqual([...Deno.readDirSync(fresh)], [], `mydocker ${command.join(" ")}`);
    }
    const inspect = await runMydocker(["inspect", "nothing"], { env: { MYDOCKER_ROOT: fresh } });
    assert.match(inspect.stderrText, /No such object: nothing/);
    assert.deepEqual([...Deno.readDirSync(fresh)], [], "mydocker inspect");
  } finally {
    Deno.removeSync(fresh, { recursive: true });
  }
});
