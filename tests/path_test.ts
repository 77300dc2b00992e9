import assert from "node:assert/strict";
import { posix } from "node:path";
import { cleanPath, joinPath, parentPath } from "../sys/path.ts";

/** Node's answer without its trailing slash, which `cleanPath` drops as Go's `path.Clean`. */
const nodeClean = (path: string) => posix.normalize(path).replace(/(.)\/$/, "$1");

const PATHS = [
  "",
  ".",
  "/",
  "//",
  "/a/b/",
  "/a//b/./c",
  "/a/../../b",
  "/..",
  "a/../..",
  "../a/./b/..",
  "a/b/../../..",
  "./a",
  "/a/b/c/../d/",
];

Deno.test("cleanPath() cleans as node:path's normalize does, without the trailing slash", () => {
  for (const path of PATHS) assert.equal(cleanPath(path), nodeClean(path), path);
});

Deno.test("joinPath() and parentPath() agree with node:path's join and dirname", () => {
  for (const path of PATHS.filter((path) => path !== "")) {
    assert.equal(joinPath(path, "x"), posix.join(path, "x"), path);
    assert.equal(parentPath(path), posix.dirname(nodeClean(path)), path);
  }
  assert.equal(
    joinPath("/etc/docker", "certs.d", "127.0.0.1:5000"),
    "/etc/docker/certs.d/127.0.0.1:5000",
  );
});
