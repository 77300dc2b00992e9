/**
 * What `--format` does to a listing (`ps`, `images`) or a single object (`inspect`, `version`,
 * `info`), as Docker's CLI does it: `table …` prints a header row made from the same template and
 * aligns columns as Go's tabwriter (min width 10, padding 3); `json` is `{{json .}}`; `\t` and
 * `\n` written literally in the format become a tab and a newline; every other format is a Go
 * template run once per item, each followed by a newline.
 *
 * @module
 */

import { parseTemplate, TemplateError } from "./go_template.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

const TABLE = "table";

/**
 * Aligns tab-separated cells as Go's `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)` does: a cell
 * followed by a tab is padded to its column's widest cell plus 3 (at least 10); the last cell of a
 * line is not.
 */
export function alignTabs(lines: readonly string[]): string[] {
  const rows = lines.map((line) => line.split("\t"));
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 10, cell.length + 3);
    });
  }
  return rows.map((row) =>
    row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!))
      .join("")
  );
}

function compile(format: string): (data: unknown) => string {
  const source = format === "json" ? "{{json .}}" : format.replaceAll("\\t", "\t").replaceAll(
    "\\n",
    "\n",
  );
  try {
    const template = parseTemplate(source);
    return (data) => {
      try {
        return template.execute(data);
      } catch (error) {
        throw error instanceof TemplateError ? new ExitCodeError(error.message) : error;
      }
    };
  } catch (error) {
    throw error instanceof TemplateError ? new ExitCodeError(error.message) : error;
  }
}

/**
 * Renders `items` with `format`; `headers` maps each field to its column header for `table`.
 * Returns the lines to print.
 *
 * @throws {ExitCodeError} (125) when the template does not parse or fails on an item.
 */
export function formatItems(
  format: string,
  items: readonly unknown[],
  headers: Readonly<Record<string, string>> = {},
): string[] {
  if (!format.startsWith(TABLE)) {
    const render = compile(format);
    return items.map(render);
  }
  const render = compile(format.slice(TABLE.length).trim());
  const headerData = new Map(Object.entries(headers));
  return alignTabs([render(headerData), ...items.map(render)]);
}

/** Prints `items` rendered with `format` (see {@linkcode formatItems}). */
export function printFormatted(
  format: string,
  items: readonly unknown[],
  headers: Readonly<Record<string, string>> = {},
): void {
  for (const line of formatItems(format, items, headers)) console.log(line);
}
