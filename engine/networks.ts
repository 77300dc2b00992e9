/**
 * Networks as dockerd keeps them: the default `bridge` (made on first use from the config
 * file's `bip` or `default-address-pools`, avoiding the host's routes), `host` and `none`, and
 * user networks; resolving `--network` (checked before anything is pulled or written), the
 * `network` commands' create, list, inspect, remove and prune, and what `inspect` and `port`
 * show of a container's network.
 *
 * @module
 */

import { configFilePath } from "../registry/distribution/registry_config.ts";
import { RouteSocket } from "../sys/netlink.ts";
import { close } from "../sys/fs.ts";
import { bindPort } from "../sys/socket.ts";
import { SyscallError } from "../sys/ffi.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import type { PortBinding } from "../runtime/spec/port_bindings.ts";
import { findContainer, listContainers } from "../runtime/state/containers.ts";
import { removeBridge } from "../runtime/network/bridge.ts";
import { macAddressText } from "../runtime/network/attach_bridge.ts";
import { hostFirewall, NO_FIREWALL } from "../runtime/network/firewall.ts";
import { hostRouteSubnets } from "../runtime/network/host_routes.ts";
import { type Lease, leaseOf, listLeases } from "../runtime/network/ipam.ts";
import { type NetworkConfig, parseNetworkConfig } from "../runtime/network/network_config.ts";
import {
  BUILTIN_MODES,
  checkGateway,
  DEFAULT_BRIDGE,
  DEFAULT_NETWORK,
  findNetwork,
  listNetworks,
  type NetworkRecord,
  readNetwork,
  removeNetworkRecord,
  storeNetwork,
} from "../runtime/network/network_store.ts";
import { freeSubnet, overlaps, parseSubnet, type Subnet } from "../runtime/network/subnet.ts";

/** The network keys of the config file. */
export function loadNetworkConfig(): NetworkConfig {
  const file = configFilePath();
  let text: string | undefined;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ExitCodeError(`Cannot load config file "${file}": ${(error as Error).message}`);
    }
  }
  try {
    return parseNetworkConfig(text, file);
  } catch (error) {
    throw new ExitCodeError((error as Error).message);
  }
}

/** The ids of the networks mydocker defines itself: sha256 of `mydocker:NAME`, stable. */
const BUILTIN_IDS: Readonly<Record<string, string>> = {
  bridge: "2c1ab6b70092c8096d497690f26fed06eafa525c116c75b30e244ecde5ba8bc2",
  host: "7bf159ac4f53ca306308a841992d76bf5f2548384cc1c4c49f1b6f879ab1b14a",
  none: "795cd631cfec1538f4accc8f1940bcba8812f1bf2a8583edb58301ce42c286d8",
};

function takenSubnets(root: string): Subnet[] {
  return [
    ...hostRouteSubnets(),
    ...listNetworks(root).map((network) => parseSubnet(network.subnet)),
  ];
}

/** The default `bridge` network of `root`, made now from the config file when it is not yet. */
function defaultNetwork(root: string, config: NetworkConfig): NetworkRecord {
  const stored = readNetwork(root, DEFAULT_NETWORK);
  if (stored !== undefined) return stored;
  let subnet: Subnet | undefined;
  let gateway: string | undefined;
  if (config.bip !== undefined) {
    subnet = parseSubnet(config.bip);
    gateway = config.bip.split("/")[0];
  } else {
    subnet = freeSubnet(config.pools, takenSubnets(root));
  }
  if (subnet === undefined) {
    throw new ExitCodeError("could not find an available, non-overlapping IPv4 address pool");
  }
  return storeNetwork(root, DEFAULT_NETWORK, {
    id: BUILTIN_IDS[DEFAULT_NETWORK]!,
    subnet,
    ...(gateway === undefined ? {} : { gateway }),
    bridge: DEFAULT_BRIDGE,
  }, "use");
}

/**
 * The network a container of `root` joins for `--network` `requested` (undefined: the default,
 * `bridge`, or `none` when the config file disables the bridge): `none`, `host`,
 * `container:ID` (the other container running), or a network's name.
 *
 * @throws {ExitCodeError} (125) with Docker's `network NAME not found` and the like.
 */
export function resolveNetwork(root: string, requested: string | undefined): string {
  const config = loadNetworkConfig();
  const name = requested === undefined || requested === "default"
    ? (config.bridgeDisabled ? "none" : DEFAULT_NETWORK)
    : requested;
  if (BUILTIN_MODES.includes(name)) return name;
  if (name.startsWith("container:")) {
    const reference = name.slice("container:".length);
    const other = findContainer(root, reference);
    if (other.state.status !== "running") {
      throw new ExitCodeError(
        `cannot join network namespace of a non running container: ${other.record.name}`,
      );
    }
    return `container:${other.record.id}`;
  }
  if (name === DEFAULT_NETWORK) {
    if (config.bridgeDisabled) throw new ExitCodeError(`network ${name} not found`);
    return (defaultNetwork(root, config)).name;
  }
  const network = findNetwork(root, name);
  if (network === undefined) throw new ExitCodeError(`network ${name} not found`);
  return network.name;
}

/**
 * Checks, creating nothing, that the fixed host ports of `ports` are free: neither published by
 * a container nor bound by a process. As Docker, `host` and `none` discard them, and
 * `container:NAME` refuses them.
 *
 * @throws {ExitCodeError} (125) with Docker's wording.
 */
export function checkPorts(root: string, network: string, ports: readonly PortBinding[]): void {
  if (ports.length === 0 || BUILTIN_MODES.includes(network)) return;
  if (network.startsWith("container:")) {
    throw new ExitCodeError(
      "conflicting options: port publishing and the container type network mode",
    );
  }
  if (!hostFirewall().publishes) throw new ExitCodeError(NO_FIREWALL);
  const held = listNetworks(root).flatMap((record) => listLeases(root, record.name));
  for (const port of ports) {
    if (port.hostPort === 0) continue;
    const where = `${port.hostIp}:${port.hostPort}`;
    const taken = held.some((lease) =>
      lease.ports.some((other) =>
        other.hostPort === port.hostPort && other.protocol === port.protocol
      )
    );
    if (taken) throw new ExitCodeError(`Bind for ${where} failed: port is already allocated`);
    try {
      close(bindPort(port.protocol, port.hostIp, port.hostPort).fd);
    } catch (error) {
      const why = error instanceof SyscallError ? error.message : String(error);
      throw new ExitCodeError(`failed to bind port ${where}/${port.protocol}: ${why}`);
    }
  }
}

/** What `network create` takes. */
export interface NetworkOptions {
  subnet?: string;
  gateway?: string;
  driver?: string;
}

/**
 * Creates user network `name`: `--subnet` or the next free subnet of the pools, `--gateway` or
 * its first address.
 *
 * @throws {ExitCodeError} (125) for a bad value, a taken name or an overlapping subnet.
 */
export function createNetwork(root: string, name: string, options: NetworkOptions): NetworkRecord {
  if (options.driver !== undefined && options.driver !== "bridge") {
    throw new ExitCodeError(`plugin "${options.driver}" not found`);
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new ExitCodeError(`invalid network name "${name}"`);
  }
  if ([...BUILTIN_MODES, DEFAULT_NETWORK].includes(name) || readNetwork(root, name)) {
    throw new ExitCodeError(`network with name ${name} already exists`);
  }
  let subnet: Subnet | undefined;
  try {
    if (options.subnet !== undefined) {
      subnet = parseSubnet(options.subnet);
      const clash = listNetworks(root).find((network) => {
        return overlaps(parseSubnet(network.subnet), subnet!);
      });
      if (clash !== undefined) {
        throw new RangeError(
          `invalid pool request: Pool overlaps with other one on this address space`,
        );
      }
    } else {
      subnet = freeSubnet(loadNetworkConfig().pools, takenSubnets(root));
    }
    if (subnet === undefined) {
      throw new RangeError("could not find an available, non-overlapping IPv4 address pool");
    }
    if (options.gateway !== undefined) checkGateway(subnet, options.gateway);
  } catch (error) {
    if (error instanceof ExitCodeError) throw error;
    throw new ExitCodeError((error as Error).message);
  }
  return storeNetwork(root, name, {
    subnet,
    ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
  }, "fail");
}

function requireNetwork(root: string, reference: string): NetworkRecord {
  const network = findNetwork(root, reference);
  if (network === undefined) throw new ExitCodeError(`network ${reference} not found`);
  return network;
}

/**
 * Removes network `reference` (its bridge, its firewall elements, its records); returns its
 * name.
 *
 * @throws {ExitCodeError} (125) for a predefined network or one a container uses.
 */
export function removeNetwork(root: string, reference: string): string {
  if ([...BUILTIN_MODES, DEFAULT_NETWORK].includes(reference)) {
    throw new ExitCodeError(`${reference} is a pre-defined network and cannot be removed`);
  }
  const network = requireNetwork(root, reference);
  if (listLeases(root, network.name).length > 0) {
    throw new ExitCodeError(
      `error while removing network: network ${network.name} id ${network.id} has active endpoints`,
    );
  }
  tearDown(network);
  removeNetworkRecord(root, network.name);
  return network.name;
}

function tearDown(network: NetworkRecord): void {
  const host = new RouteSocket();
  try {
    removeBridge(host, network);
  } finally {
    host.close();
  }
}

/**
 * Removes every user network no container uses (returns their names); and, once no container
 * uses any network, the default bridge and mydocker's firewall table too (made again on next
 * use): nothing mydocker made is left.
 */
export function pruneNetworks(root: string): string[] {
  const removed: string[] = [];
  for (const network of listNetworks(root)) {
    if (network.name === DEFAULT_NETWORK || listLeases(root, network.name).length > 0) continue;
    tearDown(network);
    removeNetworkRecord(root, network.name);
    removed.push(network.name);
  }
  const remaining = listNetworks(root);
  if (remaining.every((network) => listLeases(root, network.name).length === 0)) {
    for (const network of remaining) tearDown(network);
    hostFirewall().removeAll();
  }
  return removed;
}

/** A row of `network ls`. */
export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  created: string;
}

/**
 * The networks `network ls` shows, by name: `bridge` (unless disabled), `host`, `none`, and the
 * user's.
 */
export function networkSummaries(root: string): NetworkSummary[] {
  const config = loadNetworkConfig();
  const stored = listNetworks(root);
  const builtins = [...(config.bridgeDisabled ? [] : [DEFAULT_NETWORK]), ...BUILTIN_MODES].map(
    (name) => {
      const record = stored.find((network) => network.name === name);
      return {
        id: record?.id ?? BUILTIN_IDS[name]!,
        name,
        driver: name === "none" ? "null" : name === "host" ? "host" : "bridge",
        scope: "local",
        created: record?.created ?? new Date(0).toISOString(),
      };
    },
  );
  const users = stored.filter((network) => network.name !== DEFAULT_NETWORK).map((network) => ({
    id: network.id,
    name: network.name,
    driver: network.driver,
    scope: "local",
    created: network.created,
  }));
  return [...builtins, ...users].sort((a, b) => a.name.localeCompare(b.name));
}

/** Network `reference` as `docker network inspect` shows it. */
export function inspectNetwork(
  root: string,
  reference: string,
): Record<string, unknown> {
  const summaries = networkSummaries(root);
  const summary = summaries.find((network) => network.name === reference) ??
    summaries.find((network) => network.id.startsWith(reference));
  if (summary === undefined) throw new ExitCodeError(`network ${reference} not found`);
  const network = readNetwork(root, summary.name);
  const names = new Map(listContainers(root).map((c) => [c.record.id, c.record.name]));
  const leases = network === undefined ? [] : listLeases(root, network.name);
  const prefix = network === undefined ? 0 : parseSubnet(network.subnet).prefix;
  return {
    Name: summary.name,
    Id: summary.id,
    Created: summary.created,
    Scope: "local",
    Driver: summary.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: "default",
      Options: null,
      Config: network === undefined ? [] : [{ Subnet: network.subnet, Gateway: network.gateway }],
    },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: Object.fromEntries(leases.map((lease) => [lease.container, {
      Name: names.get(lease.container) ?? lease.name,
      EndpointID: "",
      MacAddress: macAddressText(lease.address),
      IPv4Address: `${lease.address}/${prefix}`,
      IPv6Address: "",
    }])),
    Options: network === undefined ? {} : { "com.docker.network.bridge.name": network.bridge },
    Labels: {},
  };
}

/** What a container's network looks like while it runs: its network, lease and prefix. */
export interface ContainerNetwork {
  network: NetworkRecord;
  lease: Lease;
  prefix: number;
}

/** Container `id`'s network while it holds an address, else undefined. */
export function containerNetwork(root: string, id: string): ContainerNetwork | undefined {
  const found = leaseOf(root, listNetworks(root), id);
  if (found === undefined) return undefined;
  return { ...found, prefix: parseSubnet(found.network.subnet).prefix };
}

/** Container `reference`'s name and published ports (none unless it runs). */
export function containerPorts(
  root: string,
  reference: string,
): { name: string; ports: PortBinding[] } {
  const container = findContainer(root, reference);
  const ports = containerNetwork(root, container.record.id)?.lease.ports ?? [];
  return { name: container.record.name, ports };
}

/** The published ports of every container of `root` holding an address, by container id. */
export function publishedPorts(root: string): Map<string, PortBinding[]> {
  const ports = new Map<string, PortBinding[]>();
  for (const network of listNetworks(root)) {
    for (const lease of listLeases(root, network.name)) ports.set(lease.container, lease.ports);
  }
  return ports;
}
