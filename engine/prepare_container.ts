/**
 * Making a container from a request, as dockerd's create does: the host checks the command line
 * cannot make (the `--rootfs` directory, the name, the devices, the limits, the bind sources),
 * then the image (pulled as the pull policy says), the command, environment and user from it,
 * and the record `run` starts. Everything that does not need the image is checked before
 * anything is pulled or written.
 *
 * @module
 */

import type { ImageConfig } from "../registry/format/manifest.ts";
import {
  formatPlatform,
  parsePlatform,
  type Platform,
  platformMatches,
} from "../registry/format/platform.ts";
import { parseReference } from "../registry/format/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { parseResourceLimits, type ResourceFlags } from "../runtime/cgroups/parse_limits.ts";
import { newContainerId } from "../runtime/host/run_container.ts";
import type { ContainerConfig } from "../runtime/spec/container_config.ts";
import type { ContainerMount } from "../runtime/spec/container_spec.ts";
import { exposedBindings, type PortBinding } from "../runtime/spec/port_bindings.ts";
import type { DnsOptions } from "../runtime/spec/resolv_conf.ts";
import { BUILTIN_MODES } from "../runtime/network/network_store.ts";
import { composeEnvironment } from "../runtime/spec/environment.ts";
import { processArgs } from "../runtime/spec/image_process.ts";
import { parseUserSpec } from "../runtime/spec/user_spec.ts";
import { isValidName, releaseName, reserveName } from "../runtime/state/container_names.ts";
import type { ContainerRecord } from "../runtime/state/container_state.ts";
import { ExitCodeError, fsErrorReason } from "../sys/exit_codes.ts";
import { type DeviceMapping, grantedDevices } from "./granted_devices.ts";
import { attachVolumes, checkVolumeName, type RequestedMount, volumesFrom } from "./volumes.ts";
import type { PullObserverFactory } from "./pull_image.ts";
import { parseLogOptions } from "./log_options.ts";
import { parseSignal } from "./container_lifecycle.ts";
import { parseRestartPolicy } from "../runtime/spec/restart_policy.ts";

/** When `run` pulls its image, as Docker's `--pull` says. */
export const PULL_POLICIES = ["missing", "always", "never"] as const;

/** One of {@linkcode PULL_POLICIES}. */
export type PullPolicy = typeof PULL_POLICIES[number];

/** A container to make, as the command line asked for it (its syntax already checked). */
export interface ContainerRequest {
  /** The state root. */
  root: string;
  /** The image reference (only a name with `rootfs`). */
  image: string;
  /** COMMAND and ARGs; empty for the image's. */
  command: readonly string[];
  /** `--entrypoint`. */
  entrypoint: string | undefined;
  /** When to pull the image. */
  pull: PullPolicy;
  /** `--platform`. */
  platform: string | undefined;
  /** Who watches a pull. */
  observePull: PullObserverFactory;
  /** `--rootfs`: a directory used as the root instead of an image. */
  rootfs: string | undefined;
  /** `--name`; a random name when undefined. */
  name: string | undefined;
  /** `--hostname`; the id's first 12 characters when undefined. */
  hostname: string | undefined;
  /** `--network`; the default network when undefined. */
  network: string | undefined;
  /** `-p` bindings (host port 0: a free one). */
  ports: readonly PortBinding[];
  /** `-P`: publish the image's ExposedPorts to free ports too. */
  publishAll: boolean;
  /** `--dns`, `--dns-search`, `--dns-option`, `--add-host`; undefined without any. */
  dns: DnsOptions | undefined;
  /** The user's environment entries, resolved (`-e`, `--env-file`). */
  env: readonly string[];
  /** `-w`, absolute; the image's working directory (else `/`) when undefined. */
  workdir: string | undefined;
  /** `-u`; the image's User when undefined. */
  user: string | undefined;
  /** `-v` mounts: a missing bind source is created as a directory, as Docker does. */
  volumes: readonly RequestedMount[];
  /** `--mount` mounts: a bind source must exist. */
  mounts: readonly RequestedMount[];
  /** `--volumes-from CONTAINER[:ro|rw]` values. */
  volumesFrom: readonly string[];
  /** `--tmpfs` mounts. */
  tmpfs: readonly ContainerMount[];
  /** `--read-only`. */
  readOnly: boolean;
  /** `--no-pivot`. */
  noPivot: boolean;
  /** The capabilities kept, resolved from `--cap-add`, `--cap-drop` and `--privileged`. */
  capabilities: string[];
  /** `--privileged`. */
  privileged: boolean;
  /** `--device` values. */
  devices: readonly DeviceMapping[];
  /** Whether Docker's default seccomp profile applies (unless privileged). */
  seccomp: boolean;
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges: boolean;
  /** `--memory`, `--cpus`, … as typed. */
  limits: ResourceFlags;
  /** `--init`. */
  init: boolean;
  /** `-t`. */
  tty: boolean;
  /** `-i`. */
  interactive: boolean;
  /** `--rm`. */
  remove: boolean;
  /** `-d`. */
  detach: boolean;
  /** `--restart`, as typed. */
  restart: string;
  /** `--log-opt` values. */
  logOptions: readonly string[];
  /** `--stop-signal`; the image's StopSignal, else SIGTERM, when undefined. */
  stopSignal: string | undefined;
  /** `--stop-timeout` in seconds (negative: forever); Docker's 10 when undefined. */
  stopTimeout: number | undefined;
}

function rootfsDirectory(path: string): string {
  try {
    const real = Deno.realPathSync(path);
    if (Deno.statSync(real).isDirectory) return real;
  } catch {
    // Reported below.
  }
  throw new ExitCodeError(`Cannot use --rootfs "${path}": not a directory`);
}

/** Checks `--name` against Docker's rule for names. */
function checkName(requested: string | undefined): void {
  if (requested !== undefined && !isValidName(requested)) {
    throw new ExitCodeError(
      `Cannot use name "${requested}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
}

/** Whether a bind source is missing; throws an ExitCodeError when it cannot be looked at. */
function sourceMissing(source: string): boolean {
  try {
    Deno.statSync(source);
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw new ExitCodeError(`Cannot mount "${source}": ${fsErrorReason(error)}`);
  }
}

/**
 * Checks every bind source, creating nothing: a source that is a file is bound as a file, a
 * missing one is an error for --mount and returned (to be created later) for -v.
 */
function missingSources(request: ContainerRequest): string[] {
  const missing: string[] = [];
  const binds = [
    ...request.volumes.map((mount) => ({ mount, create: true })),
    ...request.mounts.map((mount) => ({ mount, create: false })),
  ];
  for (const { mount, create } of binds) {
    if (mount.type !== "bind" || !sourceMissing(mount.source)) continue;
    if (!create) {
      throw new ExitCodeError(`Cannot mount "${mount.source}": no such file or directory`);
    }
    missing.push(mount.source);
  }
  return missing;
}

/** Creates missing `-v` sources as directories, as Docker does. */
function createSources(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      Deno.mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new ExitCodeError(`Cannot mount "${path}": ${fsErrorReason(error)}`);
    }
  }
}

/** What a container is made from: layers (topmost first), runtime config, and the image id. */
interface ContainerSource {
  lowerDirs: string[];
  config: ImageConfig;
  /** The image id (config digest); undefined for --rootfs. */
  imageId: string | undefined;
}

/**
 * The image's layers, runtime config and id, pulled first when the pull policy says, or when the
 * stored image is of another platform than `--platform`. The image is leased (under the store's
 * shared lock) from lookup on, so no `rmi` or moved tag can collect its layers before the
 * container's record names it.
 */
async function imageSource(request: ContainerRequest): Promise<ContainerSource> {
  const { image, pull } = request;
  const ref = parseReference(image);
  const platform = request.platform === undefined ? undefined : parsePlatform(request.platform);
  const store = new ImageStore(request.root);
  let stored = pull === "always" ? undefined : await store.leaseImage(ref);
  if (stored !== undefined && platform !== undefined && !platformMatches(stored.config, platform)) {
    if (pull === "never") throw platformMismatch(image, platform, stored.config, "--pull never");
    stored = undefined;
  }
  if (stored === undefined) {
    if (pull === "never") {
      throw new ExitCodeError(`Cannot run "${image}": no such image in the store (--pull never)`);
    }
    const { pullReference } = await import("./pull_image.ts");
    await pullReference(ref, store, {
      platform: request.platform,
      observe: request.observePull,
      missingLocally: pull === "missing",
    });
    stored = await store.leaseImage(ref);
    if (stored === undefined) throw new ExitCodeError(`Cannot run "${image}": pull stored nothing`);
    if (platform !== undefined && !platformMatches(stored.config, platform)) {
      throw platformMismatch(image, platform, stored.config, "the registry has no other");
    }
  }
  return { lowerDirs: stored.layers, config: stored.config.config ?? {}, imageId: stored.id };
}

/** The error for an image of another platform than `--platform` asks for, as Docker words it. */
function platformMismatch(image: string, wanted: Platform, actual: Platform, why: string) {
  return new ExitCodeError(
    `Cannot run "${image}": image does not match the specified platform: wanted ${
      formatPlatform(wanted)
    }, actual: ${formatPlatform(actual)} (${why})`,
  );
}

/** The config's `ports`: `-p`'s, and with `-P` the image's exposed ports not published by `-p`. */
/**
 * The network the container joins, its ports checked: `none` and `host` as named (their ports
 * are discarded, as Docker does), any other through `networks.ts`, loaded only then with the
 * config file, netlink and firewall code it needs (about 1 ms of a start without them).
 */
async function chosenNetwork(request: ContainerRequest): Promise<string> {
  const requested = request.network;
  if (requested !== undefined && BUILTIN_MODES.includes(requested)) return requested;
  const { checkPorts, resolveNetwork } = await import("./networks.ts");
  const network = resolveNetwork(request.root, requested);
  checkPorts(request.root, network, request.ports);
  return network;
}

function publishing(request: ContainerRequest, image: ImageConfig): { ports?: PortBinding[] } {
  const ports = [...request.ports];
  if (request.publishAll) {
    const given = new Set(ports.map((port) => `${port.containerPort}/${port.protocol}`));
    const exposed = exposedBindings(Object.keys(image.ExposedPorts ?? {}));
    ports.push(...exposed.filter((port) => !given.has(`${port.containerPort}/${port.protocol}`)));
  }
  return ports.length === 0 ? {} : { ports };
}

/**
 * Makes the record of the container `request` asks for, pulling its image when needed and
 * creating missing `-v` sources; writes nothing of the container itself.
 *
 * @throws {ExitCodeError} (125) for anything that cannot be used, before anything is pulled or
 * written when it does not need the image.
 */
export async function prepareContainer(request: ContainerRequest): Promise<ContainerRecord> {
  const rootfs = request.rootfs === undefined ? undefined : rootfsDirectory(request.rootfs);
  checkName(request.name);
  const devices = grantedDevices(request.devices);
  const limits = parseResourceLimits(request.limits);
  const restartPolicy = parseRestartPolicy(request.restart);
  if (request.remove && restartPolicy.name !== "no") {
    throw new ExitCodeError("Conflicting options: --restart and --rm");
  }
  const logLimits = parseLogOptions(request.logOptions);
  if (request.stopSignal !== undefined) parseSignal(request.stopSignal);
  const missing = missingSources(request);
  const requested = [...request.volumes, ...request.mounts, ...request.tmpfs];
  for (const mount of requested) {
    if (mount.type === "volume" && mount.name !== undefined) checkVolumeName(mount.name);
  }
  const inherited = volumesFrom(request.root, request.volumesFrom);
  const network = await chosenNetwork(request);
  const id = newContainerId();
  const name = reserveName(request.root, request.name, id);
  try {
    const { lowerDirs, config, imageId }: ContainerSource = rootfs === undefined
      ? await imageSource(request)
      : { lowerDirs: [rootfs], config: {}, imageId: undefined };
    const args = processArgs({
      imageEntrypoint: config.Entrypoint,
      imageCmd: config.Cmd,
      entrypoint: request.entrypoint,
      command: request.command,
    });
    if (args.length === 0) {
      throw new ExitCodeError(`Cannot run "${request.image}": no command specified`);
    }
    const user = request.user ?? config.User ?? "";
    parseUserSpec(user);
    createSources(missing);
    const { mounts, volumes } = await attachVolumes({
      root: request.root,
      requested,
      inherited,
      imageVolumes: Object.keys(config.Volumes ?? {}),
      lowerDirs,
    });
    const hostname = request.hostname ?? id.slice(0, 12);
    const { tty, privileged } = request;
    const containerConfig: ContainerConfig = {
      id,
      hostname,
      stateRoot: request.root,
      lowerDirs,
      args,
      // As Docker: TERM=xterm with -t, unless the image or the user sets TERM.
      env: composeEnvironment({
        hostname,
        imageEnv: [...(tty ? ["TERM=xterm"] : []), ...(config.Env ?? [])],
        userEnv: request.env,
      }),
      cwd: request.workdir ?? (config.WorkingDir || "/"),
      network,
      ...publishing(request, config),
      ...(request.dns === undefined ? {} : { dns: request.dns }),
      user,
      mounts,
      ...(volumes.length === 0 ? {} : { volumes }),
      readonlyRootfs: request.readOnly,
      noPivot: request.noPivot,
      capabilities: request.capabilities,
      privileged,
      devices,
      seccomp: request.seccomp && !privileged,
      noNewPrivileges: request.noNewPrivileges,
      limits,
      init: request.init,
      tty,
      interactive: request.interactive,
    };
    return {
      id,
      name,
      image: request.image,
      ...(imageId === undefined ? {} : { imageId }),
      created: new Date().toISOString(),
      remove: request.remove,
      detached: request.detach,
      stopSignal: request.stopSignal ?? config.StopSignal ?? "SIGTERM",
      ...(request.stopTimeout === undefined ? {} : { stopTimeout: request.stopTimeout }),
      ...(restartPolicy.name === "no" ? {} : { restartPolicy }),
      logLimits,
      config: containerConfig,
    };
  } catch (error) {
    // A container that is not made leaves its name free.
    releaseName(request.root, name, id);
    throw error;
  }
}
