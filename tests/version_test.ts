/** mydocker's version constant stays the one `deno.json` declares. */

import assert from "node:assert/strict";
import { MYDOCKER_VERSION } from "../engine/version.ts";

Deno.test("MYDOCKER_VERSION is deno.json's version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(MYDOCKER_VERSION, config.version);
});
