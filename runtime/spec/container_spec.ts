/**
 * The container spec: everything the init stage needs, computed by the parent and handed over
 * as JSON. Plain data only, so that the init stage loads nothing else to read it.
 *
 * @module
 */

import type { DeviceNode } from "./devices.ts";
import type { MountStep } from "./mount_plan.ts";
import type { SeccompProfile } from "./seccomp_profile.ts";

/**
 * How the stage sets up the container's network: a new namespace with only loopback up
 * (`"none"`), the host's (`"host"`), or a namespace the host made (or another container's),
 * joined by its path (`/proc/PID/fd/N`, `/proc/PID/ns/net`).
 */
export type NetworkMode = "none" | "host" | { join: string };

/** What the init stage receives. */
export interface ContainerSpec {
  /** The container id (64 hex characters). */
  id: string;
  /** Hostname inside the container's UTS namespace (empty: left as it is). */
  hostname: string;
  /** The overlay that becomes the container's root. */
  rootfs: {
    /** Read-only layers, topmost first. */
    lowerDirs: string[];
    /** The container's writable layer. */
    upperDir: string;
    /** Overlayfs work directory (same file system as upperDir). */
    workDir: string;
    /** Where the overlay is mounted before pivot_root. */
    mountPoint: string;
    /** Whether the root is mounted read-only (`--read-only`). */
    readonly: boolean;
    /** `--no-pivot`: switch into the root with MS_MOVE and chroot instead of pivot_root. */
    noPivot: boolean;
    /**
     * A directory used as the root as it is, bound at mountPoint instead of an overlay (an OCI
     * bundle's root, which the caller mounted).
     */
    source?: string;
  };
  /** The container's network namespace: see {@linkcode NetworkMode}. */
  network: NetworkMode;
  /** The command, its environment and working directory. */
  process: {
    args: string[];
    /** The environment; HOME is added from the user's passwd entry when missing. */
    env: string[];
    cwd: string;
    /** `name|uid[:group|gid]` as Docker takes it; empty for the image's default, root. */
    user: string;
    /** Sets no_new_privs, so setuid binaries and file capabilities grant nothing. */
    noNewPrivileges: boolean;
    /** Supplementary groups besides those /etc/group gives the user (an OCI config's). */
    additionalGids?: number[];
  };
  /**
   * An absolute path of a statically linked host executable to bind read-only into the
   * container at the same path when the root lacks it.
   */
  hostBinary?: string;
  /** Host paths bound into the container and tmpfs mounts, in order, after the standard ones. */
  mounts: ContainerMount[];
  /** Capability names kept (bounding, permitted, effective, inheritable). */
  capabilities: string[];
  /** An OCI config's other four sets, instead of `capabilities` for them (see `CapabilitySets`). */
  capabilitySets?: CapabilitySets;
  /** Whether masked and read-only paths are skipped and /sys is writable. */
  privileged: boolean;
  /** Device nodes created besides the standard ones (`--device`; the host's when privileged). */
  devices: DeviceNode[];
  /** Whether Docker's default seccomp profile is installed. */
  seccomp: boolean;
  /** The profile installed instead of Docker's default one, when `seccomp` is set. */
  seccompProfile?: SeccompProfile;
  /**
   * The file systems, device nodes, masks and read-only paths instead of Docker's standard
   * ones (`planMounts`): an OCI config's.
   */
  mountPlan?: MountStep[];
  /**
   * Kernel parameters of the container's namespaces (`net.*`, `kernel.shm*`, …), set once it
   * has entered them: an OCI config's.
   */
  sysctl?: Record<string, string>;
  /** IPC and UTS namespaces joined by path (a pod sandbox's), instead of new ones. */
  joinNamespaces?: { type: "ipc" | "uts"; path: string }[];
  /**
   * The PID namespace, when not a new one (an OCI config's): the host's, that is mydocker's (a
   * config without one, as Kubernetes' hostPID pods), or one joined by path (a pod's shared
   * one); only the in-place start honours it.
   */
  pidNamespace?: "host" | { join: string };
  /**
   * A mount namespace joined by path (an OCI config's), in which the root is built, instead of
   * a new one; only the in-place start honours it.
   */
  joinMountNamespace?: string;
  /**
   * The descriptors, as the stage holds them, of the command's stdio that mydocker made for it
   * (relay pipes, log files), to hand to the container's user (see `ProcessCredentials`).
   */
  stdioToChown?: number[];
  /** The container's cgroups, which the init stage joins. */
  cgroups: StageCgroups;
  /**
   * The container's /sys/fs/cgroup, read-only: its own cgroup directories bound where the host
   * has their hierarchies (see `cgroupfsMounts`), so that runtimes inside (the JVM, Go, Node)
   * find their limits. A tmpfs first when there are several.
   */
  cgroupfs: ContainerMount[];
  /** `--init`: a minimal init stays PID 1, reaping zombies and forwarding signals. */
  init: boolean;
  /**
   * `-t`: the init stage creates a pseudo-terminal, sends its master to mydocker over the Unix
   * socket inherited at `socketFd`, and gives the command the slave as its controlling terminal.
   */
  terminal?: { socketFd: number };
}

/** A mount the user asked for, or one of the per-container /etc files. */
export type ContainerMount =
  | {
    type: "bind";
    /** Absolute host path. */
    source: string;
    /** Absolute path inside the container. */
    target: string;
    readonly: boolean;
  }
  | {
    type: "tmpfs";
    target: string;
    /** Mount flags (see `MountFlag`). */
    flags: number;
    /** File system options such as `size=64m,mode=1777`. */
    data: string;
  };

/** What a container's process runs as. */
export interface ProcessCredentials {
  /** `name|uid[:group|gid]`; empty for root. */
  user: string;
  /** Supplementary groups besides those /etc/group gives the user. */
  additionalGids?: readonly number[];
  /** The environment; HOME is added from the user's passwd entry when missing. */
  env: readonly string[];
  /** Capability names kept. */
  capabilities: readonly string[];
  /** Whether no_new_privs is set. */
  noNewPrivileges: boolean;
  /** Whether Docker's default seccomp profile is installed. */
  seccomp: boolean;
  /** The profile installed instead of Docker's default one, when `seccomp` is set. */
  seccompProfile?: SeccompProfile;
  /**
   * The descriptors of the command's stdio that mydocker made for it (relay pipes, log files; a
   * terminal's slave is a path): handed to the container's user before it is taken on, as runc
   * does, so that a non-root user can reopen `/dev/stdout`. Never the caller's own.
   */
  stdioToChown?: readonly number[];
  /** The path of the command's terminal (`-t`), handed to the container's user likewise. */
  terminalToChown?: string;
  /** The effective, permitted, inheritable and ambient sets, when they are not `capabilities`. */
  capabilitySets?: CapabilitySets;
}

/**
 * An OCI process's capability sets besides the bounding one, by name (`CHOWN`). Without them, a
 * root process's effective and permitted sets are its bounding set, the others empty.
 */
export interface CapabilitySets {
  effective: readonly string[];
  permitted: readonly string[];
  inheritable: readonly string[];
  ambient: readonly string[];
}

/**
 * The cgroups a stage (a Deno process of some 40 MB) joins, as `cgroup.procs` files: those mydocker
 * moves it into from the host while it starts, and those that account memory, which the stage
 * joins itself just before it execs the command, so that its own memory is never charged to the
 * container's limit.
 */
export interface StageCgroups {
  /** Joined at once (from the host, or by the stage if it gets there first). */
  atStart: string[];
  /** Joined by the stage just before it execs the command. */
  beforeExec: string[];
  /**
   * For `--init`, whose PID 1 stays a process of mydocker's and joins none of the container's
   * cgroups: the container's cgroups, into which it moves the command before letting it exec.
   */
  forCommand?: string[];
}
