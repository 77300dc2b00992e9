/**
 * `mydocker images`: the stored images as Docker's table or a `--format` template.
 *
 * @module
 */

import { listImages } from "../engine/images.ts";
import { filterImages, IMAGE_FILTER_KEYS, type ImageFilterKey } from "../engine/image_filters.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
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
 * Reads `--filter` values into filters; throws ExitCodeError (125) in Docker's words for a value
 * without `=` or an unknown key.
 */
function imageFilters(values: readonly string[]): Map<ImageFilterKey, string[]> {
  const filters = new Map<ImageFilterKey, string[]>();
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals === -1) throw new ExitCodeError("bad format of filter (expected name=value)");
    const key = value.slice(0, equals).toLowerCase() as ImageFilterKey;
    if (!IMAGE_FILTER_KEYS.includes(key)) {
      throw new ExitCodeError(`invalid filter '${value.slice(0, equals)}'`);
    }
    filters.set(key, [...(filters.get(key) ?? []), value.slice(equals + 1)]);
  }
  return filters;
}

/**
 * `mydocker images [-a] [-q] [-f KEY=VALUE] [--digests] [--no-trunc] [--format F]`: the images
 * stored under `root` as Docker's table (`-a` changes nothing: mydocker keeps no intermediate
 * images); `-q` prints ids only unless a custom `--format` is given, as in Docker; `--no-trunc`
 * shows whole ids (`sha256:…`).
 *
 * @throws {ExitCodeError} (125) when a filter or the format does not parse.
 */
export async function imagesCommand(root: string, options: OptionsOf<"images">): Promise<number> {
  const filters = imageFilters(options.filter ?? []);
  const images = await filterImages(root, await listImages(root), filters);
  const shortId = (id: string) =>
    options.noTrunc === true ? id : id.replace(/^sha256:/, "").slice(0, 12);
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
