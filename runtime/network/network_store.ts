/**
 * The networks of a state root, on disk: `<root>/networks/<name>/network.json` (what the network
 * is, written once, the directory renamed into place so that concurrent creators agree) beside
 * its `leases/` (see `ipam.ts`). The default `bridge` network is one of them, made on first use
 * from the config file's `bip` or `default-address-pools`.
 *
 * @module
 */

import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";
import { addressAt, formatSubnet, parseAddress, parseSubnet, type Subnet } from "./subnet.ts";

/** The default network's name, as Docker's. */
export const DEFAULT_NETWORK = "bridge";
/** The default network's bridge device. */
export const DEFAULT_BRIDGE = "mydocker0";
/** The network modes that are no network of the store. */
export const BUILTIN_MODES: readonly string[] = ["none", "host"];

/** A network as stored. */
export interface NetworkRecord {
  /** Its name. */
  name: string;
  /** 64 hex characters. */
  id: string;
  /** Always `bridge`. */
  driver: "bridge";
  /** Its subnet, `a.b.c.d/n`. */
  subnet: string;
  /** The bridge's own address, the containers' gateway. */
  gateway: string;
  /** The bridge device's name. */
  bridge: string;
  /** When it was made (ISO 8601). */
  created: string;
}

/** Where the networks of `stateRoot` live. */
export function networksRoot(stateRoot: string): string {
  return `${stateRoot}/networks`;
}

/** The directory of network `name`. */
export function networkDir(stateRoot: string, name: string): string {
  return `${networksRoot(stateRoot)}/${name}`;
}

/** Network `name` of `stateRoot`, or undefined when there is none. */
export function readNetwork(stateRoot: string, name: string): NetworkRecord | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(`${networkDir(stateRoot, name)}/network.json`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw new ExitCodeError(`Cannot read network "${name}": ${fsErrorReason(error)}`);
  }
}

/** Every network of `stateRoot`, oldest first. */
export function listNetworks(stateRoot: string): NetworkRecord[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(networksRoot(stateRoot))];
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory && !entry.name.startsWith("."))
    .flatMap((entry) => readNetwork(stateRoot, entry.name) ?? [])
    .sort((a, b) => a.created.localeCompare(b.created));
}

/** Finds a network by name, full id or unique id prefix. */
export function findNetwork(stateRoot: string, reference: string): NetworkRecord | undefined {
  const networks = listNetworks(stateRoot);
  const byName = networks.find((network) => network.name === reference);
  if (byName !== undefined || reference === "") return byName;
  const byId = networks.filter((network) => network.id.startsWith(reference));
  return byId.length === 1 ? byId[0] : undefined;
}

/** A new random network id: 64 hex characters. */
export function newNetworkId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** What a new network is made of: its subnet and gateway, and its bridge's name when fixed. */
export interface NetworkShape {
  /** Default: a random one. */
  id?: string;
  subnet: Subnet;
  /** Default: the subnet's first address. */
  gateway?: string;
  /** Default: `mdbr-` and the id's first 10 characters. */
  bridge?: string;
}

/**
 * Stores network `name` of `shape`; returns the stored one, which is another process's when it
 * made the same network first.
 *
 * @throws {ExitCodeError} (125) when it cannot be written, or `name` exists already and
 * `existing` is `"fail"` (Docker's `network with name NAME already exists`).
 */
export function storeNetwork(
  stateRoot: string,
  name: string,
  shape: NetworkShape,
  existing: "fail" | "use",
): NetworkRecord {
  const id = shape.id ?? newNetworkId();
  const record: NetworkRecord = {
    name,
    id,
    driver: "bridge",
    subnet: formatSubnet(shape.subnet),
    gateway: shape.gateway ?? addressAt(shape.subnet, 1),
    bridge: shape.bridge ?? `mdbr-${id.slice(0, 10)}`,
    created: new Date().toISOString(),
  };
  const root = networksRoot(stateRoot);
  const staged = `${root}/.${id}`;
  try {
    Deno.mkdirSync(`${staged}/leases`, { recursive: true });
    Deno.writeTextFileSync(`${staged}/network.json`, JSON.stringify(record));
  } catch (error) {
    Deno.removeSync(staged, { recursive: true });
    throw new ExitCodeError(`Cannot create network "${name}": ${fsErrorReason(error)}`);
  }
  try {
    Deno.renameSync(staged, networkDir(stateRoot, name));
    return record;
  } catch {
    Deno.removeSync(staged, { recursive: true });
  }
  const stored = readNetwork(stateRoot, name);
  if (stored === undefined) throw new ExitCodeError(`Cannot create network "${name}"`);
  if (existing === "fail") throw new ExitCodeError(`network with name ${name} already exists`);
  return stored;
}

/** Removes network `name`'s records (its leases must be gone). */
export function removeNetworkRecord(stateRoot: string, name: string): void {
  const dir = networkDir(stateRoot, name);
  const doomed = `${networksRoot(stateRoot)}/.removing-${crypto.randomUUID()}`;
  try {
    Deno.renameSync(dir, doomed);
    Deno.removeSync(doomed, { recursive: true });
  } catch (error) {
    throw new ExitCodeError(`Cannot remove network "${name}": ${fsErrorReason(error)}`);
  }
}

/**
 * Checks a gateway given for `subnet`: an address inside it.
 *
 * @throws {RangeError} when it is no address of the subnet.
 */
export function checkGateway(subnet: Subnet, gateway: string): void {
  parseAddress(gateway);
  const inside = parseSubnet(`${gateway}/${subnet.prefix}`).base === subnet.base;
  if (!inside) {
    throw new RangeError(`no matching subnet for gateway ${gateway}`);
  }
}
