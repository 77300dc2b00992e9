import assert from "node:assert/strict";
import { ago, duration, goTime } from "../cli/human_time.ts";
import { parseSignal } from "../engine/container_lifecycle.ts";
import { isValidName, randomName } from "../runtime/state/container_names.ts";

Deno.test("parseSignal() takes names with or without SIG, and numbers", () => {
  assert.equal(parseSignal("SIGTERM"), 15);
  assert.equal(parseSignal("term"), 15);
  assert.equal(parseSignal("KILL"), 9);
  assert.equal(parseSignal("10"), 10);
  assert.throws(() => parseSignal("SIGFOO"), /Invalid signal: SIGFOO/);
  assert.throws(() => parseSignal("99"), /Invalid signal: 99/);
});

Deno.test("duration() and ago() speak like docker ps", () => {
  assert.equal(duration(500), "Less than a second");
  assert.equal(duration(1000), "1 second");
  assert.equal(duration(42_000), "42 seconds");
  assert.equal(duration(90_000), "About a minute");
  assert.equal(duration(5 * 60_000), "5 minutes");
  assert.equal(duration(80 * 60_000), "About an hour");
  assert.equal(duration(90 * 60_000), "2 hours"); // go-units rounds hours

  assert.equal(duration(5 * 3_600_000), "5 hours");
  assert.equal(duration(72 * 3_600_000), "3 days");
  assert.equal(duration(20 * 86_400_000), "2 weeks");
  assert.equal(duration(100 * 86_400_000), "3 months");
  assert.equal(duration(800 * 86_400_000), "2 years");
  assert.equal(goTime("2026-01-02T03:04:05.678Z"), "2026-01-02 03:04:05 +0000 UTC");
  assert.equal(ago("2026-01-01T00:00:00Z", Date.parse("2026-01-01T00:00:10Z")), "10 seconds ago");
});

Deno.test("randomName() makes valid adjective_surname names; isValidName() follows Docker", () => {
  for (let i = 0; i < 20; i++) {
    const name = randomName();
    assert.match(name, /^[a-z]+_[a-z]+$/);
    assert.ok(isValidName(name));
  }
  assert.ok(isValidName("web-1.app_x"));
  assert.ok(!isValidName("-web"));
  assert.ok(!isValidName("a/b"));
  assert.ok(!isValidName(""));
});
