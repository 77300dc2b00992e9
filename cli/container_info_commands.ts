/**
 * The commands that look at (or rename) a container from outside: `top`, `stats`,
 * `rename`.
 *
 * @module
 */

import { formatBinaryBytes } from "./format_bytes.ts";
import { containerTop } from "../engine/container_processes.ts";
import { containerStats } from "../engine/container_stats.ts";
import { renameContainer } from "../engine/rename_container.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatColumns } from "./images_command.ts";

/** `mydocker top CONTAINER [ps OPTIONS]`: the container's processes as the host's `ps` shows them. */
export async function topCommand(
  root: string,
  container: string,
  psArgs: string[],
): Promise<number> {
  console.log(formatColumns(await containerTop(root, container, psArgs)));
  return 0;
}

/** The `stats` table of one sample of the containers `containers` names (all running: none). */
async function statsTable(root: string, containers: string[]): Promise<string> {
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
  return formatColumns(rows);
}

/** How often streaming `stats` redraws its table. */
const STATS_INTERVAL_MS = 1000;

/**
 * `mydocker stats [--no-stream] [CONTAINER...]`: one sample of each running container, or, without
 * `--no-stream`, the table redrawn in place every second (as Docker: cursor home, each line
 * erased to its end, the rest of the screen cleared) until Ctrl-C.
 */
export async function statsCommand(
  root: string,
  containers: string[],
  noStream: boolean,
): Promise<number> {
  if (noStream) {
    console.log(await statsTable(root, containers));
    return 0;
  }
  const encoder = new TextEncoder();
  const write = async (text: string) => {
    const bytes = encoder.encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await Deno.stdout.write(bytes.subarray(written));
    }
  };
  await write("\x1b[2J");
  for (;;) {
    const started = Date.now();
    const lines = (await statsTable(root, containers)).split("\n");
    await write(`\x1b[H${lines.map((line) => `${line}\x1b[K\n`).join("")}\x1b[J`);
    const left = STATS_INTERVAL_MS - (Date.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
}

/** `mydocker rename CONTAINER NEW_NAME`. */
export function renameCommand(root: string, container: string, name: string): number {
  renameContainer(root, container, name);
  return 0;
}
