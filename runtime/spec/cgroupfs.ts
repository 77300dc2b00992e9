/**
 * A container's /sys/fs/cgroup as mounts: its own cgroup directory of each hierarchy, bound
 * read-only where the host mounts that hierarchy below /sys/fs/cgroup (the whole of it on a pure
 * cgroup v2 host; `memory`, `cpu`, `unified`, … on a v1 or hybrid one, on a read-only tmpfs).
 *
 * @module
 */

import type { ContainerMount } from "./container_spec.ts";
import { MountFlag } from "../../sys/mount.ts";

/** Where hierarchies are mounted on the host, and in the container. */
const CGROUP_ROOT = "/sys/fs/cgroup";

/**
 * The mounts of a container's /sys/fs/cgroup for its cgroup directories `cgroups` (host paths
 * such as `/sys/fs/cgroup/memory/mydocker/<id>`): a bind of each at the same place relative to
 * /sys/fs/cgroup, on a tmpfs when they are not the whole of it. Hierarchies mounted elsewhere
 * are left out.
 */
export function cgroupfsMounts(cgroups: readonly string[], id: string): ContainerMount[] {
  return cgroupfsMountsOf(cgroups, `mydocker/${id}`);
}

/**
 * The mounts of a container's /sys/fs/cgroup for its cgroup directories `cgroups`, each
 * `relativePath` below its hierarchy's mount point (see {@linkcode cgroupfsMounts}).
 */
export function cgroupfsMountsOf(
  cgroups: readonly string[],
  relativePath: string,
): ContainerMount[] {
  const suffix = `/${relativePath.replace(/^\/+|\/+$/g, "")}`;
  const binds: ContainerMount[] = [];
  for (const source of cgroups) {
    if (!source.endsWith(suffix)) continue;
    const mountPoint = source.slice(0, -suffix.length);
    if (mountPoint !== CGROUP_ROOT && !mountPoint.startsWith(`${CGROUP_ROOT}/`)) continue;
    binds.push({ type: "bind", source, target: mountPoint, readonly: true });
  }
  if (binds.length === 1 && binds[0]!.target === CGROUP_ROOT) return binds;
  if (binds.length === 0) return [];
  const { NOSUID, NODEV, NOEXEC } = MountFlag;
  return [
    { type: "tmpfs", target: CGROUP_ROOT, flags: NOSUID | NODEV | NOEXEC, data: "mode=755" },
    ...binds,
  ];
}
