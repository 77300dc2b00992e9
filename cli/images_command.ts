/**
 * `mydocker images`: the stored images as a table, like `docker images`.
 *
 * @module
 */

import { listImages } from "../engine/images.ts";
import { formatBytes } from "./format_bytes.ts";

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
  const images = await listImages(root);
  const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
  if (quiet) {
    for (const image of images) console.log(shortId(image.id));
    return 0;
  }
  const { familiarRepository } = await import("../registry/format/reference.ts");
  const rows = [["REPOSITORY", "TAG", "IMAGE ID", "SIZE"]];
  for (const image of images) {
    rows.push([
      familiarRepository(image),
      image.tag ?? "<none>",
      shortId(image.id),
      formatBytes(image.size),
    ]);
  }
  console.log(formatColumns(rows));
  return 0;
}
