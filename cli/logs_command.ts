/**
 * `mydocker logs [-f] [--tail N] [-t] [--since TIME] [--until TIME] CONTAINER`: a container's
 * stdout to stdout and its stderr to stderr, in the order it wrote them, as `docker logs` prints
 * them from the json-file log.
 *
 * @module
 */

import { containerLogs, type LogEntry } from "../engine/container_listing.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import type { OptionsOf } from "./commands.ts";

/** Milliseconds per unit of a Go duration (`1h30m`, `42s`, `1.5m`). */
const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/**
 * Parses `--since`/`--until` as Docker does: an RFC 3339 time or date (`2013-01-02T13:23:37Z`,
 * `2013-01-02`), a Unix timestamp (`1700000000.5`), or a Go duration back from `now` (`42m`).
 * Returns ms since the epoch.
 *
 * @throws {ExitCodeError} (125) for anything else, in Docker's words.
 */
export function parseLogTime(flag: "since" | "until", value: string, now = Date.now()): number {
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, number, unit] of value.matchAll(DURATION_PART)) {
      ms += Number(number) * DURATION_UNITS[unit!]!;
    }
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const time = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) {
    throw new ExitCodeError(
      `invalid value for "${flag}": failed to parse value as time or duration: "${value}"`,
    );
  }
  return time;
}

/**
 * An entry's time as `logs -t` shows it: RFC 3339 with nanoseconds, always nine digits
 * (`2026-01-02T03:04:05.678000000Z`).
 */
export function fixedTime(time: string): string {
  const [seconds, fraction = ""] = time.replace(/Z$/, "").split(".");
  return `${seconds}.${fraction.padEnd(9, "0").slice(0, 9)}Z`;
}

const ENCODER = new TextEncoder();

/** Writes all of `bytes` to stdout or stderr; false once the reader has gone (EPIPE). */
function write(stream: typeof Deno.stdout | typeof Deno.stderr, bytes: Uint8Array): boolean {
  try {
    for (let written = 0; written < bytes.length;) {
      written += stream.writeSync(bytes.subarray(written));
    }
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) return false;
    throw error;
  }
}

/**
 * Prints `entry` to stdout or stderr, as its stream says, after its time with `timestamps`;
 * false once the reader has gone.
 */
export function printLogEntry(entry: LogEntry, timestamps: boolean): boolean {
  const text = timestamps ? `${fixedTime(entry.time)} ${entry.log}` : entry.log;
  return write(entry.stream === "stderr" ? Deno.stderr : Deno.stdout, ENCODER.encode(text));
}

/** Prints the logs of container `reference` as `options` select them; returns the exit code. */
export async function logsCommand(
  root: string,
  reference: string,
  options: OptionsOf<"logs">,
): Promise<number> {
  const tail = Number(options.tail);
  const query = {
    follow: options.follow === true,
    // As dockerd: anything but a count (`all`, `-1`, `x`) is everything.
    tail: Number.isSafeInteger(tail) && tail >= 0 ? tail : undefined,
    since: options.since === undefined ? undefined : parseLogTime("since", options.since),
    until: options.until === undefined ? undefined : parseLogTime("until", options.until),
  };
  for await (const entry of containerLogs(root, reference, query)) {
    if (!printLogEntry(entry, options.timestamps === true)) break;
  }
  return 0;
}
