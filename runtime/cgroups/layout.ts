/**
 * Where the cgroup hierarchies are mounted: a cgroup v2 hierarchy (a pure v2 host's
 * `/sys/fs/cgroup`, a hybrid host's `/sys/fs/cgroup/unified`) and the v1 hierarchies with the
 * controllers each carries, read from the `cgroup2` and `cgroup` entries of
 * `/proc/self/mountinfo`.
 *
 * @module
 */

/** One mounted cgroup v1 hierarchy. */
export interface CgroupV1Hierarchy {
  /** Where it is mounted, such as `/sys/fs/cgroup/memory`. */
  mountPoint: string;
  /** Its controllers (`cpu`, `cpuacct`, …) and its name as `name=systemd` when it is named. */
  controllers: string[];
}

/** The cgroup hierarchies of this host. */
export interface CgroupLayout {
  /** Where the v2 hierarchy is mounted, when it is. */
  v2MountPoint?: string;
  /** The v1 hierarchies, each once. */
  v1: CgroupV1Hierarchy[];
}

/** The v1 controllers Linux has; other super options of a `cgroup` mount are mount options. */
const V1_CONTROLLERS = new Set([
  "blkio",
  "cpu",
  "cpuacct",
  "cpuset",
  "debug",
  "devices",
  "freezer",
  "hugetlb",
  "memory",
  "misc",
  "net_cls",
  "net_prio",
  "perf_event",
  "pids",
  "rdma",
]);

/** Undoes mountinfo's octal escapes (`\040` for a space, …). */
function unescapeMountinfo(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

/**
 * Reads the cgroup hierarchies from the text of a `/proc/<pid>/mountinfo`. A hierarchy mounted
 * more than once (a bind mount) is taken at its first mount point.
 */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const layout: CgroupLayout = { v1: [] };
  const seen = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-", 6);
    const mountPoint = fields[4];
    const fsType = fields[separator + 1];
    const superOptions = fields[separator + 3];
    if (separator < 0 || mountPoint === undefined || superOptions === undefined) continue;
    if (fsType === "cgroup2") {
      layout.v2MountPoint ??= unescapeMountinfo(mountPoint);
    } else if (fsType === "cgroup") {
      const controllers = superOptions.split(",")
        .filter((option) => V1_CONTROLLERS.has(option) || option.startsWith("name="));
      const key = controllers.join(",");
      if (controllers.length === 0 || seen.has(key)) continue;
      seen.add(key);
      layout.v1.push({ mountPoint: unescapeMountinfo(mountPoint), controllers });
    }
  }
  return layout;
}

/** Reads this host's cgroup hierarchies from `/proc/self/mountinfo`. */
export function detectCgroupLayout(): CgroupLayout {
  return parseCgroupLayout(Deno.readTextFileSync("/proc/self/mountinfo"));
}
