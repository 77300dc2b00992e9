/**
 * Renders pull progress on stderr: on a terminal one live line per layer, as Docker draws them
 * (`a1b2c3d4e5f6: Downloading [=====>    ] 12.3MB/45.6MB`); elsewhere (CI logs) a few plain lines;
 * nothing at all when quiet.
 *
 * @module
 */

import process from "node:process";
import { createLogUpdate } from "log-update";
import type { LayerStatus, PullEvent, PullObserver, PullResult } from "../engine/pull_image.ts";
import { formatBytes } from "./format_bytes.ts";

/** Options of {@linkcode PullProgress}. */
export interface PullProgressOptions {
  /** Print nothing. */
  quiet?: boolean;
  /** Draw live lines; defaults to whether stderr is a terminal. */
  terminal?: boolean;
  /** Where plain lines go (default: stderr). */
  writeLine?: (line: string) => void;
}

const BAR_WIDTH = 50;
const REDRAW_MS = 100;

/** Draws a Docker-style progress bar: `[=====>     ]`. */
export function progressBar(current: number, total: number): string {
  const filled = total <= 0 ? 0 : Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH));
  const arrow = filled < BAR_WIDTH ? ">" : "";
  return `[${"=".repeat(Math.max(0, filled - arrow.length))}${arrow}${
    " ".repeat(BAR_WIDTH - Math.max(filled, arrow.length))
  }]`;
}

/** The short layer id Docker shows: 12 hex digits of the digest. */
function shortId(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1, digest.indexOf(":") + 13);
}

const STATUS_TEXT: Record<LayerStatus, string> = {
  waiting: "Waiting",
  downloading: "Downloading",
  extracting: "Extracting",
  done: "Pull complete",
  exists: "Already exists",
};

/** Renders the events of one `pullImage()` call. */
export class PullProgress implements PullObserver {
  readonly #name: string;
  readonly #quiet: boolean;
  readonly #terminal: boolean;
  readonly #writeLine: (line: string) => void;
  readonly #layers = new Map<string, { status: LayerStatus; current: number; total: number }>();
  #live: ReturnType<typeof createLogUpdate> | undefined;
  #lastDraw = 0;

  /**
   * Starts rendering the pull of `name` (e.g. `alpine:latest`); prints
   * `<tag>: Pulling from <repository>` from `tag` and `repository`.
   */
  constructor(name: string, tag: string, repository: string, options: PullProgressOptions = {}) {
    this.#name = name;
    this.#quiet = options.quiet ?? false;
    this.#terminal = options.terminal ?? Deno.stderr.isTerminal();
    this.#writeLine = options.writeLine ?? ((line) => process.stderr.write(`${line}\n`));
    this.#print(`${tag}: Pulling from ${repository}`);
  }

  /** Takes one progress event; pass it as `pullImage()`'s `onEvent`. */
  readonly handle = (event: PullEvent): void => {
    if (this.#quiet) return;
    if (event.type === "resolved") {
      for (const layer of event.layers) {
        this.#layers.set(layer, { status: "waiting", current: 0, total: 0 });
      }
      return;
    }
    const previous = this.#layers.get(event.layer)?.status;
    this.#layers.set(event.layer, event);
    if (this.#terminal) {
      const now = performance.now();
      if (previous !== event.status || now - this.#lastDraw >= REDRAW_MS) {
        this.#lastDraw = now;
        this.#draw();
      }
    } else if (
      event.status !== previous && (event.status === "done" || event.status === "exists")
    ) {
      this.#writeLine(`${shortId(event.layer)}: ${STATUS_TEXT[event.status]}`);
    }
  };

  /** Prints the closing lines: the digest and whether a newer image was downloaded. */
  finish(result: PullResult): void {
    if (this.#quiet) return;
    if (this.#live !== undefined) {
      this.#draw();
      this.#live.done();
    }
    this.#print(`Digest: ${result.digest}`);
    this.#print(
      result.downloaded
        ? `Status: Downloaded newer image for ${this.#name}`
        : `Status: Image is up to date for ${this.#name}`,
    );
  }

  /** Stops live drawing after a failed pull, leaving the last state on screen. */
  abort(): void {
    this.#live?.done();
    this.#live = undefined;
  }

  #print(line: string): void {
    if (!this.#quiet) this.#writeLine(line);
  }

  #draw(): void {
    this.#live ??= createLogUpdate(process.stderr, { showCursor: true });
    const lines = [...this.#layers].map(([layer, { status, current, total }]) => {
      const text = `${shortId(layer)}: ${STATUS_TEXT[status]}`;
      if (status !== "downloading") return text;
      return `${text} ${progressBar(current, total)} ${formatBytes(current)}/${formatBytes(total)}`;
    });
    this.#live(lines.join("\n"));
  }
}
