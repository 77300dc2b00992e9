/**
 * Linux capabilities by name, Docker's default set, and the masks derived from them.
 *
 * @module
 */

/** Capability names in kernel order: the index is the capability number. */
export const CAPABILITY_NAMES: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/** The capabilities Docker keeps by default. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

/**
 * Normalises a capability name as users write it (`net_admin`, `CAP_NET_ADMIN`) to the table
 * form (`NET_ADMIN`); throws a RangeError naming an unknown capability.
 */
export function normalizeCapability(name: string): string {
  const upper = name.toUpperCase().replace(/^CAP_/, "");
  if (upper !== "ALL" && !CAPABILITY_NAMES.includes(upper)) {
    throw new RangeError(`Unknown capability "${name}"`);
  }
  return upper;
}

/** Returns the 64-bit mask of the named capabilities. */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    const index = CAPABILITY_NAMES.indexOf(name);
    if (index < 0) throw new RangeError(`Unknown capability "${name}"`);
    mask |= 1n << BigInt(index);
  }
  return mask;
}

/** What decides a container's capabilities. */
export interface CapabilityOptions {
  /** `--cap-add` values, as typed. */
  add: readonly string[];
  /** `--cap-drop` values, as typed. */
  drop: readonly string[];
  /** `--privileged`: every capability. */
  privileged: boolean;
}

/**
 * Computes the kept capabilities as Docker does: `--privileged` or `--cap-add ALL` keep all
 * (less any dropped), `--cap-drop ALL` keeps only the added ones, otherwise the default set plus
 * the added, less the dropped. Throws a RangeError naming an unknown capability.
 */
export function resolveCapabilities(options: CapabilityOptions): string[] {
  const add = options.add.map(normalizeCapability);
  const drop = options.drop.map(normalizeCapability);
  if (options.privileged) return [...CAPABILITY_NAMES];
  let kept: string[];
  if (add.includes("ALL")) kept = CAPABILITY_NAMES.filter((name) => !drop.includes(name));
  else if (drop.includes("ALL")) kept = [...add];
  else kept = [...DEFAULT_CAPABILITIES, ...add].filter((name) => !drop.includes(name));
  return CAPABILITY_NAMES.filter((name) => kept.includes(name));
}
