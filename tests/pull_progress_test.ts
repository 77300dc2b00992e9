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
