/**
 * `mydocker runtime` as containerd's shim calls it, on a bundle of the test's own (a busybox
 * root and a config from `spec`): create holds the process before its exec, start releases it,
 * state reports each status, kill, delete and their errors as runc's; exec; and what the config
 * asks of the process (user, rlimits, sysctl, a seccomp profile, a joined IPC namespace, hooks).
 */

import assert from "node:assert/strict";
import { makeBusyboxRootfs } from "../../testing/busybox_rootfs.ts";
import { HIERARCHY_MOUNT_POINTS } from "../../testing/container_cgroups.ts";
import type { RunResult } from "../../testing/mydocker.ts";
import { DEFAULT_PROFILE } from "../../runtime/spec/seccomp_profile.ts";

const LAUNCHER = new URL("../../mydocker-runc", import.meta.url).pathname;
const work = await Deno.makeTempDir({ prefix: "mydocker-test-oci-runtime-" });
const root = `${work}/state`;
const bundle = `${work}/bundle`;
await Deno.mkdir(bundle);
await Deno.rename(await makeBusyboxRootfs(), `${bundle}/rootfs`);
await Deno.chmod(`${bundle}/rootfs`, 0o755); // An image's root, which every user may enter
const decoder = new TextDecoder();

/**
 * Runs `mydocker-runc --root ROOT --log … ARGS`, in the bundle. Its stdout and stderr go to
 * files, read afterwards: a created container keeps them, as it keeps the shim's.
 */
async function runtime(...args: string[]): Promise<RunResult> {
  const output = await new Deno.Command("sh", {
    args: [
      "-c",
      `"$0" "$@" > ${work}/out 2> ${work}/err`,
      LAUNCHER,
      ...["--root", root, "--log", `${work}/log.json`, "--log-format", "json", ...args],
    ],
    cwd: bundle,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  const stdout = await Deno.readFile(`${work}/out`);
  const stderr = await Deno.readFile(`${work}/err`);
  return {
    code: output.code,
    stdout,
    stderr,
    stdoutText: decoder.decode(stdout),
    stderrText: decoder.decode(stderr),
  };
}

/** Where the test's containers' cgroups go, below each hierarchy. */
const CGROUPS = `mydocker-test-${work.slice(-8)}`;

/** A config as the test changes it. */
// deno-lint-ignore no-explicit-any
type Config = Record<string, any>;

/**
 * Writes the bundle's config for container `id`: `spec`'s default, its cgroups below
 * {@linkcode CGROUPS}, with `change` made to it.
 */
async function writeConfig(id: string, change: (config: Config) => void): Promise<void> {
  await Deno.remove(`${bundle}/config.json`).catch(() => {});
  assert.equal((await runtime("spec")).code, 0);
  const config = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
  config.process.terminal = false;
  config.root.readonly = false;
  config.linux.cgroupsPath = `/${CGROUPS}/${id}`;
  change(config);
  await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(config));
}

async function status(id: string): Promise<string> {
  return JSON.parse((await runtime("state", id)).stdoutText).status;
}

Deno.test("create holds the process before its exec; start releases it; state follows", async () => {
  await writeConfig(
    "c1",
    (c) => (c.process.args = ["sh", "-c", `echo started > /tmp/mark; sleep 1000`]),
  );
  const created = await runtime("create", "--bundle", bundle, "--pid-file", `${work}/pid`, "c1");
  assert.equal(created.code, 0, created.stderrText);
  const pid = Number(await Deno.readTextFile(`${work}/pid`));
  const state = JSON.parse((await runtime("state", "c1")).stdoutText);
  assert.deepEqual(state, {
    ociVersion: "1.0.2",
    id: "c1",
    pid,
    status: "created",
    bundle,
    rootfs: `${bundle}/rootfs`,
    created: state.created,
    owner: "",
    annotations: {},
  });
  // Held before its exec: the command has not run.
  await assert.rejects(Deno.stat(`${bundle}/rootfs/tmp/mark`));
  assert.equal((await runtime("start", "c1")).code, 0);
  assert.equal(await status("c1"), "running");
  assert.equal(await Deno.readTextFile(`${bundle}/rootfs/tmp/mark`), "started\n");
  const again = await runtime("start", "c1");
  assert.equal(again.code, 1);
  assert.equal(again.stderrText, "mydocker runtime: cannot start an already running container\n");
  assert.deepEqual(JSON.parse((await runtime("ps", "--format", "json", "c1")).stdoutText), [pid]);
  assert.equal((await runtime("pause", "c1")).code, 0);
  assert.equal(await status("c1"), "paused");
  assert.equal((await runtime("resume", "c1")).code, 0);
  const refused = await runtime("delete", "c1");
  assert.equal(refused.code, 1);
  assert.match(refused.stderrText, /cannot delete container c1 that is not stopped: running/);
  assert.equal((await runtime("kill", "c1", "KILL")).code, 0);
  while (await status("c1") !== "stopped") await new Promise((r) => setTimeout(r, 20));
  const dead = await runtime("kill", "c1", "TERM");
  assert.equal(dead.stderrText, "mydocker runtime: container not running\n");
  assert.equal((await runtime("delete", "c1")).code, 0);
  const gone = await runtime("state", "c1");
  assert.equal(gone.code, 1);
  assert.equal(gone.stderrText, 'mydocker runtime: container "c1" does not exist\n');
  // The shim reads the last error from the JSON log.
  const log = (await Deno.readTextFile(`${work}/log.json`)).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  assert.deepEqual(log.at(-1)!.level, "error");
  assert.equal(log.at(-1)!.msg, 'container "c1" does not exist');
  await Deno.remove(`${bundle}/rootfs/tmp/mark`);
});

Deno.test("start: a command that ends at once was started; a process killed while held was not", async () => {
  await writeConfig("c-short", (c) => (c.process.args = ["true"]));
  for (let round = 0; round < 5; round++) {
    assert.equal((await runtime("create", "c-short")).code, 0);
    const started = await runtime("start", "c-short");
    assert.equal(started.code, 0, started.stderrText);
    while (await status("c-short") !== "stopped") await new Promise((r) => setTimeout(r, 20));
    assert.equal((await runtime("delete", "c-short")).code, 0);
  }
  await writeConfig("c-killed", (c) => (c.process.args = ["sleep", "1000"]));
  const created = await runtime("create", "--pid-file", `${work}/pid`, "c-killed");
  assert.equal(created.code, 0, created.stderrText);
  Deno.kill(Number(await Deno.readTextFile(`${work}/pid`)), "SIGKILL");
  while (await status("c-killed") !== "stopped") await new Promise((r) => setTimeout(r, 20));
  const refused = await runtime("start", "c-killed");
  assert.equal(refused.code, 1);
  assert.equal(refused.stderrText, "mydocker runtime: cannot start a container that has stopped\n");
  assert.equal((await runtime("delete", "c-killed")).code, 0);
});

Deno.test("delete --force and kill --all end a running container with everything in it", async () => {
  await writeConfig("c2", (c) => (c.process.args = ["sh", "-c", "sleep 1000 & sleep 1000"]));
  assert.equal((await runtime("create", "c2")).code, 0);
  assert.equal((await runtime("start", "c2")).code, 0);
  // sh and the background sleep (sh execs the last command).
  while (JSON.parse((await runtime("ps", "--format", "json", "c2")).stdoutText).length < 2) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await runtime("kill", "--all", "c2", "9")).code, 0);
  while (await status("c2") !== "stopped") await new Promise((r) => setTimeout(r, 20));
  assert.equal((await runtime("delete", "--force", "c2")).code, 0);
  assert.deepEqual(JSON.parse((await runtime("list", "--format", "json")).stdoutText), []);
});

Deno.test("run: the config's user, rlimits, sysctl, no_new_privs, and the exit code", async () => {
  await writeConfig("c3", (c) => {
    c.process.user = { uid: 65534, gid: 65534 };
    c.process.rlimits = [{ type: "RLIMIT_NOFILE", hard: 512, soft: 256 }];
    c.linux.sysctl = { "net.ipv4.ip_unprivileged_port_start": "80" };
    c.process.args = [
      "sh",
      "-c",
      "id; ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; " +
      "grep NoNewPrivs /proc/self/status; hostname; exit 7",
    ];
  });
  const result = await runtime("run", "c3");
  assert.equal(result.code, 7, result.stderrText);
  assert.equal(
    result.stdoutText,
    "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n256\n512\n80\nNoNewPrivs:\t1\nmydocker\n",
  );
  assert.deepEqual(JSON.parse((await runtime("list", "--format", "json")).stdoutText), []);
});

Deno.test("run: a deny-list seccomp profile (allowing default) with each action", async () => {
  // Calls above the highest named (sethostname, 170), such as openat and exit_group, are allowed.
  await writeConfig("c4", (c) => {
    c.process.args = [
      "sh",
      "-c",
      "mkdir /tmp/d; echo mkdir=$?; chmod 600 /tmp; echo chmod=$?; sync; echo sync=$?; " +
      "rmdir /tmp; echo rmdir=$?; hostname h; echo hostname=$?; uname; echo uname=$?",
    ];
    c.process.rlimits = [{ type: "RLIMIT_CORE", hard: 0, soft: 0 }];
    c.linux.seccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        { names: ["chmod"], action: "SCMP_ACT_KILL_PROCESS" },
        { names: ["sync"], action: "SCMP_ACT_TRAP" },
        { names: ["rmdir"], action: "SCMP_ACT_TRACE" }, // no tracer: ENOSYS
        { names: ["sethostname"], action: "SCMP_ACT_KILL" },
        { names: ["uname"], action: "SCMP_ACT_LOG" },
      ],
    };
  });
  const run = await runtime("run", "c4");
  assert.equal(run.code, 0, run.stderrText);
  // SIGSYS (31) ends chmod, sync and hostname.
  assert.equal(
    run.stdoutText,
    "mkdir=1\nchmod=159\nsync=159\nrmdir=1\nhostname=159\nLinux\nuname=0\n",
  );
  assert.match(run.stderrText, /mkdir: can't create directory '\/tmp\/d': Permission denied/);
  assert.match(run.stderrText, /rmdir: '\/tmp': Function not implemented/);
});

Deno.test("run: a seccomp profile in the spec's format, errno and argument tests", async () => {
  // Everything a shell needs, but mkdir fails with EACCES and chmod to 0777 with EPERM.
  const changed = ["mkdir", "mkdirat", "chmod", "fchmodat", "fchmodat2"];
  const allowed = DEFAULT_PROFILE.rules.flatMap((rule) =>
    rule.action === "allow" && rule.args === undefined && rule.requiresCapabilities === undefined
      ? rule.names.filter((name) => !changed.includes(name))
      : []
  ).concat("clone", "vfork"); // (Docker's allows clone only without namespace flags)
  await writeConfig("c5", (c) => {
    c.process.args = [
      "sh",
      "-c",
      "mkdir /tmp/d; touch /tmp/f; chmod 777 /tmp/f; chmod 600 /tmp/f && echo chmod-ok",
    ];
    c.linux.seccomp = {
      defaultAction: "SCMP_ACT_ERRNO",
      defaultErrnoRet: 38,
      architectures: ["SCMP_ARCH_X86_64"],
      syscalls: [
        { names: allowed, action: "SCMP_ACT_ALLOW" },
        { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
        {
          names: ["chmod", "fchmodat"],
          action: "SCMP_ACT_ALLOW",
          args: [{ index: 1, value: 0o600, op: "SCMP_CMP_EQ" }],
        },
        {
          names: ["chmod"],
          action: "SCMP_ACT_ERRNO",
          args: [{ index: 1, value: 0o600, op: "SCMP_CMP_NE" }],
        },
        {
          names: ["fchmodat"],
          action: "SCMP_ACT_ERRNO",
          args: [{ index: 2, value: 0o600, op: "SCMP_CMP_NE" }],
        },
      ],
    };
  });
  const result = await runtime("run", "c5");
  assert.equal(result.code, 0, result.stderrText);
  assert.match(result.stderrText, /mkdir: can't create directory '\/tmp\/d': Permission denied/);
  assert.match(result.stderrText, /chmod: \/tmp\/f: Operation not permitted/);
  assert.equal(result.stdoutText, "chmod-ok\n");
  await Deno.remove(`${bundle}/rootfs/tmp/f`);
});

Deno.test("run: a profile that denies close_range (as runtime-tools' default) lets the process start; /proc's source is proc", async () => {
  const allowed = DEFAULT_PROFILE.rules.flatMap((rule) =>
    rule.action === "allow" && rule.args === undefined && rule.requiresCapabilities === undefined
      ? rule.names.filter((name) => name !== "close_range")
      : []
  ).concat("clone", "vfork");
  await writeConfig("c6", (c) => {
    c.process.args = ["sh", "-c", "grep ' /proc ' /proc/self/mountinfo"];
    c.linux.seccomp = {
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [{ names: allowed, action: "SCMP_ACT_ALLOW" }],
    };
  });
  const result = await runtime("run", "c6");
  assert.equal(result.code, 0, result.stderrText);
  // The suite's runtimetest matches a config's mount by its source.
  assert.match(result.stdoutText, / \/proc \S+ - proc proc /);
});

Deno.test("run: the process's five capability sets as the config gives them", async () => {
  await writeConfig("c7", (c) => {
    c.process.args = ["grep", "^Cap", "/proc/self/status"];
    c.process.capabilities = {
      bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
      effective: ["CAP_CHOWN", "CAP_KILL"],
      permitted: ["CAP_CHOWN", "CAP_KILL"],
      inheritable: ["CAP_KILL"],
      ambient: ["CAP_KILL"],
    };
  });
  const result = await runtime("run", "c7");
  assert.equal(result.code, 0, result.stderrText);
  // CHOWN is 0, KILL 5, NET_RAW 13.
  assert.equal(
    result.stdoutText,
    "CapInh:\t0000000000000020\nCapPrm:\t0000000000000021\nCapEff:\t0000000000000021\n" +
      "CapBnd:\t0000000000002021\nCapAmb:\t0000000000000020\n",
  );
});

Deno.test("create: the config's CPU period and cpuset, memory reservation, swappiness, OOM killer, huge pages", async () => {
  await writeConfig("c8", (c) => {
    c.process.args = ["sleep", "1000"];
    c.linux.resources = {
      cpu: { quota: 50_000, period: 200_000, cpus: "0", mems: "0" },
      memory: {
        limit: 64 << 20,
        reservation: 32 << 20,
        swappiness: 50,
        disableOOMKiller: true,
        kernelTCP: 16 << 20,
      },
      hugepageLimits: [{ pageSize: "2MB", limit: 4 << 20 }],
    };
  });
  const created = await runtime("create", "--bundle", bundle, "c8");
  assert.equal(created.code, 0, created.stderrText);
  // Each value in whichever hierarchy holds its file (cgroup v1's, this host's layout).
  const read = async (file: string) => {
    for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
      const text = await Deno.readTextFile(`${mountPoint}/${CGROUPS}/c8/${file}`).catch(() => "");
      if (text !== "") return text.split("\n")[0];
    }
  };
  assert.equal(await read("cpu.cfs_period_us"), "200000");
  assert.equal(await read("cpu.cfs_quota_us"), "50000");
  assert.equal(await read("cpuset.cpus"), "0");
  assert.equal(await read("memory.soft_limit_in_bytes"), String(32 << 20));
  assert.equal(await read("memory.swappiness"), "50");
  assert.equal(await read("memory.oom_control"), "oom_kill_disable 1");
  assert.equal(await read("memory.kmem.tcp.limit_in_bytes"), String(16 << 20));
  assert.equal(await read("hugetlb.2MB.limit_in_bytes"), String(4 << 20));
  assert.equal((await runtime("delete", "--force", "c8")).code, 0);
});

Deno.test("create: a v1 devices cgroup lists the config's rules first, in its order; they confine", async () => {
  // 42 is no driver's major: opening a node the cgroup lets through fails with ENXIO, one it
  // refuses with EPERM.
  await writeConfig("c18", (c) => {
    c.process.args = [
      "sh",
      "-c",
      "mknod /tmp/a c 42 42; mknod /tmp/b c 42 43; " +
      "{ head -c 1 /tmp/a; echo > /tmp/a; head -c 1 /tmp/b; } 2>&1 | sed 's/.*: //' > /tmp/devices.new; " +
      "rm /tmp/a /tmp/b; mv /tmp/devices.new /tmp/devices; sleep 1000",
    ];
    for (const set of ["bounding", "effective", "permitted"]) {
      c.process.capabilities[set].push("CAP_MKNOD");
    }
    c.linux.resources = {
      devices: [
        { allow: false, access: "rwm" },
        { allow: true, type: "c", major: 42, minor: 42, access: "r" },
        { allow: true, type: "b", major: 8, minor: 20, access: "rw" },
        { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
      ],
    };
  });
  const created = await runtime("create", "--bundle", bundle, "c18");
  assert.equal(created.code, 0, created.stderrText);
  for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
    const lines = await Deno.readTextFile(`${mountPoint}/${CGROUPS}/c18/devices.list`)
      .then((text) => text.split("\n"), () => undefined);
    if (lines !== undefined) {
      assert.deepEqual(lines.slice(0, 3), ["c 42:42 r", "b 8:20 rw", "c 10:229 rwm"]);
    }
  }
  assert.equal((await runtime("start", "c18")).code, 0);
  const exec = await runtime("exec", "c18", "sh", "-c", "until cat /tmp/devices; do :; done");
  assert.equal(
    exec.stdoutText,
    "No such device or address\nOperation not permitted\nOperation not permitted\n",
  );
  assert.equal((await runtime("delete", "--force", "c18")).code, 0);
  await Deno.remove(`${bundle}/rootfs/tmp/devices`);
});

Deno.test("run: the mount table lists the config's mounts in its order, /proc first, a bind last", async () => {
  let targets: string[] = [];
  await writeConfig("c9", (c) => {
    c.process.args = ["cat", "/proc/self/mountinfo"];
    c.mounts.push({ destination: "/mnt", type: "bind", source: "/tmp", options: ["rbind", "ro"] });
    targets = c.mounts.map((mount: { destination: string }) => mount.destination);
  });
  const result = await runtime("run", "c9");
  assert.equal(result.code, 0, result.stderrText);
  const listed = result.stdoutText.trim().split("\n").map((line) => line.split(" ")[4]!);
  assert.equal(targets[0], "/proc");
  const positions = targets.map((target) => listed.indexOf(target));
  assert.ok(positions.every((position) => position > 0), `${targets} in ${listed}`);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `${targets} in ${listed}`);
});

Deno.test("run: a non-root process may reopen its stdout and stderr, as under runc", async () => {
  // The runtime's stdio (files here, the shim's pipes under containerd) is handed to the user.
  await writeConfig("c20", (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.args = ["sh", "-c", "echo out > /dev/stdout && echo err > /dev/stderr"];
  });
  const result = await runtime("run", "c20");
  assert.equal(result.code, 0, result.stderrText);
  assert.equal(result.stdoutText, "out\n");
  assert.equal(result.stderrText, "err\n");
});

Deno.test("run: a non-root process keeps the capability sets and additional groups the config gives it", async () => {
  await writeConfig("c10", (c) => {
    c.process.args = ["sh", "-c", "id -G; grep ^Cap[EPA] /proc/self/status"];
    c.process.user = { uid: 1000, gid: 1000, additionalGids: [5] };
    c.process.capabilities = {
      bounding: ["CAP_KILL"],
      effective: ["CAP_KILL"],
      permitted: ["CAP_KILL"],
      inheritable: ["CAP_KILL"],
      ambient: ["CAP_KILL"],
    };
  });
  const result = await runtime("run", "c10");
  assert.equal(result.code, 0, result.stderrText);
  // A non-root process keeps capabilities through its exec by the ambient set.
  assert.equal(
    result.stdoutText,
    "1000 5\nCapPrm:\t0000000000000020\nCapEff:\t0000000000000020\nCapAmb:\t0000000000000020\n",
  );
});

Deno.test("run: the root's mount gets the config's rootfsPropagation", async () => {
  await writeConfig("c12", (c) => {
    c.process.args = ["awk", '$5 == "/"', "/proc/self/mountinfo"];
    c.linux.rootfsPropagation = "unbindable";
  });
  const result = await runtime("run", "c12");
  assert.equal(result.code, 0, result.stderrText);
  assert.match(result.stdoutText, / unbindable /);
});

Deno.test("a pod's sandbox: the IPC and UTS namespaces joined by path; exec inside", async () => {
  const sandbox = new Deno.Command("unshare", {
    args: ["--ipc", "--uts", "sh", "-c", "hostname sandbox; exec sleep 1000"],
    stdin: "null",
  }).spawn();
  try {
    while (
      (await Deno.readLink(`/proc/${sandbox.pid}/ns/uts`)) ===
        await Deno.readLink("/proc/self/ns/uts")
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await writeConfig("c6", (c) => {
      delete c.hostname;
      c.process.args = ["sleep", "1000"];
      c.linux.namespaces = [
        { type: "pid" },
        { type: "mount" },
        { type: "network" },
        { type: "ipc", path: `/proc/${sandbox.pid}/ns/ipc` },
        { type: "uts", path: `/proc/${sandbox.pid}/ns/uts` },
      ];
    });
    assert.equal((await runtime("create", "c6")).code, 0);
    assert.equal((await runtime("start", "c6")).code, 0);
    const pid = JSON.parse((await runtime("state", "c6")).stdoutText).pid;
    for (const type of ["ipc", "uts"]) {
      assert.equal(
        await Deno.readLink(`/proc/${pid}/ns/${type}`),
        await Deno.readLink(`/proc/${sandbox.pid}/ns/${type}`),
      );
    }
    const exec = await runtime("exec", "c6", "hostname");
    assert.equal(exec.stdoutText, "sandbox\n");
    assert.equal(exec.code, 0, exec.stderrText);
    assert.equal((await runtime("delete", "--force", "c6")).code, 0);
    // A hostname given is set in the joined namespace, as runc sets it.
    await writeConfig("c11", (c) => {
      c.hostname = "renamed";
      c.process.args = ["hostname"];
      c.linux.namespaces = [
        { type: "pid" },
        { type: "mount" },
        { type: "uts", path: `/proc/${sandbox.pid}/ns/uts` },
      ];
    });
    const renamed = await runtime("run", "c11");
    assert.equal(renamed.code, 0, renamed.stderrText);
    assert.equal(renamed.stdoutText, "renamed\n");
  } finally {
    sandbox.kill("SIGKILL");
    await sandbox.status;
  }
});

Deno.test("hooks: prestart and poststop get the state on stdin", async () => {
  await writeConfig("c7", (c) => {
    c.process.args = ["true"];
    c.hooks = {
      prestart: [{ path: "/bin/sh", args: ["sh", "-c", `cat > ${work}/prestart.json`] }],
      poststop: [{ path: "/bin/sh", args: ["sh", "-c", `cat > ${work}/poststop.json`] }],
    };
  });
  assert.equal((await runtime("run", "c7")).code, 0);
  const prestart = JSON.parse(await Deno.readTextFile(`${work}/prestart.json`));
  assert.equal(prestart.id, "c7");
  assert.equal(prestart.status, "created");
  const poststop = JSON.parse(await Deno.readTextFile(`${work}/poststop.json`));
  assert.equal(poststop.status, "stopped");
});

Deno.test("hooks: createContainer runs in the container's mount namespace before the pivot, startContainer inside it before the exec", async () => {
  await writeConfig("c17", (c) => {
    c.process.args = ["sh", "-c", "cat /tmp/start-mark > /tmp/seen; touch /tmp/done; sleep 1000"];
    c.hooks = {
      createContainer: [{
        path: "/bin/sh",
        args: [
          "sh",
          "-c",
          `cat > ${work}/create.json; readlink /proc/self/ns/mnt > ${work}/create-mnt; pwd > ${work}/create-cwd`,
        ],
      }],
      startContainer: [{
        path: "/bin/sh",
        args: [
          "sh",
          "-c",
          "cat > /tmp/start.json; echo start-hook > /tmp/start-mark; readlink /proc/self/ns/pid >> /tmp/start-mark",
        ],
        timeout: 10,
      }],
    };
  });
  const created = await runtime("create", "c17");
  assert.equal(created.code, 0, created.stderrText);
  const pid = JSON.parse((await runtime("state", "c17")).stdoutText).pid;
  const createState = JSON.parse(await Deno.readTextFile(`${work}/create.json`));
  assert.deepEqual([createState.id, createState.status], ["c17", "creating"]);
  // In the container's mount namespace, in the host's tree (its paths), from the root's directory.
  assert.equal(
    (await Deno.readTextFile(`${work}/create-mnt`)).trim(),
    await Deno.readLink(`/proc/${pid}/ns/mnt`),
  );
  assert.equal(await Deno.readTextFile(`${work}/create-cwd`), `${bundle}/rootfs\n`);
  // Not yet: startContainer hooks run at start.
  await assert.rejects(Deno.stat(`${bundle}/rootfs/tmp/start-mark`));
  assert.equal((await runtime("start", "c17")).code, 0);
  const startState = JSON.parse(await Deno.readTextFile(`${bundle}/rootfs/tmp/start.json`));
  assert.deepEqual([startState.status, startState.pid], ["created", pid]);
  // The process saw the hook's mark when it began: the hook ran first, in its root and its PID
  // namespace.
  const namespace = await Deno.readLink(`/proc/${pid}/ns/pid`);
  const exec = await runtime(
    "exec",
    "c17",
    ...["sh", "-c", "until [ -e /tmp/done ]; do :; done; cat /tmp/seen"],
  );
  assert.equal(exec.stdoutText, `start-hook\n${namespace}\n`);
  assert.equal((await runtime("delete", "--force", "c17")).code, 0);
  for (const file of ["start.json", "start-mark", "seen", "done"]) {
    await Deno.remove(`${bundle}/rootfs/tmp/${file}`);
  }
});

Deno.test("hooks: a failing createContainer hook fails create; a startContainer hook past its timeout fails start and stops the container", async () => {
  await writeConfig("c18", (c) => {
    c.hooks = {
      createContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo boom >&2; exit 3"] }],
    };
  });
  const failed = await runtime("create", "c18");
  assert.equal(failed.code, 1);
  assert.equal(
    failed.stderrText,
    'mydocker runtime: createContainer hook "/bin/sh" failed (exit 3): boom\n',
  );
  assert.equal((await runtime("state", "c18")).code, 1);
  await writeConfig("c19", (c) => {
    c.process.args = ["sleep", "1000"];
    c.hooks = { startContainer: [{ path: "/bin/sleep", args: ["sleep", "100"], timeout: 1 }] };
  });
  assert.equal((await runtime("create", "c19")).code, 0);
  const timedOut = await runtime("start", "c19");
  assert.equal(timedOut.code, 1);
  assert.equal(
    timedOut.stderrText,
    'mydocker runtime: startContainer hook "/bin/sleep" ran past its timeout of 1s\n',
  );
  assert.equal(await status("c19"), "stopped");
  assert.equal((await runtime("delete", "c19")).code, 0);
});

/** Waits until process `pid`'s namespace `type` differs from this process's. */
async function waitForOwnNamespace(pid: number, type: string): Promise<void> {
  while (
    (await Deno.readLink(`/proc/${pid}/ns/${type}`)) ===
      await Deno.readLink(`/proc/self/ns/${type}`)
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a PID namespace joined by path (a pod's shared one): the second container sees the first's process", async () => {
  await writeConfig("c13", (c) => (c.process.args = ["sleep", "1000"]));
  assert.equal((await runtime("create", "c13")).code, 0);
  assert.equal((await runtime("start", "c13")).code, 0);
  const first = JSON.parse((await runtime("state", "c13")).stdoutText).pid;
  await writeConfig("c14", (c) => {
    c.process.args = ["sleep", "1000"];
    c.linux.namespaces = c.linux.namespaces.map((entry: { type: string }) =>
      entry.type === "pid" ? { type: "pid", path: `/proc/${first}/ns/pid` } : entry
    );
  });
  const created = await runtime("create", "c14");
  assert.equal(created.code, 0, created.stderrText);
  const second = JSON.parse((await runtime("state", "c14")).stdoutText).pid;
  assert.equal(
    await Deno.readLink(`/proc/${second}/ns/pid`),
    await Deno.readLink(`/proc/${first}/ns/pid`),
  );
  assert.equal((await runtime("start", "c14")).code, 0);
  // Its /proc is the joined namespace's: PID 1 there is the first container's sleep.
  const exec = await runtime("exec", "c14", "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline");
  assert.equal(exec.code, 0, exec.stderrText);
  assert.equal(exec.stdoutText, "sleep 1000 ");
  assert.deepEqual(JSON.parse((await runtime("ps", "--format", "json", "c14")).stdoutText), [
    second,
  ]);
  assert.equal((await runtime("delete", "--force", "c14")).code, 0);
  assert.equal((await runtime("delete", "--force", "c13")).code, 0);
});

Deno.test("a mount namespace joined by path: the root is built in it; the host's own is refused", async () => {
  const holder = new Deno.Command("unshare", {
    args: ["--mount", "--propagation", "private", "sleep", "1000"],
    stdin: "null",
  }).spawn();
  try {
    await waitForOwnNamespace(holder.pid, "mnt");
    const path = `/proc/${holder.pid}/ns/mnt`;
    await writeConfig("c15", (c) => {
      c.process.args = ["sh", "-c", "echo joined > /tmp/mount-mark; sleep 1000"];
      c.linux.namespaces = c.linux.namespaces.map((entry: { type: string }) =>
        entry.type === "mount" ? { type: "mount", path } : entry
      );
    });
    const created = await runtime("create", "c15");
    assert.equal(created.code, 0, created.stderrText);
    assert.equal((await runtime("start", "c15")).code, 0);
    const pid = JSON.parse((await runtime("state", "c15")).stdoutText).pid;
    assert.equal(await Deno.readLink(`/proc/${pid}/ns/mnt`), await Deno.readLink(path));
    const exec = await runtime("exec", "c15", "sh", "-c", "until cat /tmp/mount-mark; do :; done");
    assert.equal(exec.stdoutText, "joined\n");
    assert.equal((await runtime("delete", "--force", "c15")).code, 0);
    await Deno.remove(`${bundle}/rootfs/tmp/mount-mark`);
    await writeConfig("c16", (c) => {
      c.linux.namespaces = c.linux.namespaces.map((entry: { type: string }) =>
        entry.type === "mount" ? { type: "mount", path: `/proc/${Deno.pid}/ns/mnt` } : entry
      );
    });
    const refused = await runtime("create", "c16");
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderrText,
      /mount namespace ".*" is the host's: a container needs its own/,
    );
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
  }
});

/** Whether process `pid` runs (exists and is no zombie). */
async function runs(pid: number): Promise<boolean> {
  try {
    return !/^State:\s+Z/m.test(await Deno.readTextFile(`/proc/${pid}/status`));
  } catch {
    return false;
  }
}

Deno.test("no PID namespace of its own (hostPID): the process is in the runtime's; delete kills what outlives it", async () => {
  await writeConfig("c17", (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((entry: { type: string }) =>
      entry.type !== "pid"
    );
    c.process.args = [
      "sh",
      "-c",
      "sleep 1000 & echo $$ $! $(readlink /proc/self/ns/pid) > /tmp/pids.new; " +
      "mv /tmp/pids.new /tmp/pids; wait",
    ];
  });
  const created = await runtime("create", "c17");
  assert.equal(created.code, 0, created.stderrText);
  assert.equal((await runtime("start", "c17")).code, 0);
  const pid = JSON.parse((await runtime("state", "c17")).stdoutText).pid;
  const exec = await runtime("exec", "c17", "sh", "-c", "until cat /tmp/pids; do :; done");
  const [self, child, namespace] = exec.stdoutText.trim().split(" ");
  // Its pids are the host's, and its /proc shows them.
  assert.equal(Number(self), pid);
  assert.equal(namespace, await Deno.readLink("/proc/self/ns/pid"));
  assert.equal(await Deno.readLink(`/proc/${pid}/ns/pid`), namespace);
  // Its process's end takes no other with it, as under runc; delete kills the rest.
  assert.equal((await runtime("kill", "c17", "KILL")).code, 0);
  while (await status("c17") !== "stopped") await new Promise((r) => setTimeout(r, 20));
  assert.ok(await runs(Number(child)));
  const deleted = await runtime("delete", "c17");
  assert.equal(deleted.code, 0, deleted.stderrText);
  assert.ok(!await runs(Number(child)));
  await Deno.remove(`${bundle}/rootfs/tmp/pids`);
});

Deno.test("nothing is left: no state directories, no cgroups", async () => {
  const states = [...Deno.readDirSync(root)].map((entry) => entry.name);
  const cgroups = HIERARCHY_MOUNT_POINTS.flatMap((mountPoint) => {
    try {
      return [...Deno.readDirSync(`${mountPoint}/${CGROUPS}`)].filter((entry) => entry.isDirectory)
        .map((entry) => `${mountPoint}/${CGROUPS}/${entry.name}`);
    } catch {
      return [];
    }
  });
  for (const id of states) await runtime("delete", "--force", id);
  for (const mountPoint of HIERARCHY_MOUNT_POINTS) {
    await Deno.remove(`${mountPoint}/${CGROUPS}`).catch(() => {});
  }
  await Deno.remove(work, { recursive: true });
  assert.deepEqual({ states, cgroups }, { states: [], cgroups: [] });
});
