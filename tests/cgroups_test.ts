import assert from "node:assert/strict";
import { cpuController, cpuWeightFromShares } from "../runtime/cgroups/cpu.ts";
import { cpusetController } from "../runtime/cgroups/cpuset.ts";
import { hugetlbController } from "../runtime/cgroups/hugetlb.ts";
import { parseCgroupLayout } from "../runtime/cgroups/layout.ts";
import { memoryController } from "../runtime/cgroups/memory.ts";
import { parseResourceLimits, parseSize } from "../runtime/cgroups/parse_limits.ts";
import { pidsController } from "../runtime/cgroups/pids.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

const MiB = 1024 * 1024;
const all = () => true;
const none = () => false;

function assertFlagError(flags: Parameters<typeof parseResourceLimits>[0], message: string) {
  assert.throws(() => parseResourceLimits(flags), (error: unknown) => {
    assert.ok(error instanceof ExitCodeError);
    assert.equal(error.exitCode, 125);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("parseSize() reads sizes as Docker does: binary units, any case, b or ib", () => {
  assert.equal(parseSize("100"), 100);
  assert.equal(parseSize("10b"), 10);
  assert.equal(parseSize("4k"), 4096);
  assert.equal(parseSize("512m"), 512 * MiB);
  assert.equal(parseSize("512M"), 512 * MiB);
  assert.equal(parseSize("64MB"), 64 * MiB);
  assert.equal(parseSize("64MiB"), 64 * MiB);
  assert.equal(parseSize("1.5g"), 1536 * MiB);
  assert.equal(parseSize("2 g"), 2048 * MiB);
  assert.equal(parseSize("1t"), 1024 ** 4);
  assert.equal(parseSize("0.5k"), 512);
  assert.equal(parseSize("1.0001"), 1);
  for (const bad of ["", "12q", "m", "-1", "1mm", "1ib", "1bb", "1 2m", "1e3", "0x10", " 1m"]) {
    assert.equal(parseSize(bad), undefined, bad);
  }
});

Deno.test("parseResourceLimits() sets memory plus swap to twice --memory by default", () => {
  assert.deepEqual(parseResourceLimits({}), {});
  assert.deepEqual(parseResourceLimits({ memory: "32m" }), {
    memoryBytes: 32 * MiB,
    memorySwapBytes: 64 * MiB,
  });
  assert.deepEqual(parseResourceLimits({ memory: "32m", memorySwap: "48m" }), {
    memoryBytes: 32 * MiB,
    memorySwapBytes: 48 * MiB,
  });
  assert.deepEqual(parseResourceLimits({ memory: "32m", memorySwap: "32m" }), {
    memoryBytes: 32 * MiB,
    memorySwapBytes: 32 * MiB,
  });
  assert.deepEqual(parseResourceLimits({ memory: "32m", memorySwap: "-1" }), {
    memoryBytes: 32 * MiB,
    memorySwapBytes: -1,
  });
  assert.deepEqual(parseResourceLimits({ memory: "32m", memorySwap: "0" }), {
    memoryBytes: 32 * MiB,
    memorySwapBytes: 64 * MiB,
  });
  assert.deepEqual(parseResourceLimits({ memory: "0" }), {});
  assert.deepEqual(parseResourceLimits({ memorySwap: "-1" }), {});
  assert.deepEqual(parseResourceLimits({ memory: "6m" }).memoryBytes, 6 * MiB);
});

Deno.test("parseResourceLimits() rejects bad memory values with 125 and one line", () => {
  assertFlagError({ memory: "12q" }, `Cannot use --memory "12q": invalid size`);
  assertFlagError({ memory: "-5m" }, `Cannot use --memory "-5m": invalid size`);
  assertFlagError(
    { memory: "5m" },
    `Cannot use --memory "5m": minimum memory limit allowed is 6MB`,
  );
  assertFlagError(
    { memory: "32m", memorySwap: "lots" },
    `Cannot use --memory-swap "lots": invalid size`,
  );
  assertFlagError(
    { memory: "32m", memorySwap: "16m" },
    `Cannot use --memory-swap "16m": must be at least --memory "32m"`,
  );
  assertFlagError(
    { memorySwap: "1g" },
    `Cannot use --memory-swap "1g": the memory limit must be set too (--memory)`,
  );
});

Deno.test("parseResourceLimits() reads --cpus as a decimal within the machine's CPUs", () => {
  assert.deepEqual(parseResourceLimits({ cpus: "0.5" }), { cpus: 0.5 });
  assert.deepEqual(parseResourceLimits({ cpus: "1" }), { cpus: 1 });
  assert.deepEqual(parseResourceLimits({ cpus: ".25" }), { cpus: 0.25 });
  assert.deepEqual(parseResourceLimits({ cpus: "0.01" }), { cpus: 0.01 });
  assert.deepEqual(parseResourceLimits({ cpus: "0" }), {});
  assertFlagError({ cpus: "1,5" }, `Cannot use --cpus "1,5": invalid number`);
  assertFlagError(
    { cpus: "0.0000000001" },
    `Cannot use --cpus "0.0000000001": value is too precise`,
  );
  const n = navigator.hardwareConcurrency;
  const range = `range of CPUs is from 0.01 to ${n}.00, as there are only ${n} CPUs available`;
  assertFlagError({ cpus: "0.001" }, `Cannot use --cpus "0.001": ${range}`);
  assertFlagError({ cpus: `${n + 1}` }, `Cannot use --cpus "${n + 1}": ${range}`);
  assertFlagError({ cpus: "-1" }, `Cannot use --cpus "-1": ${range}`);
});

Deno.test("parseResourceLimits() reads --cpu-shares and --pids-limit as integers", () => {
  assert.deepEqual(parseResourceLimits({ cpuShares: "512" }), { cpuShares: 512 });
  assert.deepEqual(parseResourceLimits({ cpuShares: "0" }), {});
  assert.deepEqual(parseResourceLimits({ cpuShares: "1" }), { cpuShares: 2 });
  assert.deepEqual(parseResourceLimits({ cpuShares: "1000000" }), { cpuShares: 262144 });
  assert.deepEqual(parseResourceLimits({ pidsLimit: "20" }), { pidsLimit: 20 });
  assert.deepEqual(parseResourceLimits({ pidsLimit: "-1" }), { pidsLimit: -1 });
  assertFlagError({ cpuShares: "1.5" }, `Cannot use --cpu-shares "1.5": invalid integer`);
  assertFlagError(
    { cpuShares: "-1" },
    `Cannot use --cpu-shares "-1": value must be a positive integer`,
  );
  assertFlagError({ pidsLimit: "ten" }, `Cannot use --pids-limit "ten": invalid integer`);
  assertFlagError({ pidsLimit: "" }, `Cannot use --pids-limit "": invalid integer`);
});

Deno.test("memoryController writes the limit, then memory plus swap when swap is accounted", () => {
  const limits = { memoryBytes: 32 * MiB, memorySwapBytes: 64 * MiB };
  assert.deepEqual(memoryController.v1Files(limits, all), [
    ["memory.limit_in_bytes", "33554432"],
    ["memory.memsw.limit_in_bytes", "67108864"],
  ]);
  assert.deepEqual(memoryController.v1Files(limits, none), [["memory.limit_in_bytes", "33554432"]]);
  assert.deepEqual(memoryController.v2Files(limits, all), [
    ["memory.max", "33554432"],
    ["memory.swap.max", "33554432"],
  ]);
  assert.deepEqual(memoryController.v2Files(limits, none), [["memory.max", "33554432"]]);
  assert.deepEqual(
    memoryController.v2Files({ memoryBytes: 32 * MiB, memorySwapBytes: 32 * MiB }, all),
    [["memory.max", "33554432"], ["memory.swap.max", "0"]],
  );
  assert.deepEqual(memoryController.v2Files({ memoryBytes: 32 * MiB, memorySwapBytes: -1 }, all), [
    ["memory.max", "33554432"],
    ["memory.swap.max", "max"],
  ]);
  assert.deepEqual(memoryController.v1Files({ memoryBytes: 32 * MiB, memorySwapBytes: -1 }, all), [
    ["memory.limit_in_bytes", "33554432"],
    ["memory.memsw.limit_in_bytes", "-1"],
  ]);
  assert.deepEqual(memoryController.v1Files({}, all), []);
  assert.deepEqual(memoryController.v2Files({}, all), []);
});

Deno.test("cpuWeightFromShares() is runc's mapping of cpu.shares to cpu.weight", () => {
  assert.equal(cpuWeightFromShares(2), 1);
  assert.equal(cpuWeightFromShares(1), 1);
  assert.equal(cpuWeightFromShares(512), 20);
  assert.equal(cpuWeightFromShares(1024), 39);
  assert.equal(cpuWeightFromShares(2048), 79);
  assert.equal(cpuWeightFromShares(262144), 10000);
});

Deno.test("cpuController writes a quota over a 100 ms period and the shares or weight", () => {
  assert.deepEqual(cpuController.v1Files({ cpus: 1.5, cpuShares: 512 }, all), [
    ["cpu.cfs_period_us", "100000"],
    ["cpu.cfs_quota_us", "150000"],
    ["cpu.shares", "512"],
  ]);
  assert.deepEqual(cpuController.v2Files({ cpus: 1.5, cpuShares: 512 }, all), [
    ["cpu.max", "150000 100000"],
    ["cpu.weight", "20"],
  ]);
  assert.deepEqual(cpuController.v2Files({ cpus: 0.07 }, all), [["cpu.max", "7000 100000"]]);
  assert.deepEqual(cpuController.v1Files({ cpuShares: 1024 }, all), [["cpu.shares", "1024"]]);
  assert.deepEqual(cpuController.v1Files({ memoryBytes: 1 }, all), []);
  assert.deepEqual(cpuController.v2Files({}, all), []);
});

Deno.test("pidsController writes pids.max on v1 and v2, nothing when unlimited", () => {
  assert.deepEqual(pidsController.v1Files({ pidsLimit: 20 }, all), [["pids.max", "20"]]);
  assert.deepEqual(pidsController.v2Files({ pidsLimit: 20 }, all), [["pids.max", "20"]]);
  assert.deepEqual(pidsController.v2Files({ pidsLimit: -1 }, all), []);
  assert.deepEqual(pidsController.v1Files({ pidsLimit: 0 }, all), []);
  assert.deepEqual(pidsController.v1Files({}, all), []);
});

Deno.test("parseCgroupLayout() finds a pure cgroup v2 host", () => {
  const mountinfo = [
    "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
    "25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
    "26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 " +
    "rw,nsdelegate,memory_recursiveprot",
    "",
  ].join("\n");
  assert.deepEqual(parseCgroupLayout(mountinfo), { v2MountPoint: "/sys/fs/cgroup", v1: [] });
});

Deno.test("parseCgroupLayout() finds a hybrid host's v1 controllers and unified v2 mount", () => {
  const mountinfo = [
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children",
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory",
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup " +
    "rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    "42 31 0:39 / /sys/fs/cgroup/hugetlb rw,relatime - cgroup cgroup rw,hugetlb",
    "43 22 0:32 / /mnt/memory\\040bind rw,relatime - cgroup cgroup rw,memory",
  ].join("\n");
  assert.deepEqual(parseCgroupLayout(mountinfo), {
    v2MountPoint: "/sys/fs/cgroup/unified",
    v1: [
      { mountPoint: "/sys/fs/cgroup/cpu", controllers: ["cpu"] },
      { mountPoint: "/sys/fs/cgroup/cpuacct", controllers: ["cpuacct"] },
      { mountPoint: "/sys/fs/cgroup/cpuset", controllers: ["cpuset"] },
      { mountPoint: "/sys/fs/cgroup/memory", controllers: ["memory"] },
      { mountPoint: "/sys/fs/cgroup/pids", controllers: ["pids"] },
      { mountPoint: "/sys/fs/cgroup/systemd", controllers: ["name=systemd"] },
      { mountPoint: "/sys/fs/cgroup/hugetlb", controllers: ["hugetlb"] },
    ],
  });
});

Deno.test("parseCgroupLayout() finds a pure v1 host with co-mounted controllers", () => {
  const mountinfo = [
    "24 18 0:20 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
    "26 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:6 - cgroup cgroup rw,cpu,cpuacct",
    "27 24 0:23 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio",
    "28 24 0:24 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory",
    "29 24 0:25 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids",
    "30 24 0:26 / /sys/fs/cgroup/unnamed rw - cgroup cgroup rw,none",
  ].join("\n");
  assert.deepEqual(parseCgroupLayout(mountinfo), {
    v1: [
      { mountPoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: ["cpu", "cpuacct"] },
      { mountPoint: "/sys/fs/cgroup/net_cls,net_prio", controllers: ["net_cls", "net_prio"] },
      { mountPoint: "/sys/fs/cgroup/memory", controllers: ["memory"] },
      { mountPoint: "/sys/fs/cgroup/pids", controllers: ["pids"] },
    ],
  });
});

Deno.test("an OCI config's period, cpuset, reservation, swappiness and disabled OOM killer", () => {
  const all = () => true;
  const cpu = { cpus: 0.25, cpuPeriodUs: 200_000 };
  assert.deepEqual(cpuController.v1Files(cpu, all), [
    ["cpu.cfs_period_us", "200000"],
    ["cpu.cfs_quota_us", "50000"],
  ]);
  assert.deepEqual(cpuController.v2Files(cpu, all), [["cpu.max", "50000 200000"]]);
  const cpuset = { cpusetCpus: "0-1", cpusetMems: "0" };
  assert.deepEqual(cpusetController.v1Files(cpuset, all), [
    ["cpuset.cpus", "0-1"],
    ["cpuset.mems", "0"],
  ]);
  const memory = {
    memoryReservationBytes: 4096,
    memorySwappiness: 50,
    disableOomKiller: true,
    kernelTcpBytes: 8192,
  };
  assert.deepEqual(memoryController.v1Files(memory, all), [
    ["memory.soft_limit_in_bytes", "4096"],
    ["memory.swappiness", "50"],
    ["memory.oom_control", "1"],
    ["memory.kmem.tcp.limit_in_bytes", "8192"],
  ]);
  assert.deepEqual(memoryController.v2Files(memory, all), [["memory.low", "4096"]]);
});

Deno.test("hugetlbController writes a limit per page size", () => {
  const limits = { hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }] };
  assert.deepEqual(hugetlbController.v1Files(limits, () => true), [
    ["hugetlb.2MB.limit_in_bytes", "4194304"],
  ]);
  assert.deepEqual(hugetlbController.v2Files(limits, () => true), [["hugetlb.2MB.max", "4194304"]]);
});
