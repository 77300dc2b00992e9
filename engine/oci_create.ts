/**
 * mydocker as an OCI runtime, the calls that start processes: `create` (and `run`), with the
 * same start path as `mydocker run` (`runtime/host/start_in_place.ts`) on the plan of a bundle's
 * `config.json` (`runtime/oci/config.ts`), the process held before its exec on the exec fifo
 * until `start` (`oci_runtime.ts`); and `exec`, through mydocker's exec stage.
 *
 * @module
 */

import { ownableStdio } from "../runtime/host/ownable_stdio.ts";
import {
  createCgroupsAt,
  moveToCgroups,
  removeCgroupPaths,
  stageCgroups,
} from "../runtime/cgroups/mod.ts";
import { type StartedInPlace, startInPlace } from "../runtime/host/start_in_place.ts";
import { spawnStageInPidNamespace } from "../runtime/host/spawn_stage.ts";
import { type OciConfig, ociPlan, type OciProcess, userOf } from "../runtime/oci/config.ts";
import {
  containerStateDir,
  execFifoPath,
  type OciContainerState,
  ociStateJson,
  ociStatus,
  readOciState,
  writeOciState,
} from "../runtime/oci/state_dir.ts";
import { cgroupfsMountsOf } from "../runtime/spec/cgroupfs.ts";
import type { ExecSpec } from "../runtime/spec/exec_spec.ts";
import { EXEC_STAGE_ARG, STATUS_FD } from "../runtime/spec/stage_args.ts";
import { startTrampoline } from "../runtime/spec/start_trampoline.ts";
import { exitCodeOf } from "../sys/exit_codes.ts";
import { close, mkfifo, open, OpenFlag } from "../sys/fs.ts";
import { procfsTakesPidNamespace } from "../sys/mount.ts";
import { type ExitStatus, kill, waitpid } from "../sys/process.ts";
import { processIdentity } from "../sys/process_identity.ts";
import { SIGNALS } from "../sys/signals.ts";
import { connectUnix } from "../sys/socket.ts";
import { runHooks } from "../runtime/oci/hooks.ts";
import { OCI_VERSION, type OciGlobals, OciRuntimeError, waitForEnd } from "./oci_runtime.ts";

/**
 * Where the exec stage finds the console socket: past its spec and status pipes (the socket
 * itself is close-on-exec, as every descriptor of this process's).
 */
const EXEC_CONSOLE_FD = STATUS_FD + 1;

/** What `create` (and `run`) take. */
export interface OciCreateOptions {
  id: string;
  /** The bundle directory (holding config.json). */
  bundle: string;
  /** Where to write the container process's pid. */
  pidFile?: string;
  /** The Unix socket the terminal's master is sent to. */
  consoleSocket?: string;
}

/** What `exec` takes. */
export interface OciExecOptions {
  id: string;
  /** The process, as the config's `process`. */
  process: OciProcess;
  /** Return once the process runs (its caller reaps it) instead of waiting for its end. */
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
}

/** Writes `pid` to `path` as runc does: atomically, no newline. */
function writePidFile(path: string, pid: number): void {
  const temporary = `${path.slice(0, path.lastIndexOf("/") + 1)}.${path.split("/").pop()}.tmp`;
  Deno.writeTextFileSync(temporary, String(pid));
  Deno.renameSync(temporary, path);
}

/** Whether this host can start a container in place, which the OCI face needs. */
function checkInPlace(): void {
  if (startTrampoline(Deno.build.arch) === undefined || !procfsTakesPidNamespace()) {
    throw new OciRuntimeError(
      "mydocker's OCI runtime needs its start trampoline (x86_64) and procfs's pidns option " +
        "(Linux 6.15 or later)",
    );
  }
}

/**
 * Refuses to join this process's own mount namespace: the container's root would be pivoted
 * into in it, which moves the root of every host process that shares it.
 */
function checkMountNamespace(path: string | undefined): void {
  if (path === undefined) return;
  const joined = Deno.statSync(path);
  const own = Deno.statSync("/proc/self/ns/mnt");
  if (joined.dev === own.dev && joined.ino === own.ino) {
    throw new OciRuntimeError(`mount namespace "${path}" is the host's: a container needs its own`);
  }
}

/** A created container, and (for `run`) how its process ends. */
export interface CreatedContainer {
  state: OciContainerState;
  started: StartedInPlace;
}

/**
 * Creates container `options.id` from its bundle: its cgroups, its root and mounts, and its
 * process, held before its exec until {@linkcode startContainer}; writes its state and pid
 * file. Nothing is left when it fails.
 *
 * @throws {OciRuntimeError} when the container exists; {@linkcode OciConfigError} when its
 * config asks for what mydocker does not do; {@linkcode ExitCodeError} when it cannot start.
 */
export async function createContainer(
  globals: OciGlobals,
  options: OciCreateOptions,
): Promise<CreatedContainer> {
  checkInPlace();
  const dir = containerStateDir(globals.root, options.id);
  const bundle = Deno.realPathSync(options.bundle);
  const config: OciConfig = JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`));
  const plan = ociPlan(config, { id: options.id, bundle });
  for (const warning of plan.warnings) globals.warn(warning);
  checkMountNamespace(plan.spec.joinMountNamespace);
  if (plan.terminal && options.consoleSocket === undefined) {
    throw new OciRuntimeError("process.terminal is set but no --console-socket was given");
  }
  Deno.mkdirSync(globals.root, { recursive: true, mode: 0o711 });
  try {
    Deno.mkdirSync(dir, { mode: 0o711 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new OciRuntimeError(`container with id exists: ${options.id}`);
    }
    throw error;
  }
  const held: number[] = [];
  let cgroupPaths: string[] = [];
  let pid: number | undefined;
  try {
    mkfifo(execFifoPath(dir), 0o622);
    // Writable by the container's user whatever the umask made it.
    Deno.chmodSync(execFifoPath(dir), 0o622);
    const fifoFd = open(execFifoPath(dir), OpenFlag.PATH);
    held.push(fifoFd);
    const cgroup = createCgroupsAt(plan.cgroupsPath, plan.limits, plan.deviceRules);
    cgroupPaths = cgroup.paths;
    const { spec } = plan;
    const cgroups = stageCgroups(cgroup.procsFiles);
    if (plan.mountsCgroupfs) spec.cgroupfs = cgroupfsMountsOf(cgroup.paths, plan.cgroupsPath);
    if (plan.terminal && options.consoleSocket !== undefined) {
      const socketFd = connectUnix(options.consoleSocket);
      held.push(socketFd);
      spec.terminal = { socketFd };
    } else {
      // The shim's pipes, handed to a non-root user as runc does: it may reopen /dev/stdout.
      spec.stdioToChown = ownableStdio([0, 1, 2]);
    }
    const creating = {
      ociVersion: config.ociVersion ?? OCI_VERSION,
      id: options.id,
      status: "creating",
      bundle,
      annotations: config.annotations ?? {},
    };
    const createHooks = plan.hooks.createContainer ?? [];
    const started = await startInPlace(spec, {
      stdin: "inherit",
      newGroup: false,
      hold: {
        first: [{ op: "clear-death-signal" }, ...plan.holdSteps],
        fifoFd,
        ...(createHooks.length === 0
          ? {}
          : { beforePivot: () => runHooks(createHooks, creating, "createContainer") }),
      },
      spawned(spawnedPid) {
        pid = spawnedPid;
        moveToCgroups([...cgroups.atStart, ...cgroups.beforeExec], spawnedPid);
        if (plan.oomScoreAdj !== undefined) {
          Deno.writeTextFileSync(`/proc/${spawnedPid}/oom_score_adj`, String(plan.oomScoreAdj));
        }
      },
    });
    const state: OciContainerState = {
      id: options.id,
      bundle,
      rootfs: spec.rootfs.mountPoint,
      pid: started.pid,
      process: processIdentity(started.pid),
      created: new Date().toISOString(),
      ociVersion: config.ociVersion ?? OCI_VERSION,
      annotations: config.annotations ?? {},
      cgroupPaths,
      cgroupsPath: plan.cgroupsPath,
      hooks: {
        startContainer: plan.hooks.startContainer ?? [],
        poststart: plan.hooks.poststart ?? [],
        poststop: plan.hooks.poststop ?? [],
      },
      capabilities: spec.capabilities,
      seccomp: spec.seccompProfile !== undefined,
    };
    if (spec.seccompProfile !== undefined) {
      Deno.writeTextFileSync(`${dir}/seccomp.json`, JSON.stringify(spec.seccompProfile));
    }
    writeOciState(dir, state);
    const stateJson = ociStateJson(state, "created");
    runHooks(plan.hooks.prestart, stateJson, "prestart");
    runHooks(plan.hooks.createRuntime, stateJson, "createRuntime");
    if (options.pidFile !== undefined) writePidFile(options.pidFile, started.pid);
    return { state, started };
  } catch (error) {
    if (pid !== undefined) {
      kill(pid, SIGNALS.KILL);
      await waitForEnd(processIdentity(pid));
    }
    try {
      removeCgroupPaths(cgroupPaths);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    throw error;
  } finally {
    for (const fd of held) close(fd);
  }
}

/**
 * Runs `options.process` in container `id`; returns 0 once it runs with `detach`, else its exit
 * code.
 *
 * @throws {OciRuntimeError} when the container does not run.
 */
export async function execInContainer(globals: OciGlobals, options: OciExecOptions) {
  const state = readOciState(globals.root, options.id);
  const dir = containerStateDir(globals.root, options.id);
  const status = ociStatus(dir, state);
  if (status !== "running" && status !== "created") {
    throw new OciRuntimeError(`cannot exec in a ${status} container`);
  }
  const { process } = options;
  if ((process.args ?? []).length === 0) throw new OciRuntimeError("process.args is missing");
  const seccomp = state.seccomp
    ? { seccompProfile: JSON.parse(Deno.readTextFileSync(`${dir}/seccomp.json`)) }
    : {};
  const capabilities = process.capabilities?.bounding === undefined
    ? state.capabilities
    : process.capabilities.bounding.map((name) => name.toUpperCase().replace(/^CAP_/, ""));
  const spec: ExecSpec = {
    pid: state.pid,
    cgroups: stageCgroups(state.cgroupPaths.map((path) => `${path}/cgroup.procs`)),
    args: process.args ?? [],
    env: process.env ?? [],
    cwd: process.cwd ?? "/",
    user: userOf(process),
    capabilities,
    seccomp: state.seccomp,
    ...seccomp,
    noNewPrivileges: process.noNewPrivileges ?? false,
    ...(options.detach ? { detached: true, keepsStdio: true } : {}),
  };
  let socketFd: number | undefined;
  if (process.terminal) {
    if (options.consoleSocket === undefined) {
      throw new OciRuntimeError("process.terminal is set but no --console-socket was given");
    }
    socketFd = connectUnix(options.consoleSocket);
    spec.terminal = { socketFd: EXEC_CONSOLE_FD };
  }
  try {
    const { pid, started } = spawnStageInPidNamespace(EXEC_STAGE_ARG, spec, state.pid, {
      group: process.terminal ? "new-session" : "inherit",
      actions: socketFd === undefined ? [] : [{ op: "dup2", from: socketFd, to: EXEC_CONSOLE_FD }],
    });
    moveToCgroups(spec.cgroups.atStart, pid);
    const exited: Promise<ExitStatus> = waitpid(pid);
    if (options.pidFile !== undefined) writePidFile(options.pidFile, pid);
    if (options.detach && await started > 0) return 0;
    return exitCodeOf(await exited);
  } finally {
    if (socketFd !== undefined) close(socketFd);
  }
}
