/**
 * `mydocker images`: the stored images as a table, like `docker images`.
 *
 * @module
 */

import { ImageStore } from "../registry/store.ts";

/** Formats a byte count the way Docker does: `1.23MB` (powers of 1000). */
export function formatSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)}${units[unit]}`;
}

/** Lays out rows as left-aligned columns separated by three spaces. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!))
      .join("   ")
  ).join("\n");
}

/** Prints the images stored under `root`; `quiet` prints image ids only. */
export async function imagesCommand(root: string, quiet: boolean): Promise<number> {
  const images = await new ImageStore(root).listImages();
  const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
  if (quiet) {
    for (const image of images) console.log(shortId(image.id));
    return 0;
  }
  const { familiarRepository } = await import("../registry/reference.ts");
  const rows = [["REPOSITORY", "TAG", "IMAGE ID", "SIZE"]];
  for (const image of images) {
    rows.push([
      familiarRepository(image),
      image.tag ?? "<none>",
      shortId(image.id),
      formatSize(image.size),
    ]);
  }
  console.log(formatColumns(rows));
  return 0;
}
