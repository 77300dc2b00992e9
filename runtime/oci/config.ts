/**
 * An OCI runtime config (`config.json` of a bundle, runtime-spec 1.0/1.1) as mydocker's plan:
 * the {@linkcode ContainerSpec} its start path carries out, and what the host does around it
 * (cgroups and their limits, resource limits on the tape, the OOM score, hooks). Pure: the
 * caller reads the file and carries the plan out.
 *
 * @module
 */

import type { ContainerMount, ContainerSpec, NetworkMode } from "../spec/container_spec.ts";
import type { HoldStep } from "../spec/credential_steps.ts";
import { DEFAULT_DEVICE_RULES, type DeviceRule } from "../spec/device_rules.ts";
import { DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, type DeviceNode } from "../spec/devices.ts";
import type { MountStep } from "../spec/mount_plan.ts";
import type { ResourceLimits } from "../spec/resource_limits.ts";
import { parseMountOptions } from "./mount_options.ts";
import { OciConfigError } from "./oci_config_error.ts";
import { type OciSeccomp, seccompProfileOf } from "./seccomp.ts";

/** A hook: a host program run with the container's state on its stdin. */
export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

/** The hooks of a config, by when they run. */
export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

/** A process of a config (`process`, or `exec --process`'s file). */
export interface OciProcess {
  terminal?: boolean;
  user?: { uid?: number; gid?: number; additionalGids?: number[]; umask?: number };
  args?: string[];
  env?: string[];
  cwd?: string;
  capabilities?: {
    bounding?: string[];
    effective?: string[];
    inheritable?: string[];
    permitted?: string[];
    ambient?: string[];
  };
  rlimits?: { type: string; hard: number; soft: number }[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  oomScoreAdj?: number;
}

/** An OCI mount. */
export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** `linux.resources` (the parts mydocker applies). */
export interface OciResources {
  memory?: {
    limit?: number;
    swap?: number;
    reservation?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
    kernelTCP?: number;
  };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit?: number };
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: unknown[] };
  blockIO?: {
    weight?: number;
    leafWeight?: number;
    weightDevice?: unknown[];
    throttleReadBpsDevice?: unknown[];
    throttleWriteBpsDevice?: unknown[];
    throttleReadIOPSDevice?: unknown[];
    throttleWriteIOPSDevice?: unknown[];
  };
  devices?: {
    allow: boolean;
    type?: string;
    major?: number | null;
    minor?: number | null;
    access?: string;
  }[];
}

/** An OCI runtime config. */
export interface OciConfig {
  ociVersion?: string;
  process?: OciProcess;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: OciMount[];
  hooks?: OciHooks;
  annotations?: Record<string, string>;
  linux?: {
    namespaces?: { type: string; path?: string }[];
    uidMappings?: unknown[];
    gidMappings?: unknown[];
    devices?: {
      type: string;
      path: string;
      major?: number;
      minor?: number;
      fileMode?: number;
      uid?: number;
      gid?: number;
    }[];
    cgroupsPath?: string;
    resources?: OciResources;
    seccomp?: OciSeccomp;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    sysctl?: Record<string, string>;
    rootfsPropagation?: string;
    mountLabel?: string;
  };
}

/** What mydocker does for a config: the spec, and the host's part around it. */
export interface OciPlan {
  /** The spec; its cgroups and cgroupfs are the caller's to fill once the cgroups exist. */
  spec: ContainerSpec;
  /** The container's cgroup below each hierarchy's mount point, relative. */
  cgroupsPath: string;
  /** The cgroup limits. */
  limits: ResourceLimits;
  /** The device allowlist. */
  deviceRules: DeviceRule[];
  /** Whether the config mounts a cgroup file system (the container's own cgroups, read-only). */
  mountsCgroupfs: boolean;
  /** Steps the start tape takes first: the resource limits. */
  holdSteps: HoldStep[];
  /** The process's OOM score adjustment, written from the host. */
  oomScoreAdj?: number;
  /** The hooks. */
  hooks: OciHooks;
  /** Whether the process gets a terminal (sent over the console socket). */
  terminal: boolean;
  /** What the plan leaves out, one line each. */
  warnings: string[];
}

/** Where the plan's config comes from and what it cannot say. */
export interface OciPlanContext {
  /** The container id. */
  id: string;
  /** The bundle's absolute path (relative paths in the config are below it). */
  bundle: string;
}

/** `linux.rootfsPropagation` values as mount(2) flags (MS_SHARED, MS_SLAVE, …). */
const ROOT_PROPAGATION: Readonly<Record<string, number>> = {
  shared: 0x100000,
  slave: 0x80000,
  private: 0x40000,
  unbindable: 0x20000,
};

/**
 * The step that gives the root's own mount `rootfsPropagation` (`rshared` as `shared`: the
 * mounts below it stay private, and an unbindable one could not be made again after /proc);
 * none for none.
 */
function rootPropagationSteps(propagation: string | undefined): MountStep[] {
  if (propagation === undefined || propagation === "") return [];
  const flags = ROOT_PROPAGATION[propagation.replace(/^r/, "")];
  if (flags === undefined) {
    throw new OciConfigError(`rootfsPropagation "${propagation}" is not one of mount(8)'s`);
  }
  return [{ op: "mount", source: "none", target: "/", fstype: "none", flags }];
}

/** Resource limits by their `RLIMIT_*` names. */
const RLIMITS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

/** The default cgroup period of the CPU quota, µs. */
const CPU_PERIOD = 100_000;

function absolute(path: string, bundle: string): string {
  return path.startsWith("/") ? path : `${bundle}/${path}`;
}

/** The container's network: the host's without a network namespace, else new or joined. */
function networkOf(namespaces: readonly { type: string; path?: string }[]): NetworkMode {
  const network = namespaces.find((entry) => entry.type === "network");
  if (network === undefined) return "host";
  return network.path === undefined || network.path === "" ? "none" : { join: network.path };
}

/** The namespaces a config may join by path. */
const JOINABLE = ["network", "ipc", "uts", "pid", "mount"];

/** The container's PID namespace: the runtime's without one in the config, else new or joined. */
function pidNamespaceOf(
  namespaces: readonly { type: string; path?: string }[],
): ContainerSpec["pidNamespace"] {
  const pid = namespaces.find((entry) => entry.type === "pid");
  if (pid === undefined) return "host";
  return pid.path === undefined || pid.path === "" ? undefined : { join: pid.path };
}

/** The path of the namespace of `type` the config joins, if any. */
function joinedPath(
  namespaces: readonly { type: string; path?: string }[],
  type: string,
): string | undefined {
  const path = namespaces.find((entry) => entry.type === type)?.path;
  return path === "" ? undefined : path;
}

/**
 * Checks the namespaces: a mount one is needed (new or joined); user namespaces are refused.
 */
function checkNamespaces(
  namespaces: readonly { type: string; path?: string }[],
  warnings: string[],
): void {
  if (!namespaces.some((entry) => entry.type === "mount")) {
    throw new OciConfigError("a container needs a new mount namespace");
  }
  for (const { type, path } of namespaces) {
    if (type === "user") throw new OciConfigError("user namespaces are not supported");
    if (type === "cgroup") warnings.push("a cgroup namespace is not created");
    if (path !== undefined && path !== "" && !JOINABLE.includes(type)) {
      throw new OciConfigError(`joining a ${type} namespace ("${path}") is not supported`);
    }
  }
}

/** Kernel parameters a container's own namespaces have (as runc allows them). */
const NAMESPACED_SYSCTL =
  /^(?:kernel\.(?:msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced|domainname|hostname)|fs\.mqueue\.[a-z_]+|net\.[a-z0-9_.\-]+)$/;

/** Checks that every sysctl is one of the container's namespaces (net.* only in a netns). */
function checkSysctls(sysctl: Record<string, string>, hostNetwork: boolean): void {
  for (const key of Object.keys(sysctl)) {
    if (!NAMESPACED_SYSCTL.test(key) || key.includes("..")) {
      throw new OciConfigError(`sysctl "${key}" is not in a namespace of the container`);
    }
    if (hostNetwork && key.startsWith("net.")) {
      throw new OciConfigError(`sysctl "${key}" needs a network namespace of the container`);
    }
  }
}

/** The IPC and UTS namespaces the config joins by path. */
function joinedNamespaces(
  namespaces: readonly { type: string; path?: string }[],
): NonNullable<ContainerSpec["joinNamespaces"]> {
  const joined: NonNullable<ContainerSpec["joinNamespaces"]> = [];
  for (const { type, path } of namespaces) {
    if ((type === "ipc" || type === "uts") && path !== undefined && path !== "") {
      joined.push({ type, path });
    }
  }
  return joined;
}

/** The capability names of a list (`CAP_CHOWN` → `CHOWN`). */
function capabilityNames(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((name) => name.toUpperCase().replace(/^CAP_/, ""));
}

/** The device node of a `linux.devices` entry. */
function deviceNode(device: NonNullable<OciConfig["linux"]>["devices"] & object): DeviceNode[] {
  return device.map((entry) => {
    const type = entry.type === "u" ? "c" : entry.type;
    if (type !== "c" && type !== "b") {
      throw new OciConfigError(`device "${entry.path}" of type "${entry.type}" is not supported`);
    }
    return {
      path: entry.path,
      type,
      major: entry.major ?? 0,
      minor: entry.minor ?? 0,
      mode: entry.fileMode ?? 0o666,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
    };
  });
}

/**
 * The device allowlist: the config's allow rules in its order, then runc's defaults, which runc
 * appends to every config's (a deny rule cannot be expressed in an allowlist, and the configs'
 * one is the leading deny-all). A v1 cgroup lists its rules in the order they were written.
 */
function deviceRules(resources: OciResources | undefined): DeviceRule[] {
  const rules = (resources?.devices ?? []).flatMap((entry): DeviceRule[] => {
    if (!entry.allow) return [];
    const type = entry.type === "c" || entry.type === "b" ? entry.type : "a";
    return [{
      type,
      major: entry.major ?? "*",
      minor: entry.minor ?? "*",
      access: entry.access ?? "rwm",
    }];
  });
  return [...rules, ...DEFAULT_DEVICE_RULES];
}

/**
 * Checks that `resources` asks for nothing mydocker does not apply: block I/O weights and
 * throttles, and network classes and priorities (net_cls, net_prio).
 */
function checkResources(resources: OciResources | undefined): void {
  const { network, blockIO } = resources ?? {};
  if (network?.classID !== undefined || (network?.priorities ?? []).length > 0) {
    throw new OciConfigError("linux.resources.network (net_cls, net_prio) is not supported");
  }
  const devices = [
    blockIO?.weightDevice,
    blockIO?.throttleReadBpsDevice,
    blockIO?.throttleWriteBpsDevice,
    blockIO?.throttleReadIOPSDevice,
    blockIO?.throttleWriteIOPSDevice,
  ];
  if (
    (blockIO?.weight ?? 0) > 0 || (blockIO?.leafWeight ?? 0) > 0 ||
    devices.some((list) => (list ?? []).length > 0)
  ) {
    throw new OciConfigError("linux.resources.blockIO (blkio weights, throttles) is not supported");
  }
}

/** The cgroup limits of `resources`. */
export function resourceLimitsOf(resources: OciResources | undefined): ResourceLimits {
  const limits: ResourceLimits = {};
  const { memory, cpu, pids } = resources ?? {};
  if (memory?.limit !== undefined && memory.limit > 0) limits.memoryBytes = memory.limit;
  if (memory?.swap !== undefined && memory.swap !== 0) limits.memorySwapBytes = memory.swap;
  if (cpu?.quota !== undefined && cpu.quota > 0) {
    limits.cpus = cpu.quota / (cpu.period ?? CPU_PERIOD);
    if (cpu.period !== undefined) limits.cpuPeriodUs = cpu.period;
  }
  if (cpu?.cpus) limits.cpusetCpus = cpu.cpus;
  if (cpu?.mems) limits.cpusetMems = cpu.mems;
  if (memory?.reservation !== undefined && memory.reservation > 0) {
    limits.memoryReservationBytes = memory.reservation;
  }
  if (memory?.swappiness !== undefined && memory.swappiness <= 100) {
    limits.memorySwappiness = memory.swappiness;
  }
  if (memory?.disableOOMKiller) limits.disableOomKiller = true;
  if (memory?.kernelTCP !== undefined && memory.kernelTCP > 0) {
    limits.kernelTcpBytes = memory.kernelTCP;
  }
  const hugepageLimits = resources?.hugepageLimits ?? [];
  if (hugepageLimits.length > 0) {
    limits.hugepageLimits = hugepageLimits.map(({ pageSize, limit }) => ({ pageSize, limit }));
  }
  if (cpu?.shares !== undefined && cpu.shares > 0) limits.cpuShares = cpu.shares;
  if (pids?.limit !== undefined && pids.limit > 0) limits.pidsLimit = pids.limit;
  return limits;
}

/** The plan of the config's mounts: file systems as steps, binds as the spec's mounts. */
function mountsOf(mounts: readonly OciMount[], bundle: string) {
  const steps: MountStep[] = [];
  const binds: ContainerMount[] = [];
  let cgroupfs = false;
  let devTmpfs = false;
  for (const mount of mounts) {
    const options = parseMountOptions(mount.options ?? []);
    const target = mount.destination;
    if (!target.startsWith("/")) {
      throw new OciConfigError(`mount destination "${target}" is not absolute`);
    }
    if (mount.type === "bind" || options.bind) {
      if (mount.source === undefined) throw new OciConfigError(`bind "${target}" has no source`);
      binds.push({
        type: "bind",
        source: absolute(mount.source, bundle),
        target,
        readonly: (options.flags & 1) !== 0,
      });
    } else if (mount.type === "cgroup" || mount.type === "cgroup2") {
      cgroupfs = true;
    } else {
      const fstype = mount.type ?? "none";
      if (target === "/dev" && fstype === "tmpfs") devTmpfs = true;
      steps.push({
        op: "mount",
        source: mount.source ?? fstype,
        target,
        fstype,
        flags: options.flags,
        ...(options.data === "" ? {} : { data: options.data }),
      });
    }
  }
  return { steps, binds, cgroupfs, devTmpfs };
}

/** /dev's standard nodes (unless the config's replace them) and links, then the config's nodes. */
function devSteps(devices: readonly DeviceNode[], standard: boolean): MountStep[] {
  const taken = new Set(devices.map((device) => device.path));
  const nodes = standard ? DEFAULT_DEVICES.filter((device) => !taken.has(device.path)) : [];
  const links = standard ? DEFAULT_DEV_SYMLINKS.filter(([path]) => !taken.has(path)) : [];
  return [
    ...[...nodes, ...devices].map((device): MountStep => ({ op: "mknod", ...device })),
    ...links.map(([path, target]): MountStep => ({ op: "symlink", path, target })),
  ];
}

/** A limit as prlimit64 takes it: RLIM_INFINITY (all ones) for a JSON 2^64-1, which a double rounds up. */
function rlimitValue(value: number): bigint {
  return value >= 2 ** 63 ? -1n : BigInt(value);
}

/** The hold steps of `rlimits`. */
function rlimitSteps(rlimits: OciProcess["rlimits"]): HoldStep[] {
  return (rlimits ?? []).map(({ type, soft, hard }) => {
    const resource = RLIMITS[type];
    if (resource === undefined) throw new OciConfigError(`unknown rlimit "${type}"`);
    return { op: "rlimit", resource, soft: rlimitValue(soft), hard: rlimitValue(hard) };
  });
}

/** The `uid:gid` of a process's user, checked. */
export function userOf(process: OciProcess): string {
  return `${process.user?.uid ?? 0}:${process.user?.gid ?? 0}`;
}

/**
 * The plan of `config`.
 *
 * @throws {OciConfigError} when the config asks for what mydocker does not do (user namespaces,
 * sysctls outside the container's namespaces, seccomp's user notification, block I/O and network
 * resources) or lacks what it needs (process args, root path).
 */
export function ociPlan(config: OciConfig, context: OciPlanContext): OciPlan {
  const warnings: string[] = [];
  const process = config.process;
  if (process === undefined || (process.args ?? []).length === 0) {
    throw new OciConfigError("process.args is missing");
  }
  if (config.root?.path === undefined) throw new OciConfigError("root.path is missing");
  const linux = config.linux ?? {};
  if ((linux.uidMappings ?? []).length > 0 || (linux.gidMappings ?? []).length > 0) {
    throw new OciConfigError("uid and gid mappings (user namespaces) are not supported");
  }
  const namespaces = linux.namespaces ?? [];
  checkNamespaces(namespaces, warnings);
  const joined = joinedNamespaces(namespaces);
  const pidNamespace = pidNamespaceOf(namespaces);
  const mountPath = joinedPath(namespaces, "mount");
  checkResources(linux.resources);
  const sysctl = linux.sysctl ?? {};
  checkSysctls(sysctl, networkOf(namespaces) === "host");
  if (process.apparmorProfile) warnings.push("the AppArmor profile is ignored");
  if (process.selinuxLabel) warnings.push("the SELinux label is ignored");
  const mounts = mountsOf(config.mounts ?? [], context.bundle);
  const devices = deviceNode(linux.devices ?? []);
  const mountPlan: MountStep[] = [
    ...mounts.steps,
    ...devSteps(devices, mounts.devTmpfs),
    ...(linux.maskedPaths ?? []).map((path): MountStep => ({ op: "mask", path })),
    ...(linux.readonlyPaths ?? []).map((path): MountStep => ({ op: "readonly", path })),
    ...rootPropagationSteps(linux.rootfsPropagation),
  ];
  const root = absolute(config.root.path, context.bundle);
  const seccompProfile = linux.seccomp === undefined ? undefined : seccompProfileOf(linux.seccomp);
  const hooks = config.hooks ?? {};
  const additionalGids = process.user?.additionalGids ?? [];
  const spec: ContainerSpec = {
    id: context.id,
    hostname: config.hostname ?? "",
    rootfs: {
      lowerDirs: [],
      upperDir: "",
      workDir: "",
      mountPoint: root,
      readonly: config.root.readonly ?? false,
      noPivot: false,
      source: root,
    },
    network: networkOf(namespaces),
    ...(joined.length === 0 ? {} : { joinNamespaces: joined }),
    ...(pidNamespace === undefined ? {} : { pidNamespace }),
    ...(mountPath === undefined ? {} : { joinMountNamespace: mountPath }),
    process: {
      args: process.args ?? [],
      env: process.env ?? [],
      cwd: process.cwd ?? "/",
      user: userOf(process),
      noNewPrivileges: process.noNewPrivileges ?? false,
      ...(additionalGids.length === 0 ? {} : { additionalGids }),
    },
    mounts: mounts.binds,
    capabilities: capabilityNames(process.capabilities?.bounding),
    capabilitySets: {
      effective: capabilityNames(process.capabilities?.effective),
      permitted: capabilityNames(process.capabilities?.permitted),
      inheritable: capabilityNames(process.capabilities?.inheritable),
      ambient: capabilityNames(process.capabilities?.ambient),
    },
    privileged: false,
    devices,
    seccomp: seccompProfile !== undefined,
    ...(seccompProfile === undefined ? {} : { seccompProfile }),
    mountPlan,
    ...(Object.keys(sysctl).length === 0 ? {} : { sysctl }),
    cgroups: { atStart: [], beforeExec: [] },
    cgroupfs: [],
    init: false,
  };
  const cgroupsPath = (linux.cgroupsPath ?? `/${context.id}`).replace(/^\/+/, "");
  if (cgroupsPath.includes(":")) {
    throw new OciConfigError(
      `cgroupsPath "${linux.cgroupsPath}" is a systemd unit; mydocker manages cgroupfs only`,
    );
  }
  return {
    spec,
    cgroupsPath,
    limits: resourceLimitsOf(linux.resources),
    deviceRules: deviceRules(linux.resources),
    mountsCgroupfs: mounts.cgroupfs,
    holdSteps: rlimitSteps(process.rlimits),
    ...(process.oomScoreAdj === undefined ? {} : { oomScoreAdj: process.oomScoreAdj }),
    hooks,
    terminal: process.terminal ?? false,
    warnings,
  };
}
