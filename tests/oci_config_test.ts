/**
 * OCI configs to mydocker's plan (`runtime/oci/config.ts`): containerd's default spec, the
 * runtime-spec's examples (seccomp, namespaces, mappings), and what mydocker refuses.
 */

import assert from "node:assert/strict";
import { type OciConfig, ociPlan } from "../runtime/oci/config.ts";
import { parseMountOptions } from "../runtime/oci/mount_options.ts";
import { seccompProfileOf } from "../runtime/oci/seccomp.ts";
import { MountFlag } from "../sys/mount.ts";
import { DEFAULT_DEVICE_RULES } from "../runtime/spec/device_rules.ts";

const CONTAINERD: OciConfig = JSON.parse(
  Deno.readTextFileSync(new URL("./testdata/oci/containerd_default.json", import.meta.url)),
);
const CONTEXT = { id: "demo", bundle: "/run/bundle" };

/** A copy of containerd's default config with `change` made to it. */
function config(change: (config: OciConfig) => void): OciConfig {
  const copy = structuredClone(CONTAINERD);
  change(copy);
  return copy;
}

Deno.test("ociPlan() turns containerd's default spec into a spec on the bundle's root", () => {
  const plan = ociPlan(CONTAINERD, CONTEXT);
  const { spec } = plan;
  assert.equal(spec.rootfs.source, "/run/bundle/rootfs");
  assert.equal(spec.rootfs.mountPoint, "/run/bundle/rootfs");
  assert.equal(spec.hostname, ""); // none given: the new UTS namespace keeps the host's
  assert.equal(spec.network, "none");
  assert.deepEqual(spec.process, {
    args: ["sh", "-c", "echo hi"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    cwd: "/",
    user: "0:0",
    noNewPrivileges: true,
    additionalGids: [0, 10],
  });
  assert.equal(spec.capabilities.length, 14);
  assert.equal(spec.capabilities[0], "CHOWN");
  assert.deepEqual(spec.capabilitySets?.effective, spec.capabilities);
  assert.deepEqual(spec.capabilitySets?.ambient, []);
  assert.equal(spec.seccomp, false);
  assert.equal(plan.cgroupsPath, "default/demo");
  assert.deepEqual(plan.limits, {
    memoryBytes: 67108864,
    cpus: 0.5,
    cpuPeriodUs: 100000,
    cpuShares: 512,
    pidsLimit: 64,
  });
  assert.ok(plan.deviceRules.some((rule) => rule.major === 10 && rule.minor === 200));
  assert.equal(plan.mountsCgroupfs, true);
  assert.deepEqual(plan.holdSteps, [{ op: "rlimit", resource: 7, soft: 1024n, hard: 1024n }]);
  assert.deepEqual(plan.hooks.poststop, [{ path: "/bin/true", args: ["true"] }]);
  assert.deepEqual(plan.warnings, []);
});

Deno.test("ociPlan() lists the config's device rules in its order, then runc's defaults", () => {
  const { deviceRules } = ociPlan(
    config((c) => {
      c.linux!.resources!.devices = [
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
        { allow: true, type: "b", major: 8, minor: 20, access: "rw" },
        { allow: true, type: "b", major: 10, minor: 200, access: "r" },
      ];
    }),
    CONTEXT,
  );
  assert.deepEqual(deviceRules, [
    { type: "c", major: 10, minor: 229, access: "rwm" },
    { type: "b", major: 8, minor: 20, access: "rw" },
    { type: "b", major: 10, minor: 200, access: "r" },
    ...DEFAULT_DEVICE_RULES,
  ]);
});

Deno.test("ociPlan() keeps the config's mount order, then /dev's nodes, masks and read-only paths", () => {
  const { spec } = ociPlan(CONTAINERD, CONTEXT);
  const plan = spec.mountPlan ?? [];
  const mounts = plan.filter((step) => step.op === "mount");
  assert.deepEqual(mounts.map((step) => step.target), [
    "/proc",
    "/dev",
    "/dev/pts",
    "/dev/shm",
    "/dev/mqueue",
    "/sys",
    "/run",
  ]);
  const { NOSUID, NOEXEC, NODEV, RDONLY, STRICTATIME } = MountFlag;
  assert.deepEqual(mounts[2], {
    op: "mount",
    source: "devpts",
    target: "/dev/pts",
    fstype: "devpts",
    flags: NOSUID | NOEXEC,
    data: "newinstance,ptmxmode=0666,mode=0620,gid=5",
  });
  assert.equal(mounts[1]!.flags, NOSUID | STRICTATIME);
  assert.equal(mounts[5]!.flags, NOSUID | NOEXEC | NODEV | RDONLY);
  const nodes = plan.flatMap((step) => step.op === "mknod" ? [step.path] : []);
  assert.deepEqual(nodes, [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/net/tun",
  ]);
  assert.ok(plan.some((step) => step.op === "symlink" && step.path === "/dev/ptmx"));
  assert.deepEqual(plan.slice(-5), [
    { op: "mask", path: "/proc/acpi" },
    { op: "mask", path: "/proc/kcore" },
    { op: "mask", path: "/sys/firmware" },
    { op: "readonly", path: "/proc/bus" },
    { op: "readonly", path: "/proc/sys" },
  ]);
  // Binds are the spec's mounts, attached after the plan; relative sources are the bundle's.
  assert.deepEqual(spec.mounts, [
    { type: "bind", source: "/etc/hosts", target: "/etc/hosts", readonly: true },
    { type: "bind", source: "/run/bundle/data", target: "/data", readonly: false },
  ]);
});

Deno.test("ociPlan() joins a network namespace by path, and shares the host's without one", () => {
  const joined = config((c) => {
    c.linux!.namespaces = [{ type: "pid" }, { type: "mount" }, {
      type: "network",
      path: "/var/run/netns/n1",
    }];
  });
  assert.deepEqual(ociPlan(joined, CONTEXT).spec.network, { join: "/var/run/netns/n1" });
  const host = config((c) => {
    c.linux!.namespaces = [{ type: "pid" }, { type: "mount" }];
  });
  assert.equal(ociPlan(host, CONTEXT).spec.network, "host");
});

Deno.test("ociPlan() joins a pod sandbox's IPC and UTS namespaces by path", () => {
  const pod = config((c) => {
    c.linux!.namespaces = [
      { type: "pid" },
      { type: "mount" },
      { type: "ipc", path: "/proc/42/ns/ipc" },
      { type: "uts", path: "/proc/42/ns/uts" },
      { type: "network", path: "/proc/42/ns/net" },
    ];
  });
  const { spec } = ociPlan(pod, CONTEXT);
  assert.deepEqual(spec.joinNamespaces, [
    { type: "ipc", path: "/proc/42/ns/ipc" },
    { type: "uts", path: "/proc/42/ns/uts" },
  ]);
  assert.deepEqual(spec.network, { join: "/proc/42/ns/net" });
  // A hostname is set in the joined UTS namespace, as runc sets it.
  pod.hostname = "pod";
  assert.equal(ociPlan(pod, CONTEXT).spec.hostname, "pod");
});

Deno.test("ociPlan() joins a PID and a mount namespace by path (a pod's shared PID namespace)", () => {
  const { spec } = ociPlan(
    config((c) => {
      c.linux!.namespaces = [
        { type: "pid", path: "/proc/42/ns/pid" },
        { type: "mount", path: "/proc/42/ns/mnt" },
      ];
    }),
    CONTEXT,
  );
  assert.deepEqual(spec.pidNamespace, { join: "/proc/42/ns/pid" });
  assert.equal(spec.joinMountNamespace, "/proc/42/ns/mnt");
  assert.equal(ociPlan(config(() => {}), CONTEXT).spec.pidNamespace, undefined);
});

Deno.test("ociPlan() shares the runtime's PID namespace when the config has none (hostPID)", () => {
  const { spec } = ociPlan(
    config((c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((entry) => entry.type !== "pid");
    }),
    CONTEXT,
  );
  assert.equal(spec.pidNamespace, "host");
});

Deno.test("ociPlan() refuses what it cannot do, naming it", () => {
  const cases: [(c: OciConfig) => void, RegExp][] = [
    [(c) => {
      c.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 32000 }];
    }, /uid and gid mappings/],
    [(c) => {
      c.linux!.namespaces!.push({ type: "user" });
    }, /user namespaces are not supported/],
    [(c) => {
      c.linux!.namespaces!.push({ type: "cgroup", path: "/proc/1/ns/cgroup" });
    }, /joining a cgroup namespace/],
    [(c) => {
      c.linux!.namespaces = [{ type: "pid" }];
    }, /needs a new mount namespace/],
    [(c) => {
      c.linux!.sysctl = { "vm.swappiness": "1" };
    }, /sysctl "vm.swappiness" is not in a namespace of the container/],
    [(c) => {
      c.linux!.namespaces = [{ type: "pid" }, { type: "mount" }];
      c.linux!.sysctl = { "net.ipv4.ip_forward": "1" };
    }, /needs a network namespace/],
    [(c) => {
      c.linux!.cgroupsPath = "system.slice:containerd:demo";
    }, /systemd unit/],
    [(c) => {
      c.process!.args = [];
    }, /process.args is missing/],
    [(c) => {
      c.process!.rlimits = [{ type: "RLIMIT_BOGUS", hard: 1, soft: 1 }];
    }, /unknown rlimit "RLIMIT_BOGUS"/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => ociPlan(config(change), CONTEXT), message);
  }
});

Deno.test("ociPlan() reads the CPU period, cpuset, memory reservation, swappiness and OOM killer", () => {
  const plan = ociPlan(
    config((c) => {
      c.linux!.resources = {
        cpu: { quota: 50_000, period: 200_000, cpus: "0-1", mems: "0" },
        memory: { limit: 1 << 20, reservation: 1 << 19, swappiness: 50, disableOOMKiller: true },
      };
    }),
    CONTEXT,
  );
  assert.deepEqual(plan.limits, {
    memoryBytes: 1 << 20,
    cpus: 0.25,
    cpuPeriodUs: 200_000,
    cpusetCpus: "0-1",
    cpusetMems: "0",
    memoryReservationBytes: 1 << 19,
    memorySwappiness: 50,
    disableOomKiller: true,
  });
});

Deno.test("ociPlan() reads huge page limits and refuses block I/O and network resources", () => {
  const limits = ociPlan(
    config((c) => (c.linux!.resources = { hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }] })),
    CONTEXT,
  ).limits;
  assert.deepEqual(limits, { hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }] });
  // Docker's config always has a blockIO, its weight 0 unless --blkio-weight is given.
  ociPlan(config((c) => (c.linux!.resources = { blockIO: { weight: 0 } })), CONTEXT);
  assert.throws(
    () => ociPlan(config((c) => (c.linux!.resources = { blockIO: { weight: 500 } })), CONTEXT),
    /linux.resources.blockIO \(blkio weights, throttles\) is not supported/,
  );
  assert.throws(
    () => ociPlan(config((c) => (c.linux!.resources = { network: { classID: 1 } })), CONTEXT),
    /linux.resources.network \(net_cls, net_prio\) is not supported/,
  );
});

Deno.test("ociPlan() keeps the process's additional groups", () => {
  const plan = ociPlan(
    config((c) => (c.process!.user = { uid: 1, gid: 1, additionalGids: [5] })),
    CONTEXT,
  );
  assert.equal(plan.spec.process.user, "1:1");
  assert.deepEqual(plan.spec.process.additionalGids, [5]);
});

Deno.test("ociPlan() gives the root's own mount its rootfsPropagation, last", () => {
  const plan = ociPlan(config((c) => (c.linux!.rootfsPropagation = "rshared")), CONTEXT);
  assert.deepEqual(plan.spec.mountPlan?.at(-1), {
    op: "mount",
    source: "none",
    target: "/",
    fstype: "none",
    flags: 0x100000, // MS_SHARED
  });
  assert.throws(
    () => ociPlan(config((c) => (c.linux!.rootfsPropagation = "bogus")), CONTEXT),
    /rootfsPropagation "bogus" is not one of mount\(8\)'s/,
  );
});

Deno.test("ociPlan() keeps sysctls of the container's namespaces (Docker's unprivileged ports)", () => {
  const sysctl = { "net.ipv4.ip_unprivileged_port_start": "0", "kernel.shmmax": "65536" };
  const plan = ociPlan(config((c) => (c.linux!.sysctl = sysctl)), CONTEXT);
  assert.deepEqual(plan.spec.sysctl, sysctl);
});

Deno.test("ociPlan() reads an unlimited rlimit (2^64-1 in JSON) as RLIM_INFINITY", () => {
  const plan = ociPlan(
    config((c) => {
      c.process!.rlimits = JSON.parse(
        '[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}]',
      );
    }),
    CONTEXT,
  );
  assert.deepEqual(plan.holdSteps, [{ op: "rlimit", resource: 4, soft: -1n, hard: -1n }]);
});

Deno.test("ociPlan() warns of what it leaves out: labels, cgroup namespaces", () => {
  const plan = ociPlan(
    config((c) => {
      c.process!.apparmorProfile = "docker-default";
      c.linux!.namespaces!.push({ type: "cgroup" });
      c.hooks = { startContainer: [{ path: "/bin/true" }] };
    }),
    CONTEXT,
  );
  assert.deepEqual(plan.warnings, [
    "a cgroup namespace is not created",
    "the AppArmor profile is ignored",
  ]);
  assert.deepEqual(plan.hooks.startContainer, [{ path: "/bin/true" }]);
});

Deno.test("seccompProfileOf() reads Docker's profile format: errno default, args, errnoRet", () => {
  const profile = seccompProfileOf({
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1,
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [
      { names: ["read", "write"], action: "SCMP_ACT_ALLOW" },
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
      {
        names: ["personality"],
        action: "SCMP_ACT_ALLOW",
        args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }],
      },
      {
        names: ["clone"],
        action: "SCMP_ACT_ALLOW",
        args: [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      },
    ],
  });
  assert.deepEqual(profile, {
    defaultAction: { errno: 1 },
    rules: [
      { names: ["read", "write"], action: "allow" },
      { names: ["clone3"], action: { errno: 38 } },
      { names: ["personality"], action: "allow", args: [{ index: 0, op: "equal", value: 8 }] },
      {
        names: ["clone"],
        action: "allow",
        args: [{ index: 0, op: "maskedEqual", mask: 2114060288, value: 0 }],
      },
    ],
  });
});

Deno.test("seccompProfileOf() reads the runtime-spec example's allowing default", () => {
  // config-linux.md's example: everything allowed but getcwd and chmod.
  assert.deepEqual(
    seccompProfileOf({
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      syscalls: [{ names: ["getcwd", "chmod"], action: "SCMP_ACT_ERRNO" }],
    }),
    { defaultAction: "allow", rules: [{ names: ["getcwd", "chmod"], action: { errno: 1 } }] },
  );
});

Deno.test("seccompProfileOf() reads every libseccomp action but notify", () => {
  const profile = seccompProfileOf({
    defaultAction: "SCMP_ACT_KILL_PROCESS",
    syscalls: [
      { names: ["ptrace"], action: "SCMP_ACT_KILL" },
      { names: ["kcmp"], action: "SCMP_ACT_KILL_THREAD" },
      { names: ["reboot"], action: "SCMP_ACT_TRAP" },
      { names: ["mount"], action: "SCMP_ACT_LOG" },
      { names: ["umount2"], action: "SCMP_ACT_TRACE", errnoRet: 5 },
      { names: ["chroot"], action: "SCMP_ACT_TRACE" },
    ],
  });
  assert.deepEqual(profile, {
    defaultAction: "killProcess",
    rules: [
      { names: ["ptrace"], action: "killThread" },
      { names: ["kcmp"], action: "killThread" },
      { names: ["reboot"], action: "trap" },
      { names: ["mount"], action: "log" },
      { names: ["umount2"], action: { trace: 5 } },
      { names: ["chroot"], action: { trace: 1 } },
    ],
  });
  assert.deepEqual(
    seccompProfileOf({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 }).defaultAction,
    { errno: 38 },
  );
  assert.throws(
    () =>
      seccompProfileOf({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["ptrace"], action: "SCMP_ACT_NOTIFY" }],
      }),
    /action "SCMP_ACT_NOTIFY" is not supported/,
  );
  assert.throws(
    () =>
      seccompProfileOf({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{
          names: ["read"],
          action: "SCMP_ACT_ERRNO",
          args: [{ index: 0, value: 3, op: "SCMP_CMP_GT" }],
        }],
      }),
    /comparison "SCMP_CMP_GT"/,
  );
});

Deno.test("parseMountOptions() sets and clears flags, spots binds, keeps the rest as data", () => {
  const { RDONLY, NOSUID, NODEV } = MountFlag;
  assert.deepEqual(parseMountOptions(["rbind", "rprivate", "ro", "nosuid", "nodev"]), {
    flags: RDONLY | NOSUID | NODEV,
    bind: true,
    data: "",
  });
  assert.deepEqual(parseMountOptions(["ro", "rw", "mode=1777", "size=64m"]), {
    flags: 0,
    bind: false,
    data: "mode=1777,size=64m",
  });
});
