/**
 * Address leases of a network, on disk and safe under concurrent runs: one file per address in
 * `<network>/leases/`, made complete under a temporary name and then hard-linked to the
 * address's name, which fails if another run holds that address (link(2) is atomic, and a
 * lease is never seen half written). A lease names the process that holds it (the container's
 * monitor), so a sweep can free those of monitors that died.
 *
 * @module
 */

import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import { isAlive } from "../../sys/process_identity.ts";
import type { PortBinding } from "../spec/port_bindings.ts";
import { networkDir, type NetworkRecord } from "./network_store.ts";
import { addressAt, parseSubnet, subnetSize } from "./subnet.ts";

/** One container's hold on an address of a network, and what it set up there. */
export interface Lease {
  /** The container's id. */
  container: string;
  /** The container's name, by which the others of a user network reach it. */
  name: string;
  /** The identity of the process that holds it (see `processIdentity`). */
  monitor: string;
  /** The address. */
  address: string;
  /** The host end of the container's veth pair. */
  veth: string;
  /** Its published ports, host ports chosen. */
  ports: PortBinding[];
  /** The container's /etc/hosts, kept current with the others of a user network. */
  hostsFile: string;
}

function leasesDir(stateRoot: string, network: string): string {
  return `${networkDir(stateRoot, network)}/leases`;
}

/** The leases of `network`, complete ones only. */
export function listLeases(stateRoot: string, network: string): Lease[] {
  const dir = leasesDir(stateRoot, network);
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
  } catch {
    return [];
  }
  return names.filter((name) => !name.startsWith(".")).flatMap((name) => {
    try {
      return [JSON.parse(Deno.readTextFileSync(`${dir}/${name}`)) as Lease];
    } catch {
      return []; // Released meanwhile.
    }
  });
}

/**
 * Leases the first free address of `network` (the gateway, the network and broadcast addresses
 * left out) for `lease`; returns the lease with its address.
 *
 * @throws {ExitCodeError} (125) when every address is taken or the lease cannot be written.
 */
export function leaseAddress(
  stateRoot: string,
  network: NetworkRecord,
  lease: Omit<Lease, "address">,
): Lease {
  const dir = leasesDir(stateRoot, network.name);
  const subnet = parseSubnet(network.subnet);
  const taken = new Set(listLeases(stateRoot, network.name).map((held) => held.address));
  const staged = `${dir}/.${lease.container}-${crypto.randomUUID()}`;
  try {
    for (let offset = 1; offset < subnetSize(subnet) - 1; offset++) {
      const address = addressAt(subnet, offset);
      if (address === network.gateway || taken.has(address)) continue;
      const complete = { ...lease, address };
      Deno.writeTextFileSync(staged, JSON.stringify(complete));
      try {
        Deno.linkSync(staged, `${dir}/${address}`);
        return complete;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
  } catch (error) {
    throw new ExitCodeError(
      `Cannot lease an address on network "${network.name}": ${fsErrorReason(error)}`,
    );
  } finally {
    try {
      Deno.removeSync(staged);
    } catch {
      // Never written.
    }
  }
  throw new ExitCodeError(
    `Cannot lease an address on network "${network.name}": no available IPv4 addresses`,
  );
}

/** Frees `address` of `network`; nothing when it is free already. */
export function releaseAddress(stateRoot: string, network: string, address: string): void {
  try {
    Deno.removeSync(`${leasesDir(stateRoot, network)}/${address}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The leases of `network` whose holders died (mydocker killed with SIGKILL). */
export function staleLeases(stateRoot: string, network: string): Lease[] {
  return listLeases(stateRoot, network).filter((lease) => !isAlive(lease.monitor));
}

/** Container `id`'s lease on any network of `networks`, with its network, if it holds one. */
export function leaseOf(
  stateRoot: string,
  networks: readonly NetworkRecord[],
  id: string,
): { network: NetworkRecord; lease: Lease } | undefined {
  for (const network of networks) {
    const lease = listLeases(stateRoot, network.name).find((held) => held.container === id);
    if (lease !== undefined) return { network, lease };
  }
  return undefined;
}
