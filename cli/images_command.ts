/**
 * `mydocker images`: the stored images as Docker's table or a `--format` template.
 *
 * @module
 */

import { listImages } from "../engine/images.ts";
import { formatBytes } from "./format_bytes.ts";
import { printFormatted } from "./format_option.ts";
import { ago, goTime } from "./human_time.ts";
import type { OptionsOf } from "./commands.ts";

/** Lays out rows as left-aligned columns separated by three spaces. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row.map((cell, column) => column === row.length - 1 ? cell : cell.padEnd(widths[column]!))
      .join("   ")
  ).join("\n");
}

/** `images`' `--format` placeholders and their `table` headers, as Docker names them. */
const IMAGE_HEADERS = {
  Repository: "REPOSITORY",
  Tag: "TAG",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  Containers: "CONTAINERS",
  SharedSize: "SHARED SIZE",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "VIRTUAL SIZE",
} as const;

/** One `images` row as `--format` sees it: Docker's placeholders, all strings. */
type ImageRow = Record<keyof typeof IMAGE_HEADERS, string>;

/** Docker's default `images` table, and the one `--digests` shows. */
const IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
const DIGESTS_TABLE =
  "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

/**
 * `mydocker images [-a] [-q] [--digests] [--format F]`: the images stored under `root` as
 * Docker's table (`-a` changes nothing: mydocker keeps no intermediate images); `-q` prints ids
 * only unless a custom `--format` is given, as in Docker.
 *
 * @throws {ExitCodeError} (125) when the format does not parse.
 */
export async function imagesCommand(root: string, options: OptionsOf<"images">): Promise<number> {
  const images = await listImages(root);
  const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
  const custom = options.format !== undefined && options.format !== "table";
  if (options.quiet === true && !custom) {
    for (const image of images) console.log(shortId(image.id));
    return 0;
  }
  const { familiarRepository } = await import("../registry/format/reference.ts");
  const now = Date.now();
  const rows = images.map((image): ImageRow => ({
    Repository: familiarRepository(image),
    Tag: image.tag ?? "<none>",
    Digest: image.digest,
    ID: shortId(image.id),
    CreatedSince: image.created === undefined ? "N/A" : ago(image.created, now),
    CreatedAt: goTime(image.created ?? new Date(0).toISOString()),
    Size: formatBytes(image.size),
    Containers: "N/A",
    SharedSize: "N/A",
    UniqueSize: "N/A",
    VirtualSize: formatBytes(image.size),
  }));
  const table = options.digests === true ? DIGESTS_TABLE : IMAGES_TABLE;
  printFormatted(custom ? options.format! : table, rows, IMAGE_HEADERS);
  return 0;
}
