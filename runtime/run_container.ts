/**
 * Runs one container from the host side: prepares its directory, starts the init stage,
 * forwards signals, waits, and cleans up on every path.
 *
 * @module
 */

import type { ContainerSpec, NetworkMode } from "./container_spec.ts";
import {
  createContainerDir,
  removeContainerDir,
  sweepStaleContainerDirs,
} from "./container_dir.ts";
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
  /** The capabilities kept. */
  capabilities: string[];
  /** Whether the container is privileged. */
  privileged: boolean;
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
  const forwarder = new SignalForwarder();
  const dir = createContainerDir(config.stateRoot, id);
  try {
    const lowerDirs = config.lowerDirs.length > 0 ? config.lowerDirs : [dir.emptyDir];
    if (config.lowerDirs.length === 0) Deno.mkdirSync(dir.emptyDir);
    const hostBinary = findStaticHostBinary(config.args[0] ?? "");
    const spec: ContainerSpec = {
      id,
      hostname,
      rootfs: {
        lowerDirs,
        upperDir: dir.upperDir,
        workDir: dir.workDir,
        mountPoint: dir.mountPoint,
      },
      network: config.network,
      process: { args: config.args, env: config.env, cwd: config.cwd },
      ...(hostBinary === undefined ? {} : { hostBinary }),
      capabilities: config.capabilities,
      privileged: config.privileged,
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
    removeContainerDir(dir);
  }
}
