/**
 * A network's bridge on the host, set up on first use and idempotent (a concurrent first run
 * does the same steps, each tolerating the other's): mydocker's firewall rules and the
 * network's, `ip_forward` (on only if it was off, then with Docker's guard),
 * the bridge with the gateway address, `route_localnet` on it (so the host's loopback reaches
 * published ports), up. And its removal.
 *
 * @module
 */

import type { RouteSocket } from "../../sys/netlink.ts";
import { hostFirewall } from "./firewall.ts";
import type { NetworkRecord } from "./network_store.ts";
import { broadcastOf, parseSubnet } from "./subnet.ts";

const SYSCTL = "/proc/sys/net/ipv4";

/** Sets up `network`'s bridge unless it is up already. */
export function ensureBridge(host: RouteSocket, network: NetworkRecord): void {
  if (host.link(network.bridge)?.up) return;
  const forwarding = Deno.readTextFileSync(`${SYSCTL}/ip_forward`).trim() === "1";
  hostFirewall().addNetwork(network.bridge, network.subnet, !forwarding);
  if (!forwarding) Deno.writeTextFileSync(`${SYSCTL}/ip_forward`, "1");
  host.createBridge(network.bridge);
  const subnet = parseSubnet(network.subnet);
  host.addAddress(network.bridge, network.gateway, subnet.prefix, broadcastOf(subnet));
  Deno.writeTextFileSync(`${SYSCTL}/conf/${network.bridge}/route_localnet`, "1");
  host.setUp(network.bridge);
}

/** Removes `network`'s bridge and its firewall rules (nothing when they are gone). */
export function removeBridge(host: RouteSocket, network: NetworkRecord): void {
  host.deleteLink(network.bridge);
  hostFirewall().removeNetwork(network.bridge, network.subnet);
}
