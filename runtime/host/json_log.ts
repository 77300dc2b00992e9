/**
 * A container's log as Docker's json-file driver keeps it: one file, `<id>-json.log` in the
 * container's directory, holding stdout and stderr in the order they came, one JSON object a line
 * (`{"log":"out\n","stream":"stdout","time":"2026-01-02T03:04:05.678Z"}`), rotated to `….1`,
 * `….2`, … when it reaches its size cap. The writer here; `json_log_reader.ts` reads it back.
 *
 * @module
 */

import { concatBytes } from "../../sys/bytes.ts";
import { writeAllAsync } from "../../sys/pty.ts";
import type { OutputSink } from "./stdio_relay.ts";

/** Which of the container's output streams a line came from. */
export type LogStream = "stdout" | "stderr";

/** One line of a json-file log. */
export interface LogEntry {
  /** The text, with its newline (none for a line cut at {@linkcode MAX_LINE_BYTES}, or the last). */
  log: string;
  stream: LogStream;
  /** When it was written (RFC 3339). */
  time: string;
}

/** How large a log file grows before it is rotated, and how many files are kept. */
export interface LogLimits {
  /** Bytes per file. */
  maxSize: number;
  /** Files kept, the current one included (at least 1). */
  maxFiles: number;
}

/**
 * mydocker's default caps: 10 MiB per file, 3 files. (Docker's json-file driver keeps everything
 * by default; a daemonless mydocker has no `log-opts` in a daemon.json, so it caps by default.)
 */
export const DEFAULT_LOG_LIMITS: LogLimits = { maxSize: 10 * 1024 * 1024, maxFiles: 3 };

/** Longest line kept whole: a longer one is cut into entries of this size, as Docker cuts them. */
export const MAX_LINE_BYTES = 16 * 1024;

/** The name of rotated file `index` of the log at `path` (0: the current one). */
export function logFile(path: string, index: number): string {
  return index === 0 ? path : `${path}.${index}`;
}

/** Appends a container's output to its json-file log, line by line, rotating it at its cap. */
export class JsonLogWriter {
  readonly #path: string;
  readonly #limits: LogLimits;
  readonly #pending: Record<LogStream, Uint8Array> = {
    stdout: new Uint8Array(),
    stderr: new Uint8Array(),
  };
  #file: Deno.FsFile;
  #size: number;

  /** Opens (creates) the log at `path` for appending. */
  constructor(path: string, limits: LogLimits = DEFAULT_LOG_LIMITS) {
    this.#path = path;
    this.#limits = limits;
    this.#file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
    this.#size = this.#file.statSync().size;
  }

  /** Logs `bytes` that `stream` produced: each complete line becomes one entry. */
  write(stream: LogStream, bytes: Uint8Array): void {
    let data: Uint8Array = concatBytes([this.#pending[stream], bytes]);
    for (let end; (end = data.indexOf(10)) !== -1 || data.length >= MAX_LINE_BYTES;) {
      const cut = end === -1 || end >= MAX_LINE_BYTES ? MAX_LINE_BYTES : end + 1;
      this.#append(stream, data.subarray(0, cut));
      data = data.subarray(cut);
    }
    this.#pending[stream] = data.slice();
  }

  /** Logs what is left of unfinished lines, and closes the file. */
  close(): void {
    try {
      for (const stream of ["stdout", "stderr"] as const) {
        if (this.#pending[stream].length > 0) this.#append(stream, this.#pending[stream]);
        this.#pending[stream] = new Uint8Array();
      }
    } catch {
      // A full disk: the unfinished lines are lost, the container's end is not.
    } finally {
      this.#file.close();
    }
  }

  #append(stream: LogStream, line: Uint8Array): void {
    const entry: LogEntry = {
      log: new TextDecoder().decode(line),
      stream,
      time: new Date().toISOString(),
    };
    const bytes = new TextEncoder().encode(`${JSON.stringify(entry)}\n`);
    if (this.#size > 0 && this.#size + bytes.length > this.#limits.maxSize) this.#rotate();
    for (let written = 0; written < bytes.length;) {
      written += this.#file.writeSync(bytes.subarray(written));
    }
    this.#size += bytes.length;
  }

  /** Shifts `….1` to `….2` and so on (dropping the oldest), the current file to `….1`. */
  #rotate(): void {
    this.#file.close();
    const last = this.#limits.maxFiles - 1;
    if (last === 0) Deno.truncateSync(this.#path);
    for (let index = last; index > 0; index--) {
      try {
        Deno.renameSync(logFile(this.#path, index - 1), logFile(this.#path, index));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    this.#file = Deno.openSync(this.#path, { append: true, create: true, mode: 0o600 });
    this.#size = 0;
  }
}

/**
 * A relay's sink for a foreground container: what it writes goes to mydocker's stdout and stderr
 * and into the log `log()` returns (once there is one).
 */
export function teeToLog(log: () => JsonLogWriter | undefined): OutputSink {
  return (fd, bytes) => {
    try {
      log()?.write(fd === 1 ? "stdout" : "stderr", bytes);
    } catch {
      // A log that cannot be written (a full disk) never stops the output itself.
    }
    return writeAllAsync(fd, bytes);
  };
}
