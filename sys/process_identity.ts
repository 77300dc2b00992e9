/**
 * Naming a process so that the name outlives pid reuse: its pid plus its start time. Used to tell
 * whether the owner of a leftover (a container's monitor, a cgroup's creator, a pull's temporary
 * files) is still alive.
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

/** Names process `pid` (default: the calling process) as `pid start-time`. */
export function processIdentity(pid: number = Deno.pid): string {
  return `${pid} ${processStartTime(pid) ?? ""}`;
}

/** Tells whether the process named by `identity` (from {@linkcode processIdentity}) is alive. */
export function isAlive(identity: string): boolean {
  const pid = Number(identity.split(" ")[0]);
  return Number.isInteger(pid) && pid > 0 && processIdentity(pid) === identity;
}
