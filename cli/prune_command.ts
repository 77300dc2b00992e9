/**
 * `mydocker container prune`, `image prune`, `system prune` and `system df`: Docker's warning
 * and `[y/N]` prompt (skipped with `-f`), its `Deleted …:` sections and `Total reclaimed space:`
 * line, and its TYPE / TOTAL / ACTIVE / SIZE / RECLAIMABLE table (with `-v`, its tables of each
 * image, container and volume).
 *
 * @module
 */

import { pruneContainers } from "../engine/container_prune.ts";
import {
  type DiskUsage,
  type DiskUsageDetails,
  systemDiskUsage,
  systemDiskUsageDetails,
  type UsageRow,
} from "../engine/disk_usage.ts";
import { familiarRepository } from "../registry/format/reference.ts";
import { commandCell, status } from "./container_commands.ts";
import { ago } from "./human_time.ts";
import { pruneImages } from "../engine/images.ts";
import { pruneVolumes } from "../engine/volumes.ts";
import { confirm } from "./confirm.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatColumns } from "./images_command.ts";
import type { PruneInvocation } from "./prune_commands.ts";

/** What each prune removes, in Docker's words for its warning. */
const WARNINGS = {
  containers: "all stopped containers",
  volumes: "all anonymous volumes not used by at least one container",
  dangling: "all dangling images",
  images: "all images without at least one container associated to them",
} as const;

/** Bytes as Docker's `units.HumanSize` prints them (`16.43MB`). */
const humanSize = (bytes: number) => formatBytes(bytes, 4);

/** A `Deleted …:` section (its lines, then an empty line); nothing when none went. */
function section(heading: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : [`${heading}:`, ...lines, ""];
}

/** Runs the prunes `parts` asks for and prints their sections and the space freed. */
async function prune(
  root: string,
  parts: { containers: boolean; volumes: boolean; images: "dangling" | "all" | undefined },
): Promise<void> {
  const output: string[] = [];
  let bytes = 0;
  if (parts.containers) {
    const pruned = await pruneContainers(root);
    output.push(...section("Deleted Containers", pruned.ids));
    bytes += pruned.bytes;
  }
  if (parts.volumes) {
    const pruned = pruneVolumes(root, false);
    output.push(...section("Deleted Volumes", pruned.names));
    bytes += pruned.bytes;
  }
  if (parts.images !== undefined) {
    const pruned = await pruneImages(root, parts.images === "all");
    output.push(...section("Deleted Images", pruned.lines));
    bytes += pruned.bytes;
  }
  console.log([...output, `Total reclaimed space: ${humanSize(bytes)}`].join("\n"));
}

/** Docker's RECLAIMABLE cell: the bytes, with their share of SIZE when SIZE is not 0. */
function reclaimable(row: UsageRow): string {
  const bytes = humanSize(row.reclaimable);
  return row.size > 0 ? `${bytes} (${Math.floor(row.reclaimable * 100 / row.size)}%)` : bytes;
}

/** The `system df` table. */
export function diskUsageTable(usage: DiskUsage): string {
  const rows: [string, UsageRow][] = [
    ["Images", usage.images],
    ["Containers", usage.containers],
    ["Local Volumes", usage.volumes],
    ["Build Cache", { total: 0, active: 0, size: 0, reclaimable: 0 }],
  ];
  return formatColumns([
    ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
    ...rows.map(([type, row]) => [
      type,
      String(row.total),
      String(row.active),
      humanSize(row.size),
      reclaimable(row),
    ]),
  ]);
}

/** The tables of `system df -v`, under Docker's headings. */
export function diskUsageDetailsText(details: DiskUsageDetails): string {
  const now = Date.now();
  const images = formatColumns([
    [
      "REPOSITORY",
      "TAG",
      "IMAGE ID",
      "CREATED",
      "SIZE",
      "SHARED SIZE",
      "UNIQUE SIZE",
      "CONTAINERS",
    ],
    ...details.images.map(({ image, size, sharedSize, containers }) => [
      familiarRepository(image),
      image.tag ?? "<none>",
      image.id.replace(/^sha256:/, "").slice(0, 12),
      image.created === undefined ? "N/A" : ago(image.created, now),
      formatBytes(size),
      humanSize(sharedSize),
      humanSize(size - sharedSize),
      String(containers),
    ]),
  ]);
  const containers = formatColumns([
    ["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"],
    ...details.containers.map(({ container, localVolumes, size }) => [
      container.id.slice(0, 12),
      container.image,
      commandCell(container),
      String(localVolumes),
      formatBytes(size),
      ago(container.created, now),
      status(container, now),
      container.name,
    ]),
  ]);
  const volumes = formatColumns([
    ["VOLUME NAME", "LINKS", "SIZE"],
    ...details.volumes.map(({ name, links, size }) => [name, String(links), humanSize(size)]),
  ]);
  const cache = formatColumns([
    ["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"],
  ]);
  return [
    "Images space usage:",
    "",
    images,
    "",
    "Containers space usage:",
    "",
    containers,
    "",
    "Local Volumes space usage:",
    "",
    volumes,
    "",
    "Build cache usage: 0B",
    "",
    cache,
  ].join("\n");
}

/** Runs one prune (or `system df`) and returns the exit code. */
export async function pruneCommand(root: string, invocation: PruneInvocation): Promise<number> {
  const { force } = invocation.command === "df" ? { force: true } : invocation.options;
  switch (invocation.group) {
    case "container":
      if (force !== true && !await confirm(`WARNING! This will remove ${WARNINGS.containers}.`)) {
        return 0;
      }
      await prune(root, { containers: true, volumes: false, images: undefined });
      return 0;
    case "image": {
      const images = invocation.options.all === true ? "all" : "dangling";
      const warning = images === "all" ? WARNINGS.images : WARNINGS.dangling;
      if (force !== true && !await confirm(`WARNING! This will remove ${warning}.`)) return 0;
      await prune(root, { containers: false, volumes: false, images });
      return 0;
    }
    case "system": {
      if (invocation.command === "df") {
        console.log(
          invocation.options.verbose === true
            ? diskUsageDetailsText(await systemDiskUsageDetails(root))
            : diskUsageTable(await systemDiskUsage(root)),
        );
        return 0;
      }
      const images = invocation.options.all === true ? "all" : "dangling";
      const volumes = invocation.options.volumes === true;
      const warnings = [
        WARNINGS.containers,
        ...(volumes ? [WARNINGS.volumes] : []),
        images === "all" ? WARNINGS.images : WARNINGS.dangling,
      ];
      const warning = ["WARNING! This will remove:", ...warnings.map((w) => `  - ${w}`), ""];
      if (force !== true && !await confirm(warning.join("\n"))) return 0;
      await prune(root, { containers: true, volumes, images });
      return 0;
    }
  }
}
