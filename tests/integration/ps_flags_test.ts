/**
 * `ps`'s flags as Docker's: `-f status=|name=|id=|ancestor=`, `-n`, `-l`, `--no-trunc`, `-s`.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker } from "../../testing/mydocker.ts";

const { rootfs, env } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

async function run(...args: string[]): Promise<string> {
  const result = await mydocker("run", ...args);
  assert.equal(result.stderrText, "");
  return result.stdoutText.trim();
}

Deno.test("ps filters, limits and sizes as docker ps does", async () => {
  await run("--name", "ps_alpha", "--rootfs", rootfs, "img", "true");
  await run("-d", "--name", "ps_bravo", "--rootfs", rootfs, "other", "sleep", "30");
  await run(
    "--name",
    "ps_charlie",
    "--rootfs",
    rootfs,
    "img",
    "sh",
    "-c",
    "head -c 3000 /dev/zero > /f; exit 3",
  );
  const ids: Record<string, string> = {};
  for (const name of ["ps_alpha", "ps_bravo", "ps_charlie"]) {
    const line = (await mydocker("ps", "-a", "--no-trunc")).stdoutText.split("\n")
      .find((l) => l.trimEnd().endsWith(name))!;
    ids[name] = line.split(" ")[0]!;
    assert.match(ids[name]!, /^[0-9a-f]{64}$/);
  }
  const quiet = async (...args: string[]) => {
    const result = await mydocker("ps", "-q", ...args);
    assert.equal(result.code, 0, result.stderrText);
    return result.stdoutText.trim().split("\n").filter((l) => l !== "");
  };
  const short = (name: string) => ids[name]!.slice(0, 12);
  assert.deepEqual(await quiet(), [short("ps_bravo")]);
  assert.deepEqual(await quiet("-f", "status=exited"), [short("ps_charlie"), short("ps_alpha")]);
  assert.deepEqual(await quiet("-f", "status=running", "-f", "status=exited"), [
    short("ps_charlie"),
    short("ps_bravo"),
    short("ps_alpha"),
  ]);
  assert.deepEqual(await quiet("-a", "-f", "name=bravo"), [short("ps_bravo")]);
  assert.deepEqual(await quiet("-a", "-f", `id=${ids.ps_alpha!.slice(0, 6)}`), [short("ps_alpha")]);
  assert.deepEqual(await quiet("-a", "-f", "ancestor=img:latest"), [
    short("ps_charlie"),
    short("ps_alpha"),
  ]);
  assert.deepEqual(await quiet("-a", "-f", "ancestor=img", "-f", "name=alpha"), [
    short("ps_alpha"),
  ]);
  assert.deepEqual(await quiet("-n", "2"), [short("ps_charlie"), short("ps_bravo")]);
  assert.deepEqual(await quiet("-l", "--no-trunc"), [ids.ps_charlie]);

  const sized = (await mydocker("ps", "-a", "-s", "-f", "name=charlie")).stdoutText.split("\n");
  assert.match(sized[0]!, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES +SIZE$/);
  assert.match(sized[1]!, / ps_charlie +3kB \(virtual 3kB\)$/);
  const long = (await mydocker("ps", "-a", "--no-trunc", "-f", "name=charlie")).stdoutText;
  assert.match(long, /"sh -c head -c 3000 \/dev\/zero > \/f; exit 3"/);

  const bad = await mydocker("ps", "-f", "bogus=1");
  assert.equal(bad.code, 125);
  assert.equal(bad.stderrText, "mydocker: invalid filter 'bogus'\nSee 'mydocker ps --help'.\n");
  const badN = await mydocker("ps", "-n", "x");
  assert.equal(badN.code, 125);
  assert.match(badN.stderrText, /^mydocker: invalid argument "x" for "-n, --last" flag/);

  assert.equal((await mydocker("rm", "-f", "ps_alpha", "ps_bravo", "ps_charlie")).code, 0);
});
