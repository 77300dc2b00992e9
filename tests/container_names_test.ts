import assert from "node:assert/strict";
import { randomName, releaseName, reserveName } from "../runtime/state/container_names.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");

Deno.test("reserveName() gives 500 containers 500 different names, past the 440 plain ones", () => {
  const root = Deno.makeTempDirSync();
  try {
    const names = new Set<string>();
    for (let n = 0; n < 500; n++) names.add(reserveName(root, undefined, id(n)));
    assert.equal(names.size, 500);
    assert.ok([...names].some((name) => /\d$/.test(name)), "retries append a digit, as Docker");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("reserveName() refuses a name held, takes over a stale one, and releaseName() frees it", () => {
  const root = Deno.makeTempDirSync();
  try {
    assert.equal(reserveName(root, "web", id(1)), "web");
    assert.throws(
      () => reserveName(root, "web", id(2)),
      new ExitCodeError('Cannot use name "web": it is already in use by a container'),
    );
    releaseName(root, "web", id(2)); // Not its holder: nothing happens.
    assert.throws(() => reserveName(root, "web", id(2)), ExitCodeError);
    releaseName(root, "web", id(1));
    assert.equal(reserveName(root, "web", id(2)), "web");
    // A reservation by a process that ended, for a container never created, is stale.
    Deno.writeTextFileSync(`${root}/names/db`, `${id(3)}\n1 0`);
    assert.equal(reserveName(root, "db", id(4)), "db");
    Deno.mkdirSync(`${root}/containers/${id(4)}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/names/db`, `${id(4)}\n1 0`);
    assert.throws(() => reserveName(root, "db", id(5)), ExitCodeError);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("randomName() appends a digit on a retry", () => {
  assert.match(randomName(), /^[a-z]+_[a-z]+$/);
  assert.match(randomName(1), /^[a-z]+_[a-z]+\d$/);
});
