/**
 * `stats --no-stream`: one sample of each running container's resource use, read from its cgroups
 * (v2 files, or the v1 controllers' on a v1 or hybrid host) and its network namespace, the
 * figures `docker stats` prints.
 *
 * @module
 */

import { existingCgroupProcs } from "../runtime/cgroups/mod.ts";
import {
  findContainer,
  listContainers,
  type StoredContainer,
} from "../runtime/state/containers.ts";
import { containerPids } from "./container_processes.ts";

/** One row of `stats`. */
export interface ContainerStats {
  id: string;
  name: string;
  /** CPU use over the sample, in percent of one CPU (as Docker: 200% is two CPUs busy). */
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** How long CPU use is sampled over. */
const SAMPLE_MS = 500;

function read(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** `key value` lines (cpu.stat, memory.stat) as a map. */
function keyed(text: string | undefined): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.split(" ");
    if (key && value !== undefined) map.set(key, Number(value));
  }
  return map;
}

function hostMemory(): number {
  const match = read("/proc/meminfo")?.match(/^MemTotal:\s+(\d+) kB/m);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The first of `files` that one of `dirs` has, as text. */
function first(dirs: readonly string[], file: string): string | undefined {
  for (const dir of dirs) {
    const text = read(`${dir}/${file}`);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** CPU time used so far, in nanoseconds. */
function cpuNanos(dirs: readonly string[]): number {
  const v2 = keyed(first(dirs, "cpu.stat")).get("usage_usec");
  if (v2 !== undefined) return v2 * 1000;
  return Number(first(dirs, "cpuacct.usage") ?? 0);
}

function memory(dirs: readonly string[]): { usage: number; limit: number } {
  const host = hostMemory();
  const current = first(dirs, "memory.current");
  const stat = keyed(first(dirs, "memory.stat"));
  if (current !== undefined) {
    const max = first(dirs, "memory.max")?.trim();
    const usage = Number(current) - (stat.get("inactive_file") ?? 0);
    return {
      usage,
      limit: max === undefined || max === "max" ? host : Math.min(Number(max), host),
    };
  }
  const usage = Number(first(dirs, "memory.usage_in_bytes") ?? 0) -
    (stat.get("total_inactive_file") ?? 0);
  const limit = Number(first(dirs, "memory.limit_in_bytes") ?? host);
  return { usage, limit: Math.min(limit, host) };
}

function blockIo(dirs: readonly string[]): { read: number; write: number } {
  let read = 0;
  let write = 0;
  const v2 = first(dirs, "io.stat");
  if (v2 !== undefined) {
    for (const match of v2.matchAll(/rbytes=(\d+) wbytes=(\d+)/g)) {
      read += Number(match[1]);
      write += Number(match[2]);
    }
    return { read, write };
  }
  for (const line of (first(dirs, "blkio.throttle.io_service_bytes") ?? "").split("\n")) {
    const [, op, value] = line.split(" ");
    if (op === "Read") read += Number(value);
    if (op === "Write") write += Number(value);
  }
  return { read, write };
}

/** Bytes received and sent by the interfaces of `pid`'s network namespace, loopback left out. */
function network(pid: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of (read(`/proc/${pid}/net/dev`) ?? "").split("\n").slice(2)) {
    const [name, counters] = line.split(":");
    if (counters === undefined || name!.trim() === "lo") continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0]!;
    tx += fields[8]!;
  }
  return { rx, tx };
}

/**
 * One sample of the running containers `references` name under `root` (all running ones when
 * empty), CPU measured over half a second.
 *
 * @throws {ExitCodeError} (125) when a named container does not exist or is not running.
 */
export async function containerStats(
  root: string,
  references: readonly string[],
): Promise<ContainerStats[]> {
  const containers: StoredContainer[] = references.length === 0
    ? listContainers(root).filter((c) => c.state.status === "running")
    : references.map((reference) => findContainer(root, reference));
  const watched = containers.map((container) => {
    const pids = containerPids(root, container.record.id);
    const dirs = existingCgroupProcs(container.record.id).map((p) => p.replace(/\/[^/]+$/, ""));
    return { container, dirs, pids, before: cpuNanos(dirs), since: performance.now() };
  });
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  return watched.map(({ container, dirs, pids, before, since }) => {
    const elapsedNs = (performance.now() - since) * 1e6;
    const { usage, limit } = memory(dirs);
    const { read, write } = blockIo(dirs);
    const { rx, tx } = network(container.state.pid!);
    const current = Number(first(dirs, "pids.current") ?? pids.size);
    return {
      id: container.record.id,
      name: container.record.name,
      cpuPercent: (cpuNanos(dirs) - before) / elapsedNs * 100,
      memoryUsage: usage,
      memoryLimit: limit,
      netRx: rx,
      netTx: tx,
      blockRead: read,
      blockWrite: write,
      pids: current,
    };
  });
}
