/**
 * Container names as `run` and `rm` reserve and release them: concurrent runs never share a
 * name, and `rm` frees it.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { runMydocker } from "../../testing/mydocker.ts";

const { rootfs, env, stateRoot } = await makeTestBed();
const mydocker = (...args: string[]) => runMydocker(args, { env });

Deno.test("concurrent runs with the same --name: one gets it, the others fail with 125", async () => {
  const results = await Promise.all(
    Array.from(
      { length: 4 },
      () => mydocker("run", "--name", "same", "--rootfs", rootfs, "img", "true"),
    ),
  );
  assert.deepEqual(results.map((r) => r.code).sort(), [0, 125, 125, 125]);
  for (const failed of results.filter((r) => r.code !== 0)) {
    assert.equal(
      failed.stderrText,
      'mydocker: Cannot use name "same": it is already in use by a container\n',
    );
  }
  assert.equal((await mydocker("rm", "same")).code, 0);
  const again = await mydocker("run", "--name", "same", "--rootfs", rootfs, "img", "true");
  assert.equal(again.code, 0, again.stderrText);
  assert.equal((await mydocker("rm", "same")).code, 0);
});

Deno.test("concurrent runs without --name get different random names", async () => {
  const results = await Promise.all(
    Array.from({ length: 8 }, () => mydocker("run", "--rootfs", rootfs, "img", "true")),
  );
  for (const r of results) assert.equal(r.code, 0, r.stderrText);
  const ps = await mydocker("ps", "-a");
  const names = ps.stdoutText.trim().split("\n").slice(1).map((line) => line.split(/\s+/).at(-1));
  assert.equal(names.length, 8);
  assert.equal(new Set(names).size, 8);
});

Deno.test("a --rm container gives its name back when it is removed", async () => {
  const names = () =>
    new Set([...Deno.readDirSync(`${stateRoot}/names`)].map((entry) => entry.name));
  const before = names();
  const first = await mydocker("run", "--rm", "--name", "brief", "--rootfs", rootfs, "img", "true");
  assert.equal(first.code, 0, first.stderrText);
  const random = await mydocker("run", "--rm", "--rootfs", rootfs, "img", "true");
  assert.equal(random.code, 0, random.stderrText);
  assert.deepEqual([...names()].filter((name) => !before.has(name)), []);
  const again = await mydocker("run", "--rm", "--name", "brief", "--rootfs", rootfs, "img", "true");
  assert.equal(again.code, 0, again.stderrText);
});
