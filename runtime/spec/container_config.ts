/**
 * A container's config, fully resolved from the image and the command line: what the host side
 * keeps in the container's record and turns into the spec of its init stage.
 *
 * @module
 */

import type { ContainerMount } from "./container_spec.ts";
import type { GrantedDevice } from "./devices.ts";
import type { PortBinding } from "./port_bindings.ts";
import type { DnsOptions } from "./resolv_conf.ts";
import type { ResourceLimits } from "./resource_limits.ts";

/** A volume a container uses, as its record keeps it (for `inspect`, `rm -v`, `volume rm`). */
export interface VolumeMount {
  /** The volume's name (64 hex characters for an anonymous one). */
  name: string;
  /** Where the container sees it. */
  target: string;
  readonly: boolean;
  /** Made for this container (`-v /path`, the image's VOLUME): `rm -v` and `--rm` remove it. */
  anonymous: boolean;
}

/** What to run and how: the container config, fully resolved. */
export interface ContainerConfig {
  /** The container id, from `newContainerId`. */
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
  /** `--network`: `bridge`, `none`, `host`, `container:ID` or a user network's name. */
  network: string;
  /** `-p` and `-P` bindings (host port 0: a free one chosen at start); absent without any. */
  ports?: PortBinding[];
  /** `--dns`, `--dns-search`, `--dns-option`, `--add-host`; absent without any. */
  dns?: DnsOptions;
  /** `name|uid[:group|gid]`, or empty for root. */
  user: string;
  /** The user's mounts, in order. */
  mounts: ContainerMount[];
  /** The volumes among `mounts` (each a bind of its `_data`); absent in older records. */
  volumes?: VolumeMount[];
  /** Whether the root is read-only. */
  readonlyRootfs: boolean;
  /** `--no-pivot`: chroot into the root instead of pivot_root (less safe; see `switchRoot`). */
  noPivot: boolean;
  /** The capabilities kept. */
  capabilities: string[];
  /** Whether the container is privileged. */
  privileged: boolean;
  /** Host devices given to the container (`--device`). */
  devices: GrantedDevice[];
  /** Whether Docker's default seccomp profile applies. */
  seccomp: boolean;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges: boolean;
  /** cgroup limits. */
  limits: ResourceLimits;
  /** `--init`. */
  init: boolean;
  /** `-t`: the command gets a pseudo-terminal (foreground runs only). */
  tty: boolean;
  /** `-i`: stdin is forwarded to the pseudo-terminal. */
  interactive: boolean;
}
