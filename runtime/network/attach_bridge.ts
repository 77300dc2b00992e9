/**
 * A container's bridge network from the host side: the bridge (first use), an address lease, a
 * new network namespace with the container's end of a veth pair (`eth0`, made directly in it),
 * its address and default route, and loopback up, all over rtnetlink from this thread (no `ip`,
 * no extra thread: the thread enters the namespace only to open a netlink socket there); the
 * published ports held (bound here, so that no other container or process takes them) and
 * DNAT'd by map elements; the names of a user network in /etc/hosts. The in-place start or init
 * stage then joins the namespace by its path.
 *
 * @module
 */

import { RouteSocket } from "../../sys/netlink.ts";
import { close } from "../../sys/fs.ts";
import { bindPort } from "../../sys/socket.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { Errno } from "../../sys/errno.ts";
import { ExitCodeError } from "../../sys/exit_codes.ts";
import { processIdentity } from "../../sys/process_identity.ts";
import type { PortBinding } from "../spec/port_bindings.ts";
import { type AttachedNetwork, etcNetwork, type NetworkRequest } from "./etc_network.ts";
import { ensureBridge } from "./bridge.ts";
import { hostFirewall } from "./firewall.ts";
import { joinHosts, leaveHosts } from "./hosts_entries.ts";
import { type Lease, leaseAddress, listLeases, releaseAddress } from "./ipam.ts";
import { createNetworkNamespace, inNetworkNamespace } from "./namespace.ts";
import { DEFAULT_NETWORK, type NetworkRecord } from "./network_store.ts";
import { broadcastOf, parseSubnet } from "./subnet.ts";

/**
 * The MAC address of the container at IPv4 `address`, as Docker derives it: `02:42` and the
 * address's four bytes. The same address always gets the same MAC, so the host's neighbour cache
 * stays right when a new container takes the address of one that ended.
 */
export function macAddress(address: string): Uint8Array {
  return new Uint8Array([0x02, 0x42, ...address.split(".").map(Number)]);
}

/** {@linkcode macAddress} as text, `02:42:ac:11:00:02`, as inspect shows it. */
export function macAddressText(address: string): string {
  return Array.from(macAddress(address), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** A veth name as Docker makes them: `veth` and 7 random hex characters. */
function vethName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `veth${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 7)}`;
}

/** Holds `ports` (a free port where the host port is 0); returns them chosen and the sockets. */
function holdPorts(
  ports: readonly PortBinding[],
  request: NetworkRequest,
  taken: readonly Lease[],
): { ports: PortBinding[]; sockets: number[] } {
  const sockets: number[] = [];
  const endpoint = `driver failed programming external connectivity on endpoint ${request.name} (${
    request.config.id.slice(0, 12)
  })`;
  try {
    const held = ports.map((port) => {
      const allocated = taken.some((lease) =>
        lease.ports.some((other) =>
          other.hostPort === port.hostPort && other.protocol === port.protocol &&
          (other.hostIp === port.hostIp || other.hostIp === "0.0.0.0" || port.hostIp === "0.0.0.0")
        )
      );
      const where = `${port.hostIp}:${port.hostPort}`;
      if (port.hostPort !== 0 && allocated) {
        throw new ExitCodeError(`${endpoint}: Bind for ${where} failed: port is already allocated`);
      }
      try {
        const bound = bindPort(port.protocol, port.hostIp, port.hostPort);
        sockets.push(bound.fd);
        return { ...port, hostPort: bound.port };
      } catch (error) {
        if (error instanceof SyscallError && error.errno === Errno.EADDRINUSE) {
          throw new ExitCodeError(
            `${endpoint}: failed to bind port ${where}/${port.protocol}: listen ${port.protocol}4 ${where}: bind: address already in use`,
          );
        }
        throw error;
      }
    });
    return { ports: held, sockets };
  } catch (error) {
    sockets.forEach(close);
    throw error;
  }
}

/** Sets up container `request`'s network on the bridge network `network`. */
export function attachBridge(
  request: NetworkRequest,
  network: NetworkRecord,
): AttachedNetwork {
  const { config } = request;
  const stateRoot = config.stateRoot;
  const host = new RouteSocket();
  const undo: (() => unknown)[] = [() => host.close()];
  const unwind = () => {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // Best effort: the rest still goes.
      }
    }
  };
  try {
    ensureBridge(host, network);
    const peers = listLeases(stateRoot, network.name);
    const held = holdPorts(config.ports ?? [], request, peers);
    undo.push(() => held.sockets.forEach(close));
    const veth = vethName();
    const lease = leaseAddress(stateRoot, network, {
      container: config.id,
      name: request.name,
      monitor: processIdentity(),
      veth,
      ports: held.ports,
      hostsFile: `${request.dir}/hosts`,
    });
    undo.push(() => releaseAddress(stateRoot, network.name, lease.address));
    const namespace = createNetworkNamespace();
    undo.push(() => close(namespace));
    const subnet = parseSubnet(network.subnet);
    const inside = inNetworkNamespace(namespace, () => new RouteSocket());
    try {
      host.createVeth(veth, "eth0", namespace, macAddress(lease.address));
      undo.push(() => host.deleteLink(veth));
      host.setUp(veth, network.bridge);
      inside.setUp("lo");
      inside.addAddress("eth0", lease.address, subnet.prefix, broadcastOf(subnet));
      inside.setUp("eth0");
      inside.addDefaultRoute(network.gateway);
    } finally {
      inside.close();
    }
    if (held.ports.length > 0) {
      const firewall = hostFirewall();
      firewall.publish(held.ports, lease.address);
      undo.push(() => firewall.unpublish(held.ports, lease.address));
    }
    const userNetwork = network.name !== DEFAULT_NETWORK;
    const others = () =>
      listLeases(stateRoot, network.name).filter((other) => other.container !== config.id);
    const etc = etcNetwork(config, network.gateway);
    if (userNetwork) {
      undo.push(() => leaveHosts(lease, others()));
      etc.extraHosts.push(
        ...others().map((other): [string, string] => [
          `${other.name} ${other.container.slice(0, 12)}`,
          other.address,
        ]),
      );
    }
    return {
      mode: { join: `/proc/${Deno.pid}/fd/${namespace}` },
      etc: { ...etc, address: lease.address },
      announce: () => {
        if (userNetwork) joinHosts(lease, others());
      },
      detach: unwind,
    };
  } catch (error) {
    unwind();
    throw error;
  }
}
