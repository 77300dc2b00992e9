/**
 * Naming a process so that the name outlives pid reuse: its pid plus its start time. Used to tell
 * whether the owner of a leftover (a container's monitor, a cgroup's creator, a pull's temporary
 * files) is still alive.
 *
 * @module
 */

import { kill } from "./process.ts";

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

/** The calling process's identity, which a start records several times. */
let own: string | undefined;

/** Names process `pid` (default: the calling process) as `pid start-time`. */
export function processIdentity(pid: number = Deno.pid): string {
  if (pid === Deno.pid) return own ??= `${pid} ${processStartTime(pid) ?? ""}`;
  return `${pid} ${processStartTime(pid) ?? ""}`;
}

/**
 * Tells whether the process named by `identity` (from {@linkcode processIdentity}) is alive: it
 * exists and is no zombie (a monitor that has ended but that its parent, `start -a`, has not
 * reaped yet).
 */
export function isAlive(identity: string): boolean {
  const pid = Number(identity.split(" ")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || processIdentity(pid) !== identity) return false;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to the process named by `identity` if it is still that process; returns whether
 * it was alive to receive it.
 */
export function signalIdentified(identity: string, signal: number): boolean {
  if (!isAlive(identity)) return false;
  return kill(Number(identity.split(" ")[0]), signal);
}

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The system's uptime in clock ticks, the unit of a process's start time. */
export function uptimeTicks(): number {
  const seconds = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
  return Math.floor(seconds * TICKS_PER_SECOND);
}

/**
 * The pids of the processes in mount namespace `name` (`mnt:[inode]`) that started at uptime
 * `since` (clock ticks) or later: a namespace's inode may be reused once it is gone, but not by
 * a namespace whose processes started before it was made.
 */
export function processesInMountNamespace(name: string, since: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readLinkSync(`/proc/${entry.name}/ns/mnt`) !== name) continue;
      if (Number(processStartTime(Number(entry.name))) >= since) found.push(Number(entry.name));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}
