/**
 * Times as Docker's listings print them: `5 minutes ago` (go-units' `HumanDuration`) and
 * `2024-01-02 15:04:05 +0000 UTC` (Go's `time.Time.String()` in UTC).
 *
 * @module
 */

/**
 * Formats a duration as go-units' `HumanDuration` does: `Less than a second`, `5 seconds`,
 * `About a minute`, `3 minutes`, `About an hour`, `2 hours`, `3 days`, `2 weeks`, `3 months`,
 * `2 years`.
 */
export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 2) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours < 2) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Says how long ago `iso` was, Docker style: `5 seconds ago`, `About a minute ago`. */
export function ago(iso: string, now = Date.now()): string {
  return `${duration(now - Date.parse(iso))} ago`;
}

/** `iso` as Go prints a UTC `time.Time`: `2024-01-02 15:04:05 +0000 UTC`. */
export function goTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
}
