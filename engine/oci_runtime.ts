/**
 * mydocker as an OCI runtime: what containerd's runc shim and dockerd ask of runc about a
 * container that exists (`start`, `state`, `kill`, `delete`, `ps`, `pause`, `resume`, `update`,
 * `list`), from its state directory (`runtime/oci/state_dir.ts`) and its cgroups; `create` and
 * `exec`, which start processes, are in `oci_create.ts`, loaded only for them, so that the
 * shim's short calls load little. `create` holds the container's process before its exec,
 * waiting on the exec fifo of its state directory; `start` opens the fifo.
 *
 * @module
 */

import {
  freezeCgroups,
  killCgroups,
  pidsInCgroups,
  removeCgroupPaths,
  updateCgroupLimits,
} from "../runtime/cgroups/mod.ts";
import {
  type OciConfig,
  type OciProcess,
  type OciResources,
  resourceLimitsOf,
} from "../runtime/oci/config.ts";
import {
  ContainerNotFound,
  containerStateDir,
  DEFAULT_OCI_ROOT,
  execFifoPath,
  listOciContainers,
  ociStateJson,
  ociStatus,
  processRuns,
  readOciState,
} from "../runtime/oci/state_dir.ts";
import { runHooks } from "../runtime/oci/hooks.ts";
import { withinContainer } from "../runtime/host/within_container.ts";
import { close, fifoHungUp, open, OpenFlag } from "../sys/fs.ts";
import { kill } from "../sys/process.ts";
import { signalNumber, SIGNALS } from "../sys/signals.ts";

/** The runtime's global options. */
export interface OciGlobals {
  /** The root of the state directories. */
  root: string;
  /** Reports a line the caller should see (a warning), as runc logs it. */
  warn(message: string): void;
}

/** The error of a runtime call that cannot be made (exit 1, as runc's). */
export class OciRuntimeError extends Error {
  /** `message` says what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "OciRuntimeError";
  }
}

/** The OCI version mydocker reports. */
export const OCI_VERSION = "1.0.2";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until process `identity` has ended (it is not this process's child). */
export async function waitForEnd(identity: string): Promise<void> {
  while (processRuns(identity)) await sleep(5);
}

/** Runs `hooks` (poststart, poststop), warning of a failure instead of throwing, as runc. */
function runHooksWarning(
  globals: OciGlobals,
  hooks: Parameters<typeof runHooks>[0],
  state: Record<string, unknown>,
  what: string,
): void {
  try {
    runHooks(hooks, state, what);
  } catch (error) {
    globals.warn(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Starts created container `id`: runs its startContainer hooks inside it, then opens its exec
 * fifo, which releases its process to exec, and waits for that exec; runs the poststart hooks.
 *
 * @throws {ContainerNotFound}; {@linkcode OciRuntimeError} when it is not created;
 * {@linkcode HookFailed} when a startContainer hook fails, which stops the container (its
 * process never execs, as under runc).
 */
export async function startContainer(globals: OciGlobals, id: string): Promise<void> {
  const state = readOciState(globals.root, id);
  const dir = containerStateDir(globals.root, id);
  const status = ociStatus(dir, state);
  if (status === "stopped") {
    throw new OciRuntimeError("cannot start a container that has stopped");
  }
  if (status !== "created") throw new OciRuntimeError("cannot start an already running container");
  try {
    runHooks(
      state.hooks.startContainer,
      ociStateJson(state, "created"),
      "startContainer",
      (spawn) => withinContainer(state.pid, spawn),
    );
  } catch (error) {
    kill(state.pid, SIGNALS.KILL);
    await waitForEnd(state.process);
    throw error;
  }
  // Opened without blocking, which lets the process's open for writing go on; it closes its end
  // when it execs (close-on-exec) or dies. The FIFO hangs up only once a writer has come and
  // gone, so a process that died before it opened the FIFO is told from one that was released
  // and has already exited (a command as short as `true`).
  const fifoPath = execFifoPath(dir);
  const fifo = open(fifoPath, OpenFlag.RDONLY | OpenFlag.NONBLOCK);
  let released: boolean;
  try {
    do released = fifoHungUp(fifo, 20); while (!released && processRuns(state.process));
    released ||= fifoHungUp(fifo, 0); // Released and gone between the two looks.
  } finally {
    close(fifo);
    Deno.removeSync(fifoPath);
  }
  if (!released) throw new OciRuntimeError("cannot start a container whose process died: stopped");
  runHooksWarning(globals, state.hooks.poststart, ociStateJson(state, "running"), "poststart");
}

/** The OCI state JSON of container `id`. */
export function containerState(globals: OciGlobals, id: string): Record<string, unknown> {
  const state = readOciState(globals.root, id);
  return ociStateJson(state, ociStatus(containerStateDir(globals.root, id), state));
}

/** The states of every container under the root. */
export function listContainers(globals: OciGlobals): Record<string, unknown>[] {
  return listOciContainers(globals.root).flatMap((id) => {
    try {
      return [containerState(globals, id)];
    } catch (error) {
      if (error instanceof ContainerNotFound) return [];
      throw error;
    }
  });
}

/**
 * Sends `signal` to container `id`'s process, or with `all` to every process in its cgroups.
 *
 * @throws {OciRuntimeError} "container not running" when it has stopped.
 */
export function killContainer(globals: OciGlobals, id: string, signal: number, all: boolean) {
  const state = readOciState(globals.root, id);
  if (all) {
    for (const pid of pidsInCgroups(state.cgroupPaths)) kill(pid, signal);
    return;
  }
  const status = ociStatus(containerStateDir(globals.root, id), state);
  if (status === "stopped" || !kill(state.pid, signal)) {
    throw new OciRuntimeError("container not running");
  }
}

/**
 * Deletes container `id`: a stopped or created one (killed), or with `force` a running one
 * (killed with everything in its cgroups); removes its cgroups and state, runs its poststop
 * hooks.
 *
 * @throws {ContainerNotFound}; {@linkcode OciRuntimeError} when it runs and `force` is unset.
 */
export async function deleteContainer(globals: OciGlobals, id: string, force: boolean) {
  const state = readOciState(globals.root, id);
  const dir = containerStateDir(globals.root, id);
  const status = ociStatus(dir, state);
  if (status !== "stopped" && status !== "created" && !force) {
    throw new OciRuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  if (status !== "stopped") {
    if (status === "paused") freezeCgroups(state.cgroupPaths, false);
    kill(state.pid, SIGNALS.KILL);
    await waitForEnd(state.process);
  }
  // Without a PID namespace of its own, the end of its process takes no other with it.
  killCgroups(state.cgroupPaths);
  removeCgroupPaths(state.cgroupPaths);
  Deno.removeSync(dir, { recursive: true });
  runHooksWarning(globals, state.hooks.poststop, ociStateJson(state, "stopped"), "poststop");
}

/** Freezes (`paused` true) or thaws container `id`. */
export function pauseContainer(globals: OciGlobals, id: string, paused: boolean): void {
  const state = readOciState(globals.root, id);
  const status = ociStatus(containerStateDir(globals.root, id), state);
  if (paused && status !== "running") throw new OciRuntimeError(`container not running`);
  if (!paused && status !== "paused") throw new OciRuntimeError(`container not paused`);
  freezeCgroups(state.cgroupPaths, paused);
}

/** The pids of container `id`'s processes. */
export function containerPids(globals: OciGlobals, id: string): number[] {
  return pidsInCgroups(readOciState(globals.root, id).cgroupPaths);
}

/** The features JSON (runtime-spec's features.md) of mydocker's OCI runtime. */
export function ociFeatures(): Record<string, unknown> {
  return {
    ociVersionMin: "1.0.0",
    ociVersionMax: "1.1.0",
    hooks: [
      "prestart",
      "createRuntime",
      "createContainer",
      "startContainer",
      "poststart",
      "poststop",
    ],
    mountOptions: [
      "ro",
      "rw",
      "nosuid",
      "suid",
      "nodev",
      "dev",
      "noexec",
      "exec",
      "bind",
      "rbind",
      "noatime",
      "relatime",
      "strictatime",
    ],
    linux: {
      namespaces: ["pid", "network", "mount", "ipc", "uts"],
      capabilities: [],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: {
        enabled: true,
        actions: ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"],
        operators: ["SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ"],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
  };
}

/** The default config.json `spec` writes: a busybox-style shell, as runc's. */
export function defaultOciConfig(): OciConfig {
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: {
        bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
        permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "mydocker",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      {
        destination: "/dev/mqueue",
        type: "mqueue",
        source: "mqueue",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
    ],
    linux: {
      namespaces: [
        { type: "pid" },
        { type: "network" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      maskedPaths: [
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
      ],
      readonlyPaths: [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
      ],
    },
  };
}

/** Applies the resources `resources` (`update --resources`) to container `id`'s cgroups. */
export function updateContainer(globals: OciGlobals, id: string, resources: OciResources): void {
  updateCgroupLimits(readOciState(globals.root, id).cgroupPaths, resourceLimitsOf(resources));
}

/**
 * The number of signal `value` (`9`, `KILL`, `SIGKILL`).
 *
 * @throws {OciRuntimeError} naming an unknown signal.
 */
export function signalOf(value: string): number {
  const number = signalNumber(value);
  if (number === undefined) throw new OciRuntimeError(`unknown signal "${value}"`);
  return number;
}

/** Re-exported for the command line: the default root of the state directories. */
export { DEFAULT_OCI_ROOT };
/** Re-exported for the command line: a process as `exec --process` gives it. */
export type { OciProcess };
