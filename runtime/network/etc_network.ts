/**
 * What a container's network gives it and takes from it, whatever the network: the lines of its
 * /etc files the network decides, and the shape of a network set up for it (`attach.ts`,
 * `attach_bridge.ts`).
 *
 * @module
 */

import type { ContainerConfig } from "../spec/container_config.ts";
import type { NetworkMode } from "../spec/container_spec.ts";
import { containerResolvConf, HOST_GATEWAY, parseExtraHost } from "../spec/resolv_conf.ts";
import { pathExists } from "../../sys/path_exists.ts";

/** The container-specific lines of its /etc files that the network decides. */
export interface EtcNetwork {
  /** The container's address, which its hostname resolves to (else 127.0.0.1). */
  address?: string;
  /** Extra /etc/hosts entries: `--add-host`, and the others of a user network. */
  extraHosts: [string, string][];
  /** The text of its /etc/resolv.conf. */
  resolvConf: string;
}

/** A container's network, set up: what the stage does, its /etc lines, and its teardown. */
export interface AttachedNetwork {
  /** How the stage enters the network. */
  mode: NetworkMode;
  /** Its /etc lines. */
  etc: EtcNetwork;
  /** Lists the container in the hosts files of its user network's others (once its own is written). */
  announce(): void;
  /** Tears down what was set up (the veth, the lease, the ports, the hosts lines). */
  detach(): void;
}

/** Who the container is, for its network. */
export interface NetworkRequest {
  config: ContainerConfig;
  /** The container's name. */
  name: string;
  /** The container's directory (its /etc files are written there). */
  dir: string;
}

function readOptional(path: string): string | undefined {
  if (!pathExists(path)) return undefined; // No NotFound to build (systemd-resolved's, mostly).
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The /etc lines of a container on `config`'s network: `--add-host` (`host-gateway` as
 * `gateway`, else 127.0.0.1) and its resolv.conf.
 */
export function etcNetwork(config: ContainerConfig, gateway: string | undefined): EtcNetwork {
  const dns = config.dns ?? { servers: [], search: [], options: [], extraHosts: [] };
  const extraHosts = dns.extraHosts.map(parseExtraHost).map(([name, address]): [
    string,
    string,
  ] => [name, address === HOST_GATEWAY ? gateway ?? "127.0.0.1" : address]);
  return {
    extraHosts,
    resolvConf: containerResolvConf(
      readOptional("/etc/resolv.conf"),
      readOptional("/run/systemd/resolve/resolv.conf"),
      dns,
      config.network === "host",
    ),
  };
}
