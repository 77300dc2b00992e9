/**
 * The commands that look at (or rename) a container from outside: `top`, `stats --no-stream`,
 * `rename`.
 *
 * @module
 */

import { containerTop } from "../engine/container_processes.ts";
import { containerStats } from "../engine/container_stats.ts";
import { renameContainer } from "../engine/rename_container.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatColumns } from "./images_command.ts";

/**
 * Formats a byte count in binary units with four significant digits, as Docker's memory column:
 * `1.598MiB`, `7.775GiB`.
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

/** `mydocker top CONTAINER [ps OPTIONS]`: the container's processes as the host's `ps` shows them. */
export async function topCommand(
  root: string,
  container: string,
  psArgs: string[],
): Promise<number> {
  console.log(formatColumns(await containerTop(root, container, psArgs)));
  return 0;
}

/** `mydocker stats --no-stream [CONTAINER...]`: one sample of each running container. */
export async function statsCommand(root: string, containers: string[]): Promise<number> {
  const rows = [[
    "CONTAINER ID",
    "NAME",
    "CPU %",
    "MEM USAGE / LIMIT",
    "MEM %",
    "NET I/O",
    "BLOCK I/O",
    "PIDS",
  ]];
  for (const s of await containerStats(root, containers)) {
    rows.push([
      s.id.slice(0, 12),
      s.name,
      `${s.cpuPercent.toFixed(2)}%`,
      `${formatBinaryBytes(s.memoryUsage)} / ${formatBinaryBytes(s.memoryLimit)}`,
      `${(s.memoryLimit === 0 ? 0 : s.memoryUsage / s.memoryLimit * 100).toFixed(2)}%`,
      `${formatBytes(s.netRx)} / ${formatBytes(s.netTx)}`,
      `${formatBytes(s.blockRead)} / ${formatBytes(s.blockWrite)}`,
      String(s.pids),
    ]);
  }
  console.log(formatColumns(rows));
  return 0;
}

/** `mydocker rename CONTAINER NEW_NAME`. */
export function renameCommand(root: string, container: string, name: string): number {
  renameContainer(root, container, name);
  return 0;
}
