/**
 * A container's network from the host side, set up before the container starts and torn down
 * when it ends. `none` and `host` need nothing but the container's /etc lines, `container:ID`
 * the other container's namespace; a bridge network's setup (`attach_bridge.ts`) is loaded only
 * for a container on one, so that a start without one does not load the netlink, firewall and
 * address code (about 2 ms of a start).
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";
import type { ContainerConfig } from "../spec/container_config.ts";
import type { NetworkMode } from "../spec/container_spec.ts";
import { containerResolvConf, HOST_GATEWAY, parseExtraHost } from "../spec/resolv_conf.ts";
import { findContainer } from "../state/containers.ts";
import { BUILTIN_MODES, readNetwork } from "./network_store.ts";

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

/** Sets up the network of the container `request` describes; see the module's text. */
export async function attachNetwork(request: NetworkRequest): Promise<AttachedNetwork> {
  const { config } = request;
  const network = config.network;
  const nothing = { announce() {}, detach() {} };
  if (BUILTIN_MODES.includes(network)) {
    return { mode: network as "none" | "host", etc: etcNetwork(config, undefined), ...nothing };
  }
  if (network.startsWith("container:")) {
    const other = findContainer(config.stateRoot, network.slice("container:".length));
    if (other.state.status !== "running" || other.state.pid === undefined) {
      throw new ExitCodeError(
        `cannot join network namespace of a non running container: ${other.record.name}`,
      );
    }
    return {
      mode: { join: `/proc/${other.state.pid}/ns/net` },
      etc: etcNetwork(config, undefined),
      ...nothing,
    };
  }
  const record = readNetwork(config.stateRoot, network);
  if (record === undefined) throw new ExitCodeError(`network ${network} not found`);
  const { attachBridge } = await import("./attach_bridge.ts");
  return attachBridge(request, record);
}
