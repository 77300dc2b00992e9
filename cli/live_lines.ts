/**
 * A small live-lines renderer for a terminal (what log-update did, without its trimming): redraws
 * a list of lines in place with cursor-up and erase-line escapes. It never drops a line: when the
 * list is taller than the terminal, only the lines still on screen are redrawn and the ones above
 * stay in the scrollback as last drawn. Each line is cut to the terminal's width, so none wraps
 * and the cursor arithmetic holds.
 *
 * @module
 */

/** A terminal's size in character cells; 0 when unknown. */
export interface TerminalSize {
  /** Columns. */
  columns: number;
  /** Rows. */
  rows: number;
}

/** Returns stderr's size, or zeros when stderr is not a terminal or reports none. */
export function stderrSize(): TerminalSize {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 0, rows: 0 };
  }
}

const CURSOR_UP = (lines: number) => `\x1b[${lines}A`;
const ERASE_LINE = "\r\x1b[2K";

/** Redraws a growing list of lines in place on a terminal. */
export class LiveLines {
  readonly #write: (text: string) => void;
  readonly #size: () => TerminalSize;
  #printed = 0;

  /** Draws through `write` on a terminal of `size()` (asked again at every draw). */
  constructor(write: (text: string) => void, size: () => TerminalSize) {
    this.#write = write;
    this.#size = size;
  }

  /** Shows `lines`: redraws those already printed that are still on screen, appends the rest. */
  draw(lines: readonly string[]): void {
    const { columns, rows } = this.#size();
    const up = Math.min(this.#printed, Math.max(0, rows - 1));
    let text = up > 0 ? CURSOR_UP(up) : "";
    for (const line of lines.slice(this.#printed - up)) {
      text += `${ERASE_LINE}${columns > 1 ? line.slice(0, columns - 1) : line}\n`;
    }
    this.#printed = Math.max(this.#printed, lines.length);
    this.#write(text);
  }
}
