/**
 * Device cgroup rules: which device nodes a container may create (`m`), read (`r`) and write
 * (`w`). Docker's default allowlist as one table, the allow-all rule of `--privileged`, and the
 * rule `--device` adds. Pure data; `cgroups/devices.ts` enforces the rules (the v1 `devices`
 * controller and a cgroup v2 eBPF program compiled by `device_bpf.ts`).
 *
 * @module
 */

/** The access a rule grants: `r`, `w` and `m`, each at most once (`rwm`, `rw`, `m`, …). */
export type DeviceAccess = string;

/** One allow rule over device nodes; anything no rule allows is denied. */
export interface DeviceRule {
  /** `c` (character), `b` (block) or `a` (both). */
  type: "a" | "b" | "c";
  /** The major number, or `*` for any. */
  major: number | "*";
  /** The minor number, or `*` for any. */
  minor: number | "*";
  /** What may be done: `r` read, `w` write, `m` mknod. */
  access: DeviceAccess;
}

/**
 * Docker's default allowlist (Docker's default spec plus the rules runc appends to every
 * container): mknod of any node, and use of null, zero, full, random, urandom, tty, console,
 * ptmx, the devpts ptys and tun. Docker's extra deny of fuse (10:229) is implied: nothing
 * else is allowed.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: "c", major: "*", minor: "*", access: "m" },
  { type: "b", major: "*", minor: "*", access: "m" },
  { type: "c", major: 1, minor: 3, access: "rwm" }, // null
  { type: "c", major: 1, minor: 5, access: "rwm" }, // zero
  { type: "c", major: 1, minor: 7, access: "rwm" }, // full
  { type: "c", major: 1, minor: 8, access: "rwm" }, // random
  { type: "c", major: 1, minor: 9, access: "rwm" }, // urandom
  { type: "c", major: 5, minor: 0, access: "rwm" }, // tty
  { type: "c", major: 5, minor: 1, access: "rwm" }, // console
  { type: "c", major: 5, minor: 2, access: "rwm" }, // ptmx
  { type: "c", major: 136, minor: "*", access: "rwm" }, // pts
  { type: "c", major: 10, minor: 200, access: "rwm" }, // net/tun
];

/** The rule of a `--privileged` container: every device, every access. */
export const ALLOW_ALL_DEVICES: DeviceRule = { type: "a", major: "*", minor: "*", access: "rwm" };

/** Whether `text` is a device access as Docker takes it: some of `r`, `w`, `m`, each once. */
export function isDeviceAccess(text: string): boolean {
  return /^[rwm]{1,3}$/.test(text) && new Set(text).size === text.length;
}

/**
 * The rule as the v1 `devices.allow` file takes it and `devices.list` shows it: `c 1:3 rwm`.
 */
export function deviceRuleLine(rule: DeviceRule): string {
  return `${rule.type} ${rule.major}:${rule.minor} ${rule.access}`;
}

/**
 * A container's rules: allow all when privileged, else Docker's default allowlist plus a rule
 * for each granted device (`--device`).
 */
export function containerDeviceRules(
  privileged: boolean,
  granted: readonly DeviceRule[],
): DeviceRule[] {
  if (privileged) return [ALLOW_ALL_DEVICES];
  const rules = granted.map(({ type, major, minor, access }) => ({ type, major, minor, access }));
  return [...DEFAULT_DEVICE_RULES, ...rules];
}
