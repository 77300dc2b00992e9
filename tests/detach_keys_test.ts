import assert from "node:assert/strict";
import {
  DEFAULT_DETACH_KEYS,
  DetachKeyMatcher,
  parseDetachKeys,
} from "../runtime/spec/detach_keys.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("parseDetachKeys() reads Docker's ctrl- names and single characters", () => {
  assert.deepEqual(parseDetachKeys(DEFAULT_DETACH_KEYS), bytes(16, 17));
  assert.deepEqual(parseDetachKeys("ctrl-@,ctrl-A,ctrl-[,ctrl-\\,ctrl-_"), bytes(0, 1, 27, 28, 31));
  assert.deepEqual(parseDetachKeys("a,ctrl-z,Q"), bytes(97, 26, 81));
});

Deno.test("parseDetachKeys() refuses unknown keys in Docker's words", () => {
  for (const keys of ["ctrl-1", "ab", "", "ctrl-p,", "é", "alt-x"]) {
    assert.throws(
      () => parseDetachKeys(keys),
      { name: "RangeError", message: `Invalid detach keys (${keys}) provided` },
    );
  }
});

Deno.test("DetachKeyMatcher detaches on the whole sequence, split or not", () => {
  const matcher = new DetachKeyMatcher(bytes(16, 17));
  assert.deepEqual(matcher.feed(bytes(104, 105)), { forward: bytes(104, 105), detach: false });
  assert.deepEqual(matcher.feed(bytes(120, 16)), { forward: bytes(120), detach: false });
  assert.deepEqual(matcher.feed(bytes(17, 99)), { forward: bytes(), detach: true });
  assert.deepEqual(
    new DetachKeyMatcher(bytes(16, 17)).feed(bytes(16, 17)),
    { forward: bytes(), detach: true },
  );
});

Deno.test("DetachKeyMatcher passes on held keys once the sequence breaks", () => {
  const matcher = new DetachKeyMatcher(bytes(16, 17));
  assert.deepEqual(matcher.feed(bytes(16)), { forward: bytes(), detach: false });
  assert.deepEqual(matcher.feed(bytes(97)), { forward: bytes(16, 97), detach: false });
  assert.deepEqual(matcher.feed(bytes(16, 16)), { forward: bytes(16), detach: false });
  assert.deepEqual(matcher.feed(bytes(17)), { forward: bytes(), detach: true });
  const none = new DetachKeyMatcher(bytes());
  assert.deepEqual(none.feed(bytes(16, 17)), { forward: bytes(16, 17), detach: false });
});
