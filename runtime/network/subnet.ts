/**
 * IPv4 subnets: parsing `a.b.c.d/n`, their addresses by offset, overlap, and the choice of a
 * free one from address pools (Docker's `default-address-pools`). Pure.
 *
 * @module
 */

/** An IPv4 subnet: its network address as a 32-bit number and its prefix length. */
export interface Subnet {
  /** The network address, as an unsigned 32-bit number. */
  base: number;
  /** The prefix length, 0 to 32. */
  prefix: number;
}

/** Reads dotted-quad `address` as an unsigned 32-bit number; throws a RangeError if it is none. */
export function parseAddress(address: string): number {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    throw new RangeError(`invalid IPv4 address "${address}"`);
  }
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** Formats 32-bit `value` as a dotted quad. */
export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Reads `a.b.c.d/n`; the address is masked to its network, as Docker does.
 *
 * @throws {RangeError} when it is not an IPv4 CIDR.
 */
export function parseSubnet(cidr: string): Subnet {
  const [address, prefixText, ...rest] = cidr.split("/");
  const prefix = Number(prefixText);
  if (rest.length > 0 || !/^\d{1,2}$/.test(prefixText ?? "") || prefix > 32) {
    throw new RangeError(`invalid CIDR address: ${cidr}`);
  }
  return { base: (parseAddress(address!) & mask(prefix)) >>> 0, prefix };
}

/** `a.b.c.d/n`. */
export function formatSubnet(subnet: Subnet): string {
  return `${formatAddress(subnet.base)}/${subnet.prefix}`;
}

/** How many addresses `subnet` holds (network and broadcast included). */
export function subnetSize(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefix);
}

/** The address at `offset` in `subnet` (1: the first host, usually the gateway). */
export function addressAt(subnet: Subnet, offset: number): string {
  return formatAddress((subnet.base + offset) >>> 0);
}

/** The broadcast address of `subnet`. */
export function broadcastOf(subnet: Subnet): string {
  return addressAt(subnet, subnetSize(subnet) - 1);
}

/** Whether address `address` (dotted quad) lies in `subnet`. */
export function contains(subnet: Subnet, address: string): boolean {
  return ((parseAddress(address) & mask(subnet.prefix)) >>> 0) === subnet.base;
}

/** Whether two subnets share any address. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return ((a.base & mask(prefix)) >>> 0) === ((b.base & mask(prefix)) >>> 0);
}

/** An address pool as Docker's `default-address-pools` gives one: `{base, size}`. */
export interface AddressPool {
  /** The pool, a CIDR. */
  base: string;
  /** The prefix length of each subnet taken from it. */
  size: number;
}

/** Docker's default pools: 172.17-31.0.0/16, then 192.168.0-240.0/20. */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: "172.17.0.0/16", size: 16 },
  { base: "172.18.0.0/15", size: 16 },
  { base: "172.20.0.0/14", size: 16 },
  { base: "172.24.0.0/14", size: 16 },
  { base: "172.28.0.0/14", size: 16 },
  { base: "192.168.0.0/16", size: 20 },
];

/**
 * The first subnet of `pools` that overlaps none of `taken`, or undefined when every one does.
 *
 * @throws {RangeError} when a pool is malformed.
 */
export function freeSubnet(
  pools: readonly AddressPool[],
  taken: readonly Subnet[],
): Subnet | undefined {
  for (const pool of pools) {
    const range = parseSubnet(pool.base);
    if (!(pool.size >= range.prefix && pool.size <= 30)) {
      throw new RangeError(`invalid pool size ${pool.size} for "${pool.base}"`);
    }
    const count = 2 ** (pool.size - range.prefix);
    for (let index = 0; index < count; index++) {
      const candidate = {
        base: (range.base + index * 2 ** (32 - pool.size)) >>> 0,
        prefix: pool.size,
      };
      if (!taken.some((subnet) => overlaps(subnet, candidate))) return candidate;
    }
  }
  return undefined;
}
