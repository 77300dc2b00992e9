/**
 * Docker's restart policies (`--restart no|on-failure[:N]|always|unless-stopped`): parsing one,
 * deciding whether a container that ended is started again, and how long its monitor waits first
 * (Docker's back-off: 100 ms, doubling at each restart up to a minute, back to 100 ms after a run
 * of 10 seconds or more).
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";

/** The policy names Docker knows. */
export const RESTART_POLICY_NAMES = ["no", "on-failure", "always", "unless-stopped"] as const;

/** A restart policy as `inspect` shows it (`HostConfig.RestartPolicy`). */
export interface RestartPolicy {
  name: typeof RESTART_POLICY_NAMES[number];
  /** For `on-failure`: how many restarts at most (0: no limit). */
  maximumRetryCount: number;
}

/** The first wait before a restart. */
export const FIRST_RESTART_DELAY_MS = 100;
/** The longest wait before a restart. */
const MAX_RESTART_DELAY_MS = 60_000;
/** A run at least this long resets the wait to {@linkcode FIRST_RESTART_DELAY_MS}. */
const STEADY_RUN_MS = 10_000;

/**
 * Parses `--restart` as Docker does.
 *
 * @throws {ExitCodeError} (125) for an unknown policy or a bad count, in Docker's words.
 */
export function parseRestartPolicy(value: string): RestartPolicy {
  const [name, count, ...rest] = value.split(":");
  if (!(RESTART_POLICY_NAMES as readonly string[]).includes(name!) || rest.length > 0) {
    throw new ExitCodeError(
      `invalid restart policy: unknown policy '${name}'; use one of 'no', ` +
        `'always', 'on-failure', or 'unless-stopped'`,
    );
  }
  const policy = name as RestartPolicy["name"];
  if (count === undefined) return { name: policy, maximumRetryCount: 0 };
  if (policy !== "on-failure") {
    throw new ExitCodeError(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  }
  const maximumRetryCount = Number(count);
  if (!/^\d+$/.test(count) || !Number.isSafeInteger(maximumRetryCount)) {
    throw new ExitCodeError(`invalid restart policy: invalid maximum retry count: ${count}`);
  }
  return { name: policy, maximumRetryCount };
}

/**
 * Whether a container that ended with `exitCode` after `restartCount` restarts is started again;
 * never once `stop` asked for its end.
 */
export function shouldRestart(
  policy: RestartPolicy | undefined,
  exitCode: number,
  restartCount: number,
  stopRequested: boolean,
): boolean {
  if (policy === undefined || stopRequested) return false;
  switch (policy.name) {
    case "no":
      return false;
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 &&
        (policy.maximumRetryCount === 0 || restartCount < policy.maximumRetryCount);
  }
}

/** The wait before the next restart, after waiting `previous` ms before a run of `ranMs`. */
export function nextRestartDelay(previous: number | undefined, ranMs: number): number {
  if (previous === undefined || ranMs >= STEADY_RUN_MS) return FIRST_RESTART_DELAY_MS;
  return Math.min(previous * 2, MAX_RESTART_DELAY_MS);
}
