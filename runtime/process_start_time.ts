/**
 * A process's start time, which together with its pid names it uniquely: pids are reused,
 * (pid, start time) pairs are not. Used to tell whether the owner of a leftover is still alive.
 *
 * @module
 */

/** Returns the start time of process `pid` (clock ticks since boot), or undefined if it is gone. */
export function processStartTime(pid: number | "self"): string | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name; starttime is field 22 of the whole line.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}
