/**
 * What `ps`'s options ask for, checked as Docker checks them: `-f KEY=VALUE` filters (status,
 * name, id, ancestor; the same key given twice matches either value, different keys must all
 * match), `-n N`, `-l`, `--no-trunc`, `-s`, `--format`.
 *
 * @module
 */

import type { OptionsOf } from "./commands.ts";
import { UsageError } from "./parse_args.ts";

/** The filter keys `ps -f` knows. */
const FILTER_KEYS = ["status", "name", "id", "ancestor"] as const;

/** A filter key of `ps -f`. */
export type PsFilterKey = (typeof FILTER_KEYS)[number];

/** The statuses `ps -f status=` accepts, as Docker names them. */
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

/** `ps`'s options, checked. */
export interface PsOptions {
  /** `-a`, or implied by `-n`, `-l` and a status filter. */
  all: boolean;
  quiet: boolean;
  /** The values of each filter key given. */
  filters: ReadonlyMap<PsFilterKey, readonly string[]>;
  /** How many of the newest containers to show (`-n`, `-l`); undefined for every one. */
  last: number | undefined;
  noTrunc: boolean;
  size: boolean;
  /** `--format`: a Go template, `table …` or `json`; undefined for Docker's default table. */
  format: string | undefined;
}

function isFilterKey(key: string): key is PsFilterKey {
  return (FILTER_KEYS as readonly string[]).includes(key);
}

/** Reads `-f` values into filters; throws a UsageError in Docker's words. */
function parseFilters(values: readonly string[]): Map<PsFilterKey, string[]> {
  const filters = new Map<PsFilterKey, string[]>();
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals === -1) {
      throw new UsageError("bad format of filter (expected name=value)", "mydocker ps");
    }
    const key = value.slice(0, equals).toLowerCase();
    const wanted = value.slice(equals + 1);
    if (!isFilterKey(key)) throw new UsageError(`invalid filter '${key}'`, "mydocker ps");
    if (key === "status" && !STATUSES.includes(wanted)) {
      throw new UsageError(`invalid filter 'status=${wanted}'`, "mydocker ps");
    }
    filters.set(key, [...(filters.get(key) ?? []), wanted]);
  }
  return filters;
}

/** Checks `ps`'s parsed options; throws a UsageError for a bad `-n` or `-f`. */
export function psOptions(options: OptionsOf<"ps">): PsOptions {
  let last: number | undefined;
  if (options.last !== undefined) {
    if (!/^-?\d+$/.test(options.last)) {
      throw new UsageError(
        `invalid argument "${options.last}" for "-n, --last" flag: strconv.ParseInt: parsing "${options.last}": invalid syntax`,
        "mydocker ps",
      );
    }
    const n = Number(options.last);
    if (n >= 0) last = n; // Docker's default, -1, is every container.
  }
  if (options.latest === true) last = 1;
  const filters = parseFilters(options.filter ?? []);
  return {
    all: options.all === true || last !== undefined || filters.has("status"),
    quiet: options.quiet === true,
    filters,
    last,
    noTrunc: options.noTrunc === true,
    size: options.size === true,
    format: options.format,
  };
}
