/**
 * Tidying up after mydocker processes that died holding network leases (killed with SIGKILL):
 * their containers died with them, and their namespaces with their veths, but their leases,
 * published ports and hosts lines remain until a later run sweeps them here.
 *
 * @module
 */

import { RouteSocket } from "../../sys/netlink.ts";
import { hostFirewall } from "./firewall.ts";
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
        if (lease.ports.length > 0) hostFirewall().unpublish(lease.ports, lease.address);
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
