/**
 * Renders pull progress on stderr as Docker does: "Unable to find image … locally" when `run`
 * pulls, then on a terminal one live line per layer (`a1b2c3d4e5f6: Downloading [=====>    ]
 * 12.3MB/45.6MB`, the bar dropped when the terminal is too narrow for it), drawn by
 * `live_lines.ts`; elsewhere, and on a terminal that reports no size, plain lines, one per layer
 * as it completes; nothing at all when quiet.
 *
 * @module
 */

import type { LayerStatus, PullEvent, PullObserver, PullResult } from "../engine/pull_image.ts";
import { formatBytes } from "./format_bytes.ts";
import { LiveLines, stderrSize, type TerminalSize } from "./live_lines.ts";

/** Options of {@linkcode PullProgress}. */
export interface PullProgressOptions {
  /** Print nothing. */
  quiet?: boolean;
  /** Draw live lines; defaults to whether stderr is a terminal. */
  terminal?: boolean;
  /** The terminal's size (default: stderr's); live lines need a non-zero one. */
  size?: () => TerminalSize;
  /** Where plain lines go (default: stderr). */
  writeLine?: (line: string) => void;
  /** Where live drawing goes (default: stderr). */
  write?: (text: string) => void;
  /** Print "Unable to find image '<name>' locally" first, as `run` does before pulling. */
  missingLocally?: boolean;
}

const BAR_WIDTH = 50;
const REDRAW_MS = 100;
const encoder = new TextEncoder();

/** Writes `text` to stderr whole. */
function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stderr.writeSync(bytes.subarray(written));
  }
}

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
  readonly #size: () => TerminalSize;
  readonly #writeLine: (line: string) => void;
  readonly #layers = new Map<string, { status: LayerStatus; current: number; total: number }>();
  readonly #live: LiveLines | undefined;
  #lastDraw = 0;

  /**
   * Starts rendering the pull of `name` (e.g. `alpine:latest`); prints
   * `<tag>: Pulling from <repository>` from `tag` and `repository`.
   */
  constructor(name: string, tag: string, repository: string, options: PullProgressOptions = {}) {
    this.#name = name;
    this.#quiet = options.quiet ?? false;
    this.#size = options.size ?? stderrSize;
    this.#writeLine = options.writeLine ?? ((line) => writeStderr(`${line}\n`));
    const { columns, rows } = this.#size();
    const live = (options.terminal ?? Deno.stderr.isTerminal()) && columns > 0 && rows > 0;
    this.#live = live ? new LiveLines(options.write ?? writeStderr, this.#size) : undefined;
    if (options.missingLocally) this.#print(`Unable to find image '${name}' locally`);
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
    if (this.#live !== undefined) {
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
    if (this.#live !== undefined && this.#layers.size > 0) this.#draw();
    this.#print(`Digest: ${result.digest}`);
    this.#print(
      result.downloaded
        ? `Status: Downloaded newer image for ${this.#name}`
        : `Status: Image is up to date for ${this.#name}`,
    );
  }

  /** Ends after a failed pull, leaving the last state on screen. */
  abort(): void {}

  #print(line: string): void {
    if (!this.#quiet) this.#writeLine(line);
  }

  #draw(): void {
    const { columns } = this.#size();
    this.#live!.draw([...this.#layers].map(([layer, { status, current, total }]) => {
      const text = `${shortId(layer)}: ${STATUS_TEXT[status]}`;
      if (status !== "downloading") return text;
      const bytes = `${formatBytes(current)}/${formatBytes(total)}`;
      const withBar = `${text} ${progressBar(current, total)} ${bytes}`;
      return withBar.length < columns ? withBar : `${text} ${bytes}`;
    }));
  }
}
