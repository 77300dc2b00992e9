/**
 * Tidying up after mydocker processes that died holding network leases (killed with SIGKILL):
 * their containers died with them, and their namespaces with their veths, but their leases,
 * published ports and hosts lines remain until a later run sweeps them here. Finding none, the
 * common case, loads neither the netlink nor the firewall code.
 *
 * @module
 */

import { leaveHosts } from "./hosts_entries.ts";
import { listLeases, releaseAddress, staleLeases } from "./ipam.ts";
import { listNetworks } from "./network_store.ts";

/** Frees the leases of dead holders on every network of `stateRoot`, and what they set up. */
export async function sweepNetworks(stateRoot: string): Promise<void> {
  for (const network of listNetworks(stateRoot)) {
    const stale = staleLeases(stateRoot, network.name);
    if (stale.length === 0) continue;
    const { RouteSocket } = await import("../../sys/netlink.ts");
    const { hostFirewall } = await import("./firewall.ts");
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
