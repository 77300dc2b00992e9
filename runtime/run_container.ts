/**
 * Runs one container from the host side: prepares its directory, starts the init stage,
 * forwards signals, waits, and cleans up on every path.
 *
 * @module
 */

import { createContainerCgroup, type ResourceLimits, sweepStaleCgroups } from "./cgroups/mod.ts";
import type { ContainerMount, ContainerSpec, NetworkMode } from "./container_spec.ts";
import {
  containerDirExists,
  createContainerDir,
  removeContainerDir,
  sweepStaleContainerDirs,
} from "./container_dir.ts";
import { writeEtcFiles } from "./etc_files.ts";
import { findStaticHostBinary } from "./host_binary.ts";
import { waitpid } from "./libc.ts";
import { SignalForwarder } from "./signal_forwarding.ts";
import { spawnInitStage } from "./spawn_init.ts";

/** What to run and how: the container config, fully resolved. */
export interface ContainerConfig {
  /** The container id, from {@linkcode newContainerId}. */
  id: string;
  /** The hostname inside the container. */
  hostname: string;
  /** State root (`/var/lib/mydocker` by default); containers live in its `containers/`. */
  stateRoot: string;
  /** Read-only layers, topmost first; empty for an empty root. */
  lowerDirs: string[];
  /** The command and its arguments. */
  args: string[];
  /** The environment, as `KEY=VALUE` entries. */
  env: string[];
  /** The working directory inside the container. */
  cwd: string;
  /** The network mode. */
  network: NetworkMode;
  /** `name|uid[:group|gid]`, or empty for root. */
  user: string;
  /** The user's mounts, in order. */
  mounts: ContainerMount[];
  /** Whether the root is read-only. */
  readonlyRootfs: boolean;
  /** The capabilities kept. */
  capabilities: string[];
  /** Whether the container is privileged. */
  privileged: boolean;
  /** Whether Docker's default seccomp profile applies. */
  seccomp: boolean;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges: boolean;
  /** cgroup limits. */
  limits: ResourceLimits;
}

/** Returns a new random container id: 64 hex characters. */
export function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Runs a container to completion and returns mydocker's exit code for it. */
export async function runContainer(config: ContainerConfig): Promise<number> {
  const { id, hostname } = config;
  sweepStaleContainerDirs(config.stateRoot);
  sweepStaleCgroups((other) => containerDirExists(config.stateRoot, other));
  const forwarder = new SignalForwarder();
  const dir = createContainerDir(config.stateRoot, id);
  let cgroup: ReturnType<typeof createContainerCgroup> | undefined;
  try {
    const lowerDirs = config.lowerDirs.length > 0 ? config.lowerDirs : [dir.emptyDir];
    if (config.lowerDirs.length === 0) Deno.mkdirSync(dir.emptyDir);
    const hostBinary = findStaticHostBinary(config.args[0] ?? "");
    cgroup = createContainerCgroup(id, config.limits);
    const spec: ContainerSpec = {
      id,
      hostname,
      rootfs: {
        lowerDirs,
        upperDir: dir.upperDir,
        workDir: dir.workDir,
        mountPoint: dir.mountPoint,
        readonly: config.readonlyRootfs,
      },
      network: config.network,
      process: {
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        user: config.user,
        noNewPrivileges: config.noNewPrivileges,
      },
      ...(hostBinary === undefined ? {} : { hostBinary }),
      mounts: [...writeEtcFiles(dir.path, hostname), ...config.mounts],
      capabilities: config.capabilities,
      privileged: config.privileged,
      seccomp: config.seccomp,
      cgroupProcs: cgroup.procsFiles,
    };
    const pid = spawnInitStage(spec);
    forwarder.attach(pid);
    const status = await waitpid(pid);
    if (forwarder.terminatedBy !== undefined && status.signal !== undefined) {
      return 128 + forwarder.terminatedBy;
    }
    return status.code ?? 128 + status.signal!;
  } finally {
    forwarder.dispose();
    cgroup?.remove();
    removeContainerDir(dir);
  }
}
