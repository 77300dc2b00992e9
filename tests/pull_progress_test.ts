import assert from "node:assert/strict";
import { formatBytes } from "../cli/format_bytes.ts";
import { progressBar, PullProgress } from "../cli/pull_progress.ts";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const result = { digest: `sha256:${"d".repeat(64)}`, manifestDigest: "", id: "", downloaded: true };

Deno.test("formatBytes() uses Docker's decimal units", () => {
  assert.equal(formatBytes(512), "512B");
  assert.equal(formatBytes(12_345_678), "12.3MB");
  assert.equal(formatBytes(45_600_000), "45.6MB");
  assert.equal(formatBytes(2_000), "2kB");
});

Deno.test("progressBar() draws a 50-column bar with an arrow head", () => {
  assert.equal(progressBar(0, 100), `[>${" ".repeat(49)}]`);
  assert.equal(progressBar(50, 100), `[${"=".repeat(24)}>${" ".repeat(25)}]`);
  assert.equal(progressBar(100, 100), `[${"=".repeat(50)}]`);
});

Deno.test("PullProgress prints a few plain lines on a non-terminal", () => {
  const lines: string[] = [];
  const progress = new PullProgress("alpine:latest", "latest", "library/alpine", {
    terminal: false,
    writeLine: (line) => lines.push(line),
  });
  progress.handle({ type: "resolved", digest: result.digest, layers: [A, B] });
  progress.handle({ type: "layer", layer: A, status: "exists", current: 0, total: 10 });
  progress.handle({ type: "layer", layer: B, status: "downloading", current: 5, total: 10 });
  progress.handle({ type: "layer", layer: B, status: "extracting", current: 10, total: 10 });
  progress.handle({ type: "layer", layer: B, status: "done", current: 10, total: 10 });
  progress.finish(result);
  assert.deepEqual(lines, [
    "latest: Pulling from library/alpine",
    "aaaaaaaaaaaa: Already exists",
    "bbbbbbbbbbbb: Pull complete",
    `Digest: ${result.digest}`,
    "Status: Downloaded newer image for alpine:latest",
  ]);
});

Deno.test("PullProgress prints nothing when quiet", () => {
  const lines: string[] = [];
  const progress = new PullProgress("alpine:latest", "latest", "library/alpine", {
    quiet: true,
    terminal: false,
    writeLine: (line) => lines.push(line),
  });
  progress.handle({ type: "layer", layer: A, status: "done", current: 1, total: 1 });
  progress.finish({ ...result, downloaded: false });
  assert.deepEqual(lines, []);
});

const live = (size: { columns: number; rows: number }) => {
  const output: string[] = [];
  const lines: string[] = [];
  const progress = new PullProgress("alpine:latest", "latest", "library/alpine", {
    terminal: true,
    size: () => size,
    write: (text) => output.push(text),
    writeLine: (line) => lines.push(line),
  });
  return { progress, output, lines };
};

Deno.test("PullProgress on a terminal of no size falls back to plain lines", () => {
  const { progress, output, lines } = live({ columns: 0, rows: 0 });
  progress.handle({ type: "resolved", digest: result.digest, layers: [A] });
  progress.handle({ type: "layer", layer: A, status: "done", current: 1, total: 1 });
  assert.deepEqual(output, []);
  assert.deepEqual(lines, ["latest: Pulling from library/alpine", "aaaaaaaaaaaa: Pull complete"]);
});

Deno.test("PullProgress on a short terminal prints every layer once and redraws only what is on screen", () => {
  const { progress, output } = live({ columns: 80, rows: 3 });
  const layers = [A, B, `sha256:${"c".repeat(64)}`, `sha256:${"e".repeat(64)}`];
  progress.handle({ type: "resolved", digest: result.digest, layers });
  for (const layer of layers) {
    progress.handle({ type: "layer", layer, status: "waiting", current: 0, total: 10 });
  }
  const first = output.join("");
  for (const id of ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc", "eeeeeeeeeeee"]) {
    assert.ok(first.includes(`${id}: Waiting`), id);
  }
  progress.handle({ type: "layer", layer: A, status: "done", current: 10, total: 10 });
  const redraw = output.at(-1)!;
  assert.ok(redraw.startsWith("\x1b[2A"), JSON.stringify(redraw));
  assert.equal(redraw.split("\n").length - 1, 2);
});

Deno.test("PullProgress drops the bar on a narrow terminal and never wraps a line", () => {
  const { progress, output } = live({ columns: 40, rows: 24 });
  progress.handle({ type: "resolved", digest: result.digest, layers: [A] });
  progress.handle({ type: "layer", layer: A, status: "downloading", current: 5e6, total: 1e7 });
  const drawn = output.at(-1)!.replaceAll("\x1b[2K", "").replaceAll("\r", "");
  assert.equal(drawn, "aaaaaaaaaaaa: Downloading 5MB/10MB\n");
  const wide = live({ columns: 120, rows: 24 });
  wide.progress.handle({ type: "resolved", digest: result.digest, layers: [A] });
  wide.progress.handle({
    type: "layer",
    layer: A,
    status: "downloading",
    current: 5e6,
    total: 1e7,
  });
  assert.match(wide.output.at(-1)!, /Downloading \[=+>\s+\] 5MB\/10MB\n$/);
});

Deno.test("PullProgress says 'Unable to find image … locally' first when run pulls", () => {
  const lines: string[] = [];
  new PullProgress("alpine:latest", "latest", "library/alpine", {
    terminal: false,
    missingLocally: true,
    writeLine: (line) => lines.push(line),
  });
  assert.deepEqual(lines, [
    "Unable to find image 'alpine:latest' locally",
    "latest: Pulling from library/alpine",
  ]);
});
