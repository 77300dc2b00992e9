import assert from "node:assert/strict";
import { JsonLogWriter, MAX_LINE_BYTES } from "../runtime/host/json_log.ts";
import { followLog, readLog } from "../runtime/host/json_log_reader.ts";
import { parseLogOptions } from "../engine/log_options.ts";
import { fixedTime, parseLogTime } from "../cli/logs_command.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function tempLog(): string {
  return `${Deno.makeTempDirSync({ prefix: "mydocker-json-log-" })}/c-json.log`;
}

Deno.test("JsonLogWriter writes one entry per line, in order, with stream and time", () => {
  const path = tempLog();
  const log = new JsonLogWriter(path);
  log.write("stdout", encode("one\ntw"));
  log.write("stderr", encode("err\n"));
  log.write("stdout", encode("o\nlast"));
  log.close();
  const lines = Deno.readTextFileSync(path).trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(lines.map(({ log, stream }) => [stream, log]), [
    ["stdout", "one\n"],
    ["stderr", "err\n"],
    ["stdout", "two\n"],
    ["stdout", "last"],
  ]);
  assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
});

Deno.test("JsonLogWriter cuts a line longer than 16 KiB as Docker does", () => {
  const path = tempLog();
  const log = new JsonLogWriter(path);
  log.write("stdout", encode(`${"x".repeat(MAX_LINE_BYTES + 5)}\n`));
  log.close();
  const { entries } = readLog(path, 1);
  assert.deepEqual(entries.map((e) => e.log.length), [MAX_LINE_BYTES, 6]);
});

Deno.test("JsonLogWriter rotates at max-size, keeps max-file files; readLog reads them oldest first", () => {
  const path = tempLog();
  const log = new JsonLogWriter(path, { maxSize: 200, maxFiles: 3 });
  for (let line = 0; line < 20; line++) log.write("stdout", encode(`line ${line}\n`));
  log.close();
  for (const file of [path, `${path}.1`, `${path}.2`]) {
    assert.ok(Deno.statSync(file).size <= 200, file);
  }
  assert.throws(() => Deno.statSync(`${path}.3`), Deno.errors.NotFound);
  const logs = readLog(path, 3).entries.map((e) => e.log);
  assert.equal(logs.at(-1), "line 19\n");
  const first = Number(logs[0]!.split(" ")[1]);
  assert.ok(first > 0, "the oldest lines were dropped");
  assert.deepEqual(logs, Array.from({ length: 20 - first }, (_, i) => `line ${first + i}\n`));
});

Deno.test("followLog() yields what is written later, across a rotation, until the end", async () => {
  const path = tempLog();
  const log = new JsonLogWriter(path, { maxSize: 150, maxFiles: 2 });
  log.write("stdout", encode("before\n"));
  const { position } = readLog(path, 2);
  let ended = false;
  const seen: string[] = [];
  const following = (async () => {
    for await (const entry of followLog(path, position, () => ended)) seen.push(entry.log);
  })();
  for (let line = 0; line < 4; line++) {
    log.write("stderr", encode(`after ${line}\n`));
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  log.close();
  ended = true;
  await following;
  assert.deepEqual(seen, ["after 0\n", "after 1\n", "after 2\n", "after 3\n"]);
});

Deno.test("parseLogOptions() reads max-size and max-file, refuses others in Docker's words", () => {
  assert.deepEqual(parseLogOptions([]), { maxSize: 10 * 1024 * 1024, maxFiles: 3 });
  assert.deepEqual(parseLogOptions(["max-size=1k", "max-file=5"]), { maxSize: 1024, maxFiles: 5 });
  assert.deepEqual(parseLogOptions(["max-size=2m,max-file=1"]), { maxSize: 2 << 20, maxFiles: 1 });
  assert.throws(() => parseLogOptions(["mode=non-blocking"]), {
    message: "unknown log opt 'mode' for json-file log driver",
  });
  assert.throws(() => parseLogOptions(["max-file=0"]), /max-file cannot be less than 1/);
  assert.throws(() => parseLogOptions(["max-size=lots"]), /max-size/);
});

Deno.test("parseLogTime() takes RFC 3339 times, dates, Unix timestamps and Go durations", () => {
  const now = Date.parse("2026-01-02T03:04:05Z");
  assert.equal(parseLogTime("since", "2013-01-02T13:23:37Z"), Date.parse("2013-01-02T13:23:37Z"));
  assert.equal(parseLogTime("since", "2013-01-02"), Date.parse("2013-01-02"));
  assert.equal(parseLogTime("since", "1700000000.5"), 1700000000500);
  assert.equal(parseLogTime("since", "42m", now), now - 42 * 60_000);
  assert.equal(parseLogTime("until", "1h30m", now), now - 90 * 60_000);
  assert.equal(parseLogTime("since", "1.5s", now), now - 1500);
  assert.throws(() => parseLogTime("since", "yesterday"), {
    message: 'invalid value for "since": failed to parse value as time or duration: "yesterday"',
  });
});

Deno.test("fixedTime() gives nine fractional digits, as docker logs -t", () => {
  assert.equal(fixedTime("2026-01-02T03:04:05.678Z"), "2026-01-02T03:04:05.678000000Z");
  assert.equal(fixedTime("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05.000000000Z");
});
