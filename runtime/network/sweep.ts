/**
 * Tidying up after mydocker processes that died holding network leases (killed with SIGKILL):
 * their containers died with them, and their namespaces with their veths, but their leases,
 * published ports and hosts lines remain until a later run sweeps them here.
 *
 * @module
 */

import { RouteSocket } from "../../sys/netlink.ts";
import { applyRules, portElements } from "./firewall.ts";
import { leaveHosts } from "./hosts_entries.ts";
import { listLeases, releaseAddress, staleLeases } from "./ipam.ts";
import { listNetworks } from "./network_store.ts";

/** Frees the leases of dead holders on every network of `stateRoot`, and what they set up. */
export function sweepNetworks(stateRoot: string): void {
  for (const network of listNetworks(stateRoot)) {
    const stale = staleLeases(stateRoot, network.name);
    if (stale.length === 0) continue;
    const host = new RouteSocket();
    try {
      for (const lease of stale) {
        host.deleteLink(lease.veth);
        if (lease.ports.length > 0) {
          try {
            applyRules(portElements("delete", lease.ports, lease.address));
          } catch {
            // The table is gone.
          }
        }
        const others = listLeases(stateRoot, network.name).filter((other) =>
          other.container !== lease.container
        );
        leaveHosts(lease, others);
        releaseAddress(stateRoot, network.name, lease.address);
      }
    } finally {
      host.close();
    }
  }
}
