/**
 * `top`: the processes of a running container, as the host's `ps` shows them (Docker runs
 * `ps -ef` on the host and keeps the container's rows).
 *
 * @module
 */

import { existingCgroupProcs } from "../runtime/cgroups/mod.ts";
import { findContainer } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** The host pids of the container `reference` names under `root` (its cgroups' and its PID 1). */
export function containerPids(root: string, reference: string): Set<number> {
  const { record, state } = findContainer(root, reference);
  if (state.status !== "running" || state.pid === undefined) {
    throw new ExitCodeError(`Container ${record.id} is not running`);
  }
  const pids = new Set([state.pid]);
  for (const procs of existingCgroupProcs(record.id)) {
    for (const line of Deno.readTextFileSync(procs).split("\n")) {
      if (line !== "") pids.add(Number(line));
    }
  }
  return pids;
}

/**
 * Runs the host's `ps` with `psArgs` (default `-ef`) and returns the title row and the rows of the
 * container's processes, each a list of columns.
 *
 * @throws {ExitCodeError} (125) when the container is not running or `ps` fails.
 */
export async function containerTop(
  root: string,
  reference: string,
  psArgs: readonly string[],
): Promise<string[][]> {
  const pids = containerPids(root, reference);
  const args = psArgs.length === 0 ? ["-ef"] : [...psArgs];
  const output = await new Deno.Command("ps", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const reason = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    throw new ExitCodeError(`ps: ${reason}`);
  }
  const [title, ...lines] = text.trimEnd().split("\n");
  const titles = title!.trim().split(/\s+/);
  const pidColumn = titles.indexOf("PID");
  if (pidColumn < 0) throw new ExitCodeError(`Couldn't find PID field in ps output`);
  const rows = lines.map((line) => {
    const fields = line.trim().split(/\s+/);
    return [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")];
  });
  return [titles, ...rows.filter((row) => pids.has(Number(row[pidColumn])))];
}
