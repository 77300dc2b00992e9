import assert from "node:assert/strict";
import { TokenCache } from "../registry/distribution/token_cache.ts";

Deno.test("TokenCache returns a token until expires_in has passed", () => {
  let now = 1_000_000;
  const cache = new TokenCache(() => now);
  cache.set("k", "t", 300);
  now += 299_999;
  assert.equal(cache.get("k"), "t");
  now += 1;
  assert.equal(cache.get("k"), undefined);
});

Deno.test("TokenCache gives tokens without expires_in a 60 s lifetime", () => {
  let now = 0;
  const cache = new TokenCache(() => now);
  cache.set("k", "t", undefined);
  now = 59_999;
  assert.equal(cache.get("k"), "t");
  now = 60_000;
  assert.equal(cache.get("k"), undefined);
});
