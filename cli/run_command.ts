/**
 * `mydocker run`: reads the command line's options into a container request (every value's
 * syntax checked here, before anything is pulled or written), has the engine prepare and start
 * the container, and reports how it went.
 *
 * @module
 */

import {
  type ContainerRequest,
  prepareContainer,
  PULL_POLICIES,
  type PullPolicy,
} from "../engine/prepare_container.ts";
import { startContainer } from "../engine/start_container.ts";
import { resolveCapabilities } from "../runtime/spec/capabilities.ts";
import { parsePublish, type PortBinding, PortSpecError } from "../runtime/spec/port_bindings.ts";
import { type DnsOptions, parseExtraHost } from "../runtime/spec/resolv_conf.ts";
import { parseUserSpec } from "../runtime/spec/user_spec.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import type { RunInvocation } from "./command_line.ts";
import type { OptionsOf } from "./commands.ts";
import { parseDeviceMapping } from "./device_options.ts";
import { userEnvironment } from "./env_options.ts";
import { parseMount, parseTmpfs, parseVolume } from "./mount_options.ts";
import { progressOnStderr } from "./pull_output.ts";
import { parseSecurityOptions } from "./security_options.ts";
import { checkTerminalOptions } from "./terminal_options.ts";

/** The `-p` values' bindings; throws an ExitCodeError (125) with Docker's wording. */
function publishedPorts(values: readonly string[]): PortBinding[] {
  try {
    return values.flatMap(parsePublish);
  } catch (error) {
    if (error instanceof PortSpecError) throw new ExitCodeError(error.message);
    throw error;
  }
}

/** `--dns`, `--dns-search`, `--dns-option`, `--add-host`, checked; undefined without any. */
function dnsOptions(options: OptionsOf<"run">): DnsOptions | undefined {
  const dns: DnsOptions = {
    servers: options.dns ?? [],
    search: options.dnsSearch ?? [],
    options: options.dnsOption ?? [],
    extraHosts: options.addHost ?? [],
  };
  for (const server of dns.servers) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(server) && !server.includes(":")) {
      throw new ExitCodeError(`${server} is not an ip address`);
    }
  }
  for (const host of dns.extraHosts) {
    try {
      parseExtraHost(host);
    } catch (error) {
      throw new ExitCodeError((error as Error).message);
    }
  }
  return Object.values(dns).some((values) => values.length > 0) ? dns : undefined;
}

function pullPolicy(value: string): PullPolicy {
  const policy = PULL_POLICIES.find((candidate) => candidate === value);
  if (policy === undefined) {
    throw new ExitCodeError(`Cannot use --pull "${value}": choose "missing", "always" or "never"`);
  }
  return policy;
}

/** The `-w` path, if given: absolute (whether it is a directory shows in the container). */
function workdirOption(path: string | undefined): string | undefined {
  if (path === undefined || path === "") return undefined;
  if (!path.startsWith("/")) {
    throw new ExitCodeError(`Cannot use working directory "${path}": it must be an absolute path`);
  }
  return path;
}

function capabilities(options: OptionsOf<"run">): string[] {
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

/** Reads `invocation` into the engine's request; throws an ExitCodeError (125) for a bad value. */
export function containerRequest(invocation: RunInvocation): ContainerRequest {
  const { options } = invocation;
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  const detach = options.detach === true;
  checkTerminalOptions({ tty, interactive, detach });
  const pull = pullPolicy(options.pull);
  const ports = publishedPorts(options.publish ?? []);
  const dns = dnsOptions(options);
  const security = parseSecurityOptions(options.securityOpt ?? []);
  const devices = (options.device ?? []).map(parseDeviceMapping);
  const keptCapabilities = capabilities(options);
  const volumes = (options.volume ?? []).map(parseVolume);
  const mounts = (options.mount ?? []).map(parseMount);
  const tmpfs = (options.tmpfs ?? []).map(parseTmpfs);
  const env = userEnvironment(options.envFile ?? [], options.env ?? [], (key) => Deno.env.get(key));
  const workdir = workdirOption(options.workdir);
  if (options.user !== undefined) parseUserSpec(options.user);
  return {
    root: invocation.root,
    image: invocation.image,
    command: invocation.command,
    entrypoint: options.entrypoint,
    pull,
    platform: options.platform,
    observePull: progressOnStderr(options.quiet === true),
    rootfs: options.rootfs,
    name: options.name,
    hostname: options.hostname,
    network: options.network,
    ports,
    publishAll: options.publishAll === true,
    dns,
    env,
    workdir,
    user: options.user,
    volumes,
    mounts,
    volumesFrom: options.volumesFrom ?? [],
    tmpfs,
    readOnly: options.readOnly === true,
    noPivot: options.noPivot === true,
    capabilities: keptCapabilities,
    privileged: options.privileged === true,
    devices,
    seccomp: security.seccomp,
    noNewPrivileges: security.noNewPrivileges,
    limits: {
      ...(options.memory === undefined ? {} : { memory: options.memory }),
      ...(options.memorySwap === undefined ? {} : { memorySwap: options.memorySwap }),
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
      ...(options.cpuShares === undefined ? {} : { cpuShares: options.cpuShares }),
      ...(options.pidsLimit === undefined ? {} : { pidsLimit: options.pidsLimit }),
    },
    init: options.init === true,
    tty,
    interactive,
    remove: options.rm === true,
    detach,
    restart: options.restart,
    logOptions: options.logOpt ?? [],
    stopSignal: options.stopSignal,
    stopTimeout: options.stopTimeout === undefined ? undefined : Number(options.stopTimeout),
  };
}

/** Runs the container and returns mydocker's exit code. */
export async function runCommand(invocation: RunInvocation): Promise<number> {
  const outcome = await startContainer(await prepareContainer(containerRequest(invocation)));
  switch (outcome.status) {
    case "exited":
      return outcome.exitCode;
    case "detached":
      console.log(outcome.id);
      return 0;
    case "failed":
      // As a foreground run would have said it.
      if (outcome.message !== undefined) console.error(outcome.message);
      return outcome.exitCode;
  }
}
