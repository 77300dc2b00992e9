/**
 * Byte counts for people, as Docker prints them in `images` and pull progress.
 *
 * @module
 */

/**
 * Formats a byte count as Docker does: decimal units, three significant digits (`12.3MB`), or
 * `digits` (Docker's `units.HumanSize`, in prune and `system df`, shows four: `16.43MB`).
 */
export function formatBytes(bytes: number, digits = 3): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(digits).replace(/\.?0+$/, "")}${units[unit]}`;
}

/**
 * Formats a byte count as Docker's `units.BytesSize` does: binary units, four significant
 * digits (`1.598MiB`, `7.775GiB`), as `stats` and `info` print memory.
 */
export function formatBinaryBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(4))}${units[unit]}`;
}
