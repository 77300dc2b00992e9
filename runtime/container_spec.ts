/**
 * The container spec: everything the init stage needs, computed by the parent and handed over
 * as JSON. Plain data only, so that the init stage loads nothing else to read it.
 *
 * @module
 */

/** How the container's network is set up. */
export type NetworkMode = "none" | "host";

/** What the init stage receives. */
export interface ContainerSpec {
  /** The container id (64 hex characters). */
  id: string;
  /** Hostname inside the container's UTS namespace. */
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
  };
  /** `"none"`: a new network namespace with only loopback; `"host"`: the host's network. */
  network: NetworkMode;
  /** The command, its environment and working directory. */
  process: {
    args: string[];
    env: string[];
    cwd: string;
  };
  /**
   * An absolute path of a statically linked host executable to bind read-only into the
   * container at the same path when the root lacks it.
   */
  hostBinary?: string;
  /** Capability names kept (bounding, permitted, effective, inheritable). */
  capabilities: string[];
  /** Whether masked and read-only paths are skipped and /sys is writable. */
  privileged: boolean;
}

/** The hidden argument that selects the init stage in `main.ts`. */
export const INIT_STAGE_ARG = "__mydocker_init";
