import assert from "node:assert/strict";
import { signalName, signalNumber, SIGNALS } from "../sys/signals.ts";

Deno.test("signalNumber() reads names with or without SIG, in any case, and numbers 1-64", () => {
  assert.equal(signalNumber("SIGTERM"), 15);
  assert.equal(signalNumber("term"), 15);
  assert.equal(signalNumber("SIGPWR"), 30);
  assert.equal(signalNumber("9"), 9);
  assert.equal(signalNumber("64"), 64);
  assert.equal(signalNumber("SIGIOT"), 6);
  for (const bad of ["0", "65", "SIGNOPE", "", "-1", "1.5"]) {
    assert.equal(signalNumber(bad), undefined);
  }
});

Deno.test("signalNumber() reads the real-time signals as the kernel and Docker name them", () => {
  assert.equal(signalNumber("SIGRTMIN"), 34);
  assert.equal(signalNumber("SIGRTMIN+3"), 37);
  assert.equal(signalNumber("RTMAX-2"), 62);
  assert.equal(signalNumber("SIGRTMAX"), 64);
  for (const bad of ["SIGRTMIN+31", "SIGRTMAX-31", "SIGRTMIN-1", "SIGRTMAX+1", "RTMIN+x"]) {
    assert.equal(signalNumber(bad), undefined, bad);
  }
});

Deno.test("signalName() and signalNumber() agree on every signal from 1 to 64 but 32 and 33", () => {
  for (let number = 1; number <= 64; number++) {
    const name = signalName(number);
    if (number === 32 || number === 33) {
      assert.equal(name, undefined);
      continue;
    }
    assert.ok(name !== undefined, `no name for ${number}`);
    assert.equal(signalNumber(`SIG${name}`), number, name);
  }
  assert.equal(Object.keys(SIGNALS).length, 31);
});
