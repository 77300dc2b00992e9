/**
 * `mydocker run`: turns the parsed command line into a container config and runs it.
 *
 * @module
 */

import type { ImageConfig as ImageRuntimeConfig } from "../registry/format/manifest.ts";
import { parseReference } from "../registry/format/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { resolveCapabilities } from "../runtime/spec/capabilities.ts";
import { parseResourceLimits } from "../runtime/cgroups/parse_limits.ts";
import type { NetworkMode } from "../runtime/spec/container_spec.ts";
import { composeEnvironment } from "../runtime/spec/environment.ts";
import type { ContainerMount } from "../runtime/spec/container_spec.ts";
import type { ContainerRecord } from "../runtime/state/container_state.ts";
import type { ContainerConfig } from "../runtime/spec/container_config.ts";
import { ExitCodeError, fsErrorReason } from "../sys/exit_codes.ts";
import { processArgs } from "../runtime/spec/image_process.ts";
import { isValidName, randomName } from "../runtime/state/container_names.ts";
import { nameInUse } from "../runtime/state/containers.ts";
import { newContainerId, runContainer } from "../runtime/host/run_container.ts";
import { checkTerminalOptions } from "../runtime/host/terminal.ts";
import { parseUserSpec } from "../runtime/spec/user_spec.ts";
import { grantedDevices } from "./device_options.ts";
import { userEnvironment } from "./env_options.ts";
import { parseMount, parseTmpfs, parseVolume } from "./mount_options.ts";
import { parseSecurityOptions } from "./security_options.ts";

/** The options of `mydocker run` as the parser hands them over. */
export interface RunOptions {
  rootfs?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  hostname?: string;
  network: string;
  rm?: boolean;
  entrypoint?: string;
  pull: string;
  platform?: string;
  quiet?: boolean;
  user?: string;
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  noPivot?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  device?: string[];
  securityOpt?: string[];
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  init?: boolean;
  name?: string;
  detach?: boolean;
  tty?: boolean;
  interactive?: boolean;
}

/** One `mydocker run` invocation. */
export interface RunInvocation {
  /** The IMAGE argument. */
  image: string;
  /** COMMAND and ARGs. */
  command: string[];
  /** The parsed options. */
  options: RunOptions;
  /** The state root. */
  root: string;
}

const NETWORK_MODES: readonly NetworkMode[] = ["none", "host"];

function networkMode(value: string): NetworkMode {
  const mode = NETWORK_MODES.find((candidate) => candidate === value);
  if (mode === undefined) {
    throw new ExitCodeError(
      `Cannot use network "${value}": mydocker supports "none" (loopback only, the default) and "host"`,
    );
  }
  return mode;
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

/** The `-w` path, if given: absolute (whether it is a directory shows in the container). */
function workdirOption(path: string | undefined): string | undefined {
  if (path === undefined || path === "") return undefined;
  if (!path.startsWith("/")) {
    throw new ExitCodeError(`Cannot use working directory "${path}": it must be an absolute path`);
  }
  return path;
}

/** The user's mounts, and the `-v` sources to create before the container starts. */
interface UserMounts {
  /** In command-line order of kind: volumes, --mount, then --tmpfs. */
  mounts: ContainerMount[];
  /** Missing `-v` sources, which Docker creates as directories (but not --mount's). */
  missingSources: string[];
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
 * Parses the mount options and checks every bind source, creating nothing: a source that is a
 * file is bound as a file, a missing one is an error for --mount and created later for -v.
 */
function userMounts(options: RunOptions): UserMounts {
  const missingSources: string[] = [];
  const binds = [
    ...(options.volume ?? []).map((value) => ({ mount: parseVolume(value), create: true })),
    ...(options.mount ?? []).map((value) => ({ mount: parseMount(value), create: false })),
  ];
  for (const { mount, create } of binds) {
    if (mount.type !== "bind" || !sourceMissing(mount.source)) continue;
    if (!create) {
      throw new ExitCodeError(`Cannot mount "${mount.source}": no such file or directory`);
    }
    missingSources.push(mount.source);
  }
  const mounts = [...binds.map(({ mount }) => mount), ...(options.tmpfs ?? []).map(parseTmpfs)];
  return { mounts, missingSources };
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

function capabilities(options: RunOptions): string[] {
  try {
    return resolveCapabilities({
      add: options.capAdd ?? [],
      drop: options.capDrop ?? [],
      privileged: options.privileged === true,
    });
  } catch (error) {
    throw new ExitCodeError(`Cannot use capabilities: ${(error as Error).message}`);
  }
}

const PULL_POLICIES = ["missing", "always", "never"] as const;
type PullPolicy = typeof PULL_POLICIES[number];

function pullPolicy(value: string): PullPolicy {
  const policy = PULL_POLICIES.find((candidate) => candidate === value);
  if (policy === undefined) {
    throw new ExitCodeError(`Cannot use --pull "${value}": choose "missing", "always" or "never"`);
  }
  return policy;
}

/** What a container is made from: layers (topmost first), runtime config, and the image id. */
interface ContainerSource {
  lowerDirs: string[];
  config: ImageRuntimeConfig;
  /** The image id (config digest); undefined for --rootfs. */
  imageId: string | undefined;
}

/** The image's layers, runtime config and id, pulled first when `policy` says. */
async function imageRoot(invocation: RunInvocation, policy: PullPolicy): Promise<ContainerSource> {
  const { options, image } = invocation;
  const ref = parseReference(image);
  const store = new ImageStore(invocation.root);
  let stored = policy === "always" ? undefined : await store.getImage(ref);
  if (stored === undefined) {
    if (policy === "never") {
      throw new ExitCodeError(`Cannot run "${image}": no such image in the store (--pull never)`);
    }
    const { pullReference } = await import("../engine/pull_image.ts");
    await pullReference(ref, store, {
      platform: options.platform,
      quiet: options.quiet === true || !Deno.stderr.isTerminal(),
    });
    stored = await store.getImage(ref);
    if (stored === undefined) throw new ExitCodeError(`Cannot run "${image}": pull stored nothing`);
  }
  return { lowerDirs: stored.layers, config: stored.config.config ?? {}, imageId: stored.id };
}

/** Runs the container and returns mydocker's exit code. */
export async function runCommand(invocation: RunInvocation): Promise<number> {
  const { options } = invocation;
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  checkTerminalOptions({ tty, interactive, detach: options.detach === true });
  // Everything that does not depend on the image is checked before anything is pulled or written.
  const policy = pullPolicy(options.pull);
  const rootfs = options.rootfs === undefined ? undefined : rootfsDirectory(options.rootfs);
  const name = containerName(invocation.root, options.name);
  const network = networkMode(options.network);
  const security = parseSecurityOptions(options.securityOpt ?? []);
  const privileged = options.privileged === true;
  const devices = grantedDevices(options.device ?? []);
  const keptCapabilities = capabilities(options);
  const limits = parseResourceLimits({
    ...(options.memory === undefined ? {} : { memory: options.memory }),
    ...(options.memorySwap === undefined ? {} : { memorySwap: options.memorySwap }),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    ...(options.cpuShares === undefined ? {} : { cpuShares: options.cpuShares }),
    ...(options.pidsLimit === undefined ? {} : { pidsLimit: options.pidsLimit }),
  });
  const { mounts, missingSources } = userMounts(options);
  const userEnv = userEnvironment(
    options.envFile ?? [],
    options.env ?? [],
    (key) => Deno.env.get(key),
  );
  const workdir = workdirOption(options.workdir);
  if (options.user !== undefined) parseUserSpec(options.user);
  const { lowerDirs, config, imageId }: ContainerSource = rootfs === undefined
    ? await imageRoot(invocation, policy)
    : { lowerDirs: [rootfs], config: {}, imageId: undefined };
  const args = processArgs({
    imageEntrypoint: config.Entrypoint,
    imageCmd: config.Cmd,
    entrypoint: options.entrypoint,
    command: invocation.command,
  });
  if (args.length === 0) {
    throw new ExitCodeError(`Cannot run "${invocation.image}": no command specified`);
  }
  const user = options.user ?? config.User ?? "";
  parseUserSpec(user);
  createSources(missingSources);
  const id = newContainerId();
  const hostname = options.hostname ?? id.slice(0, 12);
  const containerConfig: ContainerConfig = {
    id,
    hostname,
    stateRoot: invocation.root,
    lowerDirs,
    args,
    // As Docker: TERM=xterm with -t, unless the image or the user sets TERM.
    env: composeEnvironment({
      hostname,
      imageEnv: [...(tty ? ["TERM=xterm"] : []), ...(config.Env ?? [])],
      userEnv,
    }),
    cwd: workdir ?? (config.WorkingDir || "/"),
    network,
    user,
    mounts,
    readonlyRootfs: options.readOnly === true,
    noPivot: options.noPivot === true,
    capabilities: keptCapabilities,
    privileged,
    devices,
    seccomp: security.seccomp && !privileged,
    noNewPrivileges: security.noNewPrivileges,
    limits,
    init: options.init === true,
    tty,
    interactive,
  };
  const record: ContainerRecord = {
    id,
    name,
    image: invocation.image,
    ...(imageId === undefined ? {} : { imageId }),
    created: new Date().toISOString(),
    remove: options.rm === true,
    detached: options.detach === true,
    stopSignal: config.StopSignal ?? "SIGTERM",
    config: containerConfig,
  };
  if (!record.detached) return await runContainer(record);
  const { startDetached } = await import("../runtime/host/detach.ts");
  const { dir, state } = await startDetached(record);
  if (state.status === "exited" && (state.exitCode ?? 0) >= 125) {
    // The command could not be started: say why, as a foreground run would have.
    const errors = await Deno.readTextFile(dir.stderrLog).catch(() => "");
    const line = errors.split("\n").find((text) => text.startsWith("mydocker: "));
    if (line !== undefined) console.error(line);
    return state.exitCode!;
  }
  console.log(id);
  return 0;
}

/** The container's name: `--name` (valid and unused) or a random one. */
function containerName(root: string, requested: string | undefined): string {
  if (requested === undefined) return randomName();
  if (!isValidName(requested)) {
    throw new ExitCodeError(
      `Cannot use name "${requested}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  if (nameInUse(root, requested)) {
    throw new ExitCodeError(`Cannot use name "${requested}": it is already in use by a container`);
  }
  return requested;
}
