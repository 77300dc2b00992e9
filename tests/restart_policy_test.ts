import assert from "node:assert/strict";
import {
  nextRestartDelay,
  parseRestartPolicy,
  shouldRestart,
} from "../runtime/spec/restart_policy.ts";

Deno.test("parseRestartPolicy() reads Docker's four policies and on-failure's count", () => {
  assert.deepEqual(parseRestartPolicy("no"), { name: "no", maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy("always"), { name: "always", maximumRetryCount: 0 });
  assert.deepEqual(parseRestartPolicy("unless-stopped"), {
    name: "unless-stopped",
    maximumRetryCount: 0,
  });
  assert.deepEqual(parseRestartPolicy("on-failure:5"), {
    name: "on-failure",
    maximumRetryCount: 5,
  });
  assert.throws(() => parseRestartPolicy("sometimes"), {
    message: "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', " +
      "'on-failure', or 'unless-stopped'",
  });
  assert.throws(() => parseRestartPolicy("always:3"), /only be used with 'on-failure'/);
  assert.throws(() => parseRestartPolicy("on-failure:x"), /invalid maximum retry count: x/);
});

Deno.test("shouldRestart() follows the policy, its count, and a stop", () => {
  const onFailure = parseRestartPolicy("on-failure:2");
  assert.equal(shouldRestart(undefined, 1, 0, false), false);
  assert.equal(shouldRestart(parseRestartPolicy("no"), 1, 0, false), false);
  assert.equal(shouldRestart(parseRestartPolicy("always"), 0, 99, false), true);
  assert.equal(shouldRestart(parseRestartPolicy("always"), 0, 0, true), false);
  assert.equal(shouldRestart(onFailure, 0, 0, false), false);
  assert.equal(shouldRestart(onFailure, 3, 1, false), true);
  assert.equal(shouldRestart(onFailure, 3, 2, false), false);
  assert.equal(shouldRestart(parseRestartPolicy("on-failure"), 3, 1000, false), true);
});

Deno.test("nextRestartDelay() doubles from 100 ms up to a minute, and resets after 10 s of running", () => {
  assert.equal(nextRestartDelay(undefined, 0), 100);
  assert.equal(nextRestartDelay(100, 50), 200);
  assert.equal(nextRestartDelay(400, 9_999), 800);
  assert.equal(nextRestartDelay(800, 10_000), 100);
  assert.equal(nextRestartDelay(51_200, 0), 60_000);
});
