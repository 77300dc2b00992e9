/**
 * Where tests look for a container's cgroups: `mydocker/<id>` under every hierarchy of this host.
 *
 * @module
 */

import { detectCgroupLayout } from "../runtime/cgroups/layout.ts";
import { pathExists } from "../sys/path_exists.ts";

const layout = detectCgroupLayout();

/** Every hierarchy's mount point: the v1 ones, then the v2 one. */
export const HIERARCHY_MOUNT_POINTS: readonly string[] = [
  ...layout.v1.map((hierarchy) => hierarchy.mountPoint),
  ...(layout.v2MountPoint === undefined ? [] : [layout.v2MountPoint]),
];

/** The cgroups of container `id` that exist, in any hierarchy. */
export function containerCgroups(id: string): string[] {
  return HIERARCHY_MOUNT_POINTS.map((mountPoint) => `${mountPoint}/mydocker/${id}`)
    .filter(pathExists);
}
