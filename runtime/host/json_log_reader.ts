/**
 * Reading a container's json-file log (see `json_log.ts`): every entry kept, oldest rotated file
 * first, and then, to follow it, the entries written after that, across rotations, until the
 * container has ended.
 *
 * @module
 */

import { type LogEntry, logFile } from "./json_log.ts";

/** How often a follower looks for new entries. */
const FOLLOW_POLL_MS = 100;

/** Where a reader stopped in the current log file. */
export interface LogPosition {
  /** The file's inode: a new one means it was rotated. */
  ino: number | null;
  offset: number;
}

/** Parses the complete lines of `text`; returns the entries and how many bytes they took. */
function parseLines(bytes: Uint8Array): { entries: LogEntry[]; used: number } {
  const end = bytes.lastIndexOf(10) + 1;
  const entries: LogEntry[] = [];
  for (const line of new TextDecoder().decode(bytes.subarray(0, end)).split("\n")) {
    if (line === "") continue;
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      // A damaged line (a full disk) is skipped, as Docker skips it.
    }
  }
  return { entries, used: end };
}

/** Reads `path` from `offset`; nothing when it does not exist. */
function readFrom(path: string, offset: number): { bytes: Uint8Array; ino: number | null } {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { bytes: new Uint8Array(), ino: null };
    throw error;
  }
  using _ = file;
  const { size, ino } = file.statSync();
  if (size <= offset) return { bytes: new Uint8Array(), ino };
  file.seekSync(offset, Deno.SeekMode.Start);
  const bytes = new Uint8Array(size - offset);
  let read = 0;
  for (let count; read < bytes.length && (count = file.readSync(bytes.subarray(read)));) {
    read += count;
  }
  return { bytes: bytes.subarray(0, read), ino };
}

/** Every entry of the log at `path` and its `maxFiles - 1` rotated files, oldest first. */
export function readLog(path: string, maxFiles: number): {
  entries: LogEntry[];
  position: LogPosition;
} {
  const entries: LogEntry[] = [];
  for (let index = maxFiles - 1; index > 0; index--) {
    entries.push(...parseLines(readFrom(logFile(path, index), 0).bytes).entries);
  }
  const { bytes, ino } = readFrom(path, 0);
  const current = parseLines(bytes);
  entries.push(...current.entries);
  return { entries, position: { ino, offset: current.used } };
}

/**
 * The entries written to the log at `path` after `position`, as they come, until `ended()` says
 * the container has ended and everything it wrote has been read.
 */
export async function* followLog(
  path: string,
  position: LogPosition,
  ended: () => boolean,
): AsyncGenerator<LogEntry> {
  let { ino, offset } = position;
  for (;;) {
    const last = ended();
    let { bytes, ino: now } = readFrom(path, offset);
    if (now !== ino) {
      // Rotated: the rest of the old file is now `….1`, and the new file is read from its start.
      const old = readFrom(logFile(path, 1), offset);
      if (old.ino === ino) yield* parseLines(old.bytes).entries;
      ({ bytes, ino: now } = readFrom(path, 0));
      offset = 0;
      ino = now;
    }
    const { entries, used } = parseLines(bytes);
    offset += used;
    yield* entries;
    if (last && entries.length === 0) return;
    if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
  }
}
