/**
 * A container's life from the host side: create its directory and records, start it (cgroups,
 * /etc files, the init stage), wait for it, record how it ended, and clean up on every path.
 * The foreground `mydocker run` does this itself; a detached container's monitor does it in the
 * background.
 *
 * @module
 */

import {
  type ContainerCgroup,
  createContainerCgroup,
  moveToCgroups,
  stageCgroups,
  sweepStaleCgroups,
} from "../cgroups/mod.ts";
import {
  type ContainerDir,
  createContainerDir,
  removeContainerDir,
  sweepStagedContainerDirs,
} from "../state/container_dir.ts";
import type { ContainerConfig } from "../spec/container_config.ts";
import type { ContainerSpec, StageCgroups } from "../spec/container_spec.ts";
import { cgroupfsMounts } from "../spec/cgroupfs.ts";
import {
  type ContainerRecord,
  type ContainerState,
  writeRecord,
  writeState,
} from "../state/container_state.ts";
import { releaseName } from "../state/container_names.ts";
import { sweepContainers } from "../state/containers.ts";
import { removeAnonymousVolumes } from "../state/volume_store.ts";
import {
  EXIT_MYDOCKER_FAILED,
  ExitCodeError,
  exitCodeForSignal,
  exitCodeOf,
} from "../../sys/exit_codes.ts";
import { procfsTakesPidNamespace } from "../../sys/mount.ts";
import { startTrampoline } from "../spec/start_trampoline.ts";
import { processIdentity, uptimeTicks } from "../../sys/process_identity.ts";
import { writeEtcFiles } from "./etc_files.ts";
import { attachNetwork } from "../network/attach.ts";
import type { AttachedNetwork } from "../network/etc_network.ts";
import { sweepNetworks } from "../network/sweep.ts";
import { containerDeviceRules } from "../spec/device_rules.ts";
import type { DeviceNode } from "../spec/devices.ts";
import { findStaticHostBinary } from "./host_binary.ts";
import { hostDeviceNodes } from "./host_devices.ts";
import { type ExitStatus, kill, waitpid } from "../../sys/process.ts";
import { ownableStdio } from "./ownable_stdio.ts";
import { SignalForwarder } from "./signal_forwarding.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { spawnInitStage, type StdinMode, stdinMode } from "./spawn_stage.ts";
import { startInPlace } from "./start_in_place.ts";
import { keptSeccompFilters } from "./seccomp_cache.ts";
import { seccompFilter } from "../spec/seccomp_filter.ts";
import { isRootUser, StdioRelay } from "./stdio_relay.ts";
import { DEFAULT_LOG_LIMITS, JsonLogWriter, teeToLog } from "./json_log.ts";
import { HostTerminal } from "./terminal.ts";

/** Returns a new random container id: 64 hex characters. */
export function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Removes what dead monitors left behind: their --rm containers, their cgroups and their
 * network leases.
 */
export async function sweepStale(stateRoot: string): Promise<void> {
  sweepStagedContainerDirs(stateRoot);
  const remaining = sweepContainers(stateRoot);
  sweepStaleCgroups((id) => remaining.has(id));
  await sweepNetworks(stateRoot);
}

/**
 * Creates container `record` on disk (status "created", monitored by the calling process);
 * nothing is left when it fails.
 *
 * @throws {ExitCodeError} (125) when it cannot be written: `…: no space left on device`.
 */
export function createContainer(record: ContainerRecord): ContainerDir {
  return createContainerDir(record.config.stateRoot, record.id, (staged) => {
    writeState(staged.path, { status: "created", monitor: processIdentity() });
    writeRecord(staged.path, record);
  });
}

/**
 * The container spec the init stage gets for `config`, with its cgroups, /etc files and the
 * console socket of its terminal, if any.
 */
function containerSpec(
  config: ContainerConfig,
  dir: ContainerDir,
  cgroup: ContainerCgroup,
  terminal: { readonly socketFd: number } | undefined,
  network: AttachedNetwork,
  inPlace: boolean,
) {
  // Started in place, the process (the trampoline, 500 bytes of code, even as --init's PID 1) is
  // moved into every cgroup from the host before its tape runs. An init stage, a Deno process,
  // joins the memory-accounting ones only just before its exec, and --init's stays out of all of
  // them and puts the command into them.
  const cgroups: StageCgroups = inPlace
    ? { atStart: [...cgroup.procsFiles], beforeExec: [] }
    : config.init
    ? { atStart: [], beforeExec: [], forCommand: cgroup.procsFiles }
    : stageCgroups(cgroup.procsFiles);
  const hostBinary = findStaticHostBinary(config.args[0] ?? "");
  const spec: ContainerSpec = {
    id: config.id,
    hostname: config.hostname,
    rootfs: {
      lowerDirs: config.lowerDirs.length > 0 ? config.lowerDirs : [dir.emptyDir],
      upperDir: dir.upperDir,
      workDir: dir.workDir,
      mountPoint: dir.mountPoint,
      readonly: config.readonlyRootfs,
      noPivot: config.noPivot,
    },
    network: network.mode,
    process: {
      args: config.args,
      env: config.env,
      cwd: config.cwd,
      user: config.user,
      noNewPrivileges: config.noNewPrivileges,
    },
    ...(hostBinary === undefined ? {} : { hostBinary }),
    mounts: [...writeEtcFiles(dir.path, config.hostname, network.etc), ...config.mounts],
    capabilities: config.capabilities,
    privileged: config.privileged,
    devices: addedDevices(config),
    seccomp: config.seccomp,
    cgroups,
    cgroupfs: cgroupfsMounts(cgroup.paths, config.id),
    init: config.init,
    ...(terminal === undefined ? {} : { terminal: { socketFd: terminal.socketFd } }),
  };
  return spec;
}

/**
 * The device nodes the container gets besides the standard ones: the granted ones and, when it
 * is privileged, every device of the host's /dev as well (as Docker gives them).
 */
function addedDevices(config: ContainerConfig): DeviceNode[] {
  const granted = config.devices.map(({ access: _, ...node }) => node);
  if (!config.privileged) return granted;
  const paths = new Set(granted.map((node) => node.path));
  return [...hostDeviceNodes().filter((node) => !paths.has(node.path)), ...granted];
}

/**
 * Whether a container starts from this process's main thread (`start_in_place.ts`): where the
 * kernel can give a PID namespace a /proc from outside (procfs `pidns`, Linux 6.15 and later),
 * on an architecture with a start trampoline (which is also `--init`'s PID 1), and the
 * container has no `--no-pivot`. Otherwise, or with `MYDOCKER_INIT_PROCESS=1` set, it starts
 * through the init stage process.
 */
function startsInPlace(config: ContainerConfig): boolean {
  if (config.noPivot || Deno.env.get("MYDOCKER_INIT_PROCESS") === "1") return false;
  return startTrampoline(Deno.build.arch) !== undefined && procfsTakesPidNamespace();
}

/** Hooks of {@linkcode superviseContainer}. */
export interface SupervisionHooks {
  /** Called with the container's host pid once it runs. */
  started?: (pid: number) => void;
  /**
   * Called with the error when the container cannot be started or supervised, before its state
   * records it as exited: a detached container's monitor says why in its log this way, where
   * `run -d` looks once it sees the container exited.
   */
  failed?: (error: unknown) => void;
  /** The terminal the container gets (`-t`), started once the init stage is spawned. */
  terminal?: { readonly socketFd: number; start(): void };
  /** Where the container's stdin comes from when it has no terminal. */
  stdin?: StdinMode;
  /** Pipes the command writes its stdout and stderr to, instead of this process's. */
  output?: StdioRelay;
  /** How many times its monitor has restarted it, kept in each state it records. */
  restartCount?: number;
}

/**
 * Starts a created container, waits for it, records how it ended, removes its cgroups, and
 * removes the container when its record says so. Returns how its PID 1 ended. When it fails, a
 * container it started is killed; when its state cannot be written (a full disk), the container
 * is removed rather than left recorded wrongly.
 *
 * @throws {ExitCodeError} (125) when the container cannot be started or its state written.
 */
export async function superviseContainer(
  dir: ContainerDir,
  record: ContainerRecord,
  hooks: SupervisionHooks = {},
): Promise<ExitStatus> {
  const monitor = processIdentity();
  const state: ContainerState = { status: "created", monitor };
  let cgroup: ReturnType<typeof createContainerCgroup> | undefined;
  let network: AttachedNetwork | undefined;
  /** The container's first process while it may be running, and how to wait for its end. */
  let unreaped: { pid: number; exited: () => Promise<unknown> } | undefined;
  let recorded = true;
  const saveState = (next: ContainerState) => {
    try {
      const { restartCount } = hooks;
      // A container its monitor starts again is "restarting" until it runs, as in Docker.
      const status = next.status === "created" && restartCount ? "restarting" : next.status;
      const kept = next.status === "exited" && !record.remove;
      writeState(
        dir.path,
        restartCount === undefined ? next : { ...next, status, restartCount },
        kept,
      );
    } catch (error) {
      recorded = false;
      throw error;
    }
  };
  try {
    const { limits, privileged, devices } = record.config;
    cgroup = createContainerCgroup(record.id, limits, containerDeviceRules(privileged, devices));
    network = await attachNetwork({ config: record.config, name: record.name, dir: dir.path });
    const inPlace = startsInPlace(record.config);
    const spec = containerSpec(record.config, dir, cgroup, hooks.terminal, network, inPlace);
    network.announce();
    const cgroups = spec.cgroups;
    const output = hooks.output?.commandEnds;
    const stdin = hooks.stdin ?? "pass";
    let pid: number;
    let exited: Promise<ExitStatus>;
    if (inPlace) {
      // Compiled (or read back) here, on the host, where the state root is: the start plans the
      // credentials in the container's root.
      if (spec.seccomp && spec.seccompProfile === undefined) {
        seccompFilter(spec.capabilities, keptSeccompFilters(record.config.stateRoot));
      }
      // The stdio mydocker made: the relay's pipes (a terminal is handed over on its own).
      spec.stdioToChown = ownableStdio(output ?? []);
      ({ pid, exited } = await startInPlace(spec, {
        stdin: stdin === "null" ? "null" : "inherit",
        newGroup: stdin !== "foreground",
        ...(output === undefined ? {} : { output }),
        // startInPlace kills and reaps the process itself when the start fails.
        spawned(pid) {
          // Recorded before it runs anything, so a sweep can find it if this process dies now.
          state.mountNamespace = {
            name: Deno.readLinkSync(`/proc/${pid}/ns/mnt`),
            since: uptimeTicks(),
          };
          saveState({ ...state, process: processIdentity(pid) });
          moveToCgroups([...cgroups.atStart, ...cgroups.beforeExec], pid);
        },
      }));
      unreaped = { pid, exited: () => exited };
      hooks.terminal?.start();
      hooks.output?.start();
    } else {
      // The relay's pipes, which the init stage gets at 1 and 2.
      spec.stdioToChown = ownableStdio(output ?? []).length > 0 ? [1, 2] : [];
      const stage = spawnInitStage(spec, stdin, hooks.output?.spawnActions());
      pid = stage.pid;
      exited = waitpid(pid);
      unreaped = { pid, exited: () => exited };
      hooks.terminal?.start();
      hooks.output?.start();
      saveState({ ...state, process: processIdentity(pid) });
      moveToCgroups(cgroups.atStart, pid);
      await stage.started;
    }
    Object.assign(state, {
      status: "running",
      pid,
      process: processIdentity(pid),
      startedAt: new Date().toISOString(),
    });
    saveState(state);
    hooks.started?.(pid);
    const status = await exited;
    unreaped = undefined;
    const exitCode = exitCodeOf(status);
    saveState({
      status: "exited",
      monitor,
      ...(state.startedAt === undefined ? {} : { startedAt: state.startedAt }),
      finishedAt: new Date().toISOString(),
      exitCode,
    });
    return status;
  } catch (error) {
    hooks.failed?.(error);
    if (unreaped !== undefined) {
      kill(unreaped.pid, SIGNALS.KILL);
      await unreaped.exited().catch(() => undefined); // Reaped already if this failed.
    }
    if (recorded) {
      try {
        saveState({
          status: "exited",
          monitor,
          finishedAt: new Date().toISOString(),
          exitCode: error instanceof ExitCodeError ? error.exitCode : EXIT_MYDOCKER_FAILED,
        });
      } catch {
        // The container is removed below; the original error says what went wrong.
      }
    }
    throw error;
  } finally {
    network?.detach();
    cgroup?.remove();
    if (record.remove || !recorded) {
      removeContainerDir(dir);
      releaseName(record.config.stateRoot, record.name, record.id);
      removeAnonymousVolumes(record.config.stateRoot, record.id, record.config.volumes);
    }
  }
}

/**
 * Runs a container in the foreground to completion, forwarding mydocker's signals to it, and
 * returns mydocker's exit code for it.
 */
export async function runContainer(record: ContainerRecord): Promise<number> {
  await sweepStale(record.config.stateRoot);
  const { tty, interactive } = record.config;
  const stdin = stdinMode(tty, interactive);
  // In the foreground process group the container gets the terminal's SIGINT and SIGQUIT itself.
  // --init's PID 1 started in place waits for every signal and forwards it to the command; it
  // shows no handler (the init stage's does, once its signal worker runs).
  const forwarder = new SignalForwarder({
    pidOne: !(record.config.init && startsInPlace(record.config)),
    terminalSignalsDelivered: stdin === "foreground",
  });
  // A kept container's output (its terminal's, as stdout) is teed into its json-file log, as
  // Docker keeps it.
  const logged = !record.remove;
  let log: JsonLogWriter | undefined;
  const terminal = !tty ? undefined : new HostTerminal(
    interactive,
    logged ? (bytes) => log?.write("stdout", bytes) : undefined,
  );
  const output = (logged && !tty) || (!tty && !isRootUser(record.config.user))
    ? new StdioRelay(logged ? teeToLog(() => log) : undefined)
    : undefined;
  try {
    const dir = createContainer(record);
    if (logged) log = new JsonLogWriter(dir.jsonLog, record.logLimits ?? DEFAULT_LOG_LIMITS);
    const status = await superviseContainer(dir, record, {
      started: (pid) => forwarder.attach(pid),
      stdin,
      ...(terminal === undefined ? {} : { terminal }),
      ...(output === undefined ? {} : { output }),
    });
    await terminal?.finish();
    await output?.finish();
    if (forwarder.terminatedBy !== undefined && status.signal !== undefined) {
      return exitCodeForSignal(forwarder.terminatedBy);
    }
    return exitCodeOf(status);
  } finally {
    terminal?.close();
    output?.close();
    await output?.finish();
    log?.close();
    forwarder.dispose();
  }
}
