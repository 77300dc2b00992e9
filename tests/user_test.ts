import assert from "node:assert/strict";
import { resolveUser } from "../runtime/user.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:App:/home/app:/bin/sh\n" +
  "broken line\nnobody:x:65534:65534::/nonexistent:/bin/false\n";
const GROUP = "root:x:0:\nwheel:x:10:app,other\nappgrp:x:1001:\nstaff:x:50:app\n";

Deno.test("resolveUser() defaults to root with root's home and groups", () => {
  assert.deepEqual(resolveUser("", PASSWD, GROUP), {
    uid: 0,
    gid: 0,
    additionalGids: [],
    home: "/root",
  });
});

Deno.test("resolveUser() looks names and uids up in passwd, groups in group", () => {
  assert.deepEqual(resolveUser("app", PASSWD, GROUP), {
    uid: 1000,
    gid: 1001,
    additionalGids: [10, 50],
    home: "/home/app",
  });
  assert.deepEqual(resolveUser("1000", PASSWD, GROUP).home, "/home/app");
  assert.deepEqual(resolveUser("app:staff", PASSWD, GROUP).gid, 50);
  assert.deepEqual(resolveUser("app:7", PASSWD, GROUP).gid, 7);
});

Deno.test("resolveUser() accepts uids without an entry: gid 0, home /", () => {
  assert.deepEqual(resolveUser("4242", PASSWD, GROUP), {
    uid: 4242,
    gid: 0,
    additionalGids: [],
    home: "/",
  });
  assert.deepEqual(resolveUser("4242:4242", "", ""), {
    uid: 4242,
    gid: 4242,
    additionalGids: [],
    home: "/",
  });
});

Deno.test("resolveUser() names the unknown user or group", () => {
  assert.throws(() => resolveUser("ghost", PASSWD, GROUP), /Cannot find user "ghost"/);
  assert.throws(() => resolveUser("app:ghosts", PASSWD, GROUP), /Cannot find group "ghosts"/);
});
