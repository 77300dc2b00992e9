import assert from "node:assert/strict";
import { resolveUser } from "../runtime/stage/user.ts";
import { parseUserSpec } from "../runtime/spec/user_spec.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:App:/home/app:/bin/sh\n" +
  "broken line\nnobody:x:65534:65534::/nonexistent:/bin/false\n";
const GROUP = "root:x:0:\nwheel:x:10:app,other\nappgrp:x:1001:\nstaff:x:50:app\n";

Deno.test("resolveUser() defaults to root with root's home and groups", () => {
  assert.deepEqual(resolveUser("", PASSWD, GROUP), {
    uid: 0,
    gid: 0,
    additionalGids: [0],
    home: "/root",
  });
});

Deno.test("resolveUser() looks names and uids up in passwd, groups in group", () => {
  assert.deepEqual(resolveUser("app", PASSWD, GROUP), {
    uid: 1000,
    gid: 1001,
    additionalGids: [1001, 10, 50],
    home: "/home/app",
  });
  assert.deepEqual(resolveUser("1000", PASSWD, GROUP).home, "/home/app");
  assert.deepEqual(resolveUser("app:staff", PASSWD, GROUP).gid, 50);
  assert.deepEqual(resolveUser("app:7", PASSWD, GROUP).gid, 7);
});

Deno.test("resolveUser() accepts uids without an entry: gid 0, home /; the gid is a group, as Docker's", () => {
  assert.deepEqual(resolveUser("4242", PASSWD, GROUP), {
    uid: 4242,
    gid: 0,
    additionalGids: [0],
    home: "/",
  });
  assert.deepEqual(resolveUser("4242:4242", "", ""), {
    uid: 4242,
    gid: 4242,
    additionalGids: [4242],
    home: "/",
  });
});

Deno.test("resolveUser() names the unknown user or group", () => {
  assert.throws(() => resolveUser("ghost", PASSWD, GROUP), /Cannot find user "ghost"/);
  assert.throws(() => resolveUser("app:ghosts", PASSWD, GROUP), /Cannot find group "ghosts"/);
});

Deno.test("parseUserSpec() reads ids and names, an empty user as root", () => {
  assert.deepEqual(parseUserSpec(""), { user: { id: 0 }, group: undefined });
  assert.deepEqual(parseUserSpec("app:staff"), { user: { name: "app" }, group: { name: "staff" } });
  assert.deepEqual(parseUserSpec("2147483647:0"), {
    user: { id: 2147483647 },
    group: { id: 0 },
  });
  assert.deepEqual(parseUserSpec(":50"), { user: { id: 0 }, group: { id: 50 } });
  assert.throws(() => parseUserSpec("a:b:c"), /^ExitCodeError: Cannot use user "a:b:c": expected/);
});

Deno.test("parseUserSpec() refuses ids outside 0-2147483647, as runc does", () => {
  for (const user of ["4294967295", "0:4294967295", "2147483648", "99999999999", "-1", "1:-1"]) {
    assert.throws(
      () => parseUserSpec(user),
      (error: Error) =>
        error.message.startsWith(
          `Cannot use user "${user}": uids and gids must be in range 0-2147483647, not `,
        ) && !error.message.includes("\n"),
      user,
    );
  }
});

Deno.test("resolveUser() refuses ids out of range from -u and from the container's files", () => {
  assert.throws(() => resolveUser("4294967295", PASSWD, GROUP), /must be in range 0-2147483647/);
  const passwd = "big:x:4294967294:0::/:/bin/sh\nbiggid:x:1:3000000000::/:/bin/sh\n";
  assert.throws(() => resolveUser("big", passwd, ""), /"big": .* not 4294967294$/);
  assert.throws(() => resolveUser("biggid", passwd, ""), /"biggid": .* not 3000000000$/);
  const group = "huge:x:2147483648:app\n";
  assert.throws(() => resolveUser("app", PASSWD, group), /"app": .* not 2147483648$/);
  assert.throws(() => resolveUser("1:huge", PASSWD, group), /"1:huge": .* not 2147483648$/);
});
