/**
 * `mydocker volume create|inspect|ls|prune|rm`: what Docker's `docker volume` prints, one volume
 * at a time, carrying on past one that fails.
 *
 * @module
 */

import {
  createNamedVolume,
  inspectVolume,
  pruneVolumes,
  removeNamedVolume,
  type Volume,
  volumeList,
} from "../engine/volumes.ts";
import { confirm } from "./confirm.ts";
import { formatBytes } from "./format_bytes.ts";
import { formatColumns } from "./images_command.ts";
import { forEachReported } from "./report_error.ts";
import type { VolumeInvocation } from "./volume_commands.ts";

/** `--label KEY=VALUE` values as labels (`KEY` alone: an empty value); null for none. */
function labels(values: readonly string[] | undefined): Record<string, string> | null {
  if (values === undefined || values.length === 0) return null;
  return Object.fromEntries(values.map((value) => {
    const equals = value.indexOf("=");
    return equals < 0 ? [value, ""] : [value.slice(0, equals), value.slice(equals + 1)];
  }));
}

/** A volume as `docker volume inspect` shows it (its keys in Docker's order). */
export function volumeJson(volume: Volume): Record<string, unknown> {
  return {
    CreatedAt: volume.createdAt.replace(/\.\d+Z$/, "Z"),
    Driver: "local",
    Labels: volume.labels,
    Mountpoint: volume.mountpoint,
    Name: volume.name,
    Options: null,
    Scope: "local",
  };
}

const PRUNE_WARNINGS = {
  anonymous:
    "WARNING! This will remove anonymous local volumes not used by at least one container.",
  all: "WARNING! This will remove all local volumes not used by at least one container.",
};

/** Runs one `mydocker volume` subcommand and returns the exit code. */
export async function volumeCommand(root: string, invocation: VolumeInvocation): Promise<number> {
  switch (invocation.command) {
    case "create":
      console.log(
        createNamedVolume(root, invocation.args[0], labels(invocation.options.label)).name,
      );
      return 0;
    case "ls": {
      const volumes = volumeList(root);
      if (invocation.options.quiet === true) {
        for (const volume of volumes) console.log(volume.name);
      } else {
        console.log(formatColumns([
          ["DRIVER", "VOLUME NAME"],
          ...volumes.map((volume) => ["local", volume.name]),
        ]));
      }
      return 0;
    }
    case "inspect": {
      const found: Record<string, unknown>[] = [];
      const exitCode = forEachReported(
        invocation.args,
        (name) => found.push(volumeJson(inspectVolume(root, name))),
      );
      console.log(JSON.stringify(found, null, 4));
      return exitCode;
    }
    case "rm":
      return forEachReported(invocation.args, (name) => {
        removeNamedVolume(root, name, invocation.options.force === true);
        console.log(name);
      });
    case "prune": {
      const all = invocation.options.all === true;
      if (invocation.options.force !== true) {
        if (!await confirm(PRUNE_WARNINGS[all ? "all" : "anonymous"])) return 0;
      }
      const pruned = pruneVolumes(root, all);
      if (pruned.names.length > 0) {
        console.log(["Deleted Volumes:", ...pruned.names, ""].join("\n"));
      }
      console.log(`Total reclaimed space: ${formatBytes(pruned.bytes)}`);
      return 0;
    }
  }
}
