/**
 * IP address literals and CIDR ranges (IPv4 and IPv6), for matching a registry host against the
 * `insecure-registries` entries of the config file. Pure.
 *
 * @module
 */

/** Parses an IPv4 or IPv6 literal into its bytes (4 or 16), or undefined when not an IP. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? Uint8Array.from(bytes) : undefined;
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => part === "" ? [] : part.split(":");
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => g.length === 0 || g.length > 4)) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const value = parseInt(g, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** Returns whether the IP literal `ip` lies inside `cidr` (`10.0.0.0/8`, `fd00::/8`). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const slash = cidr.indexOf("/");
  if (slash === -1) return false;
  const address = parseIp(ip);
  const network = parseIp(cidr.slice(0, slash));
  const prefix = Number(cidr.slice(slash + 1));
  if (address === undefined || network === undefined || address.length !== network.length) {
    return false;
  }
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > address.length * 8) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((address[bit >> 3]! & mask) !== (network[bit >> 3]! & mask)) return false;
  }
  return true;
}
