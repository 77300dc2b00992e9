/**
 * A container's /etc/resolv.conf as Docker makes it: the host's, with loopback nameservers (the
 * systemd-resolved stub 127.0.0.53) replaced by the real upstreams, else Google's; `--dns`,
 * `--dns-search` and `--dns-option` replace their lines. And `--add-host NAME:IP` read into
 * /etc/hosts entries. Pure.
 *
 * @module
 */

/** The DNS options of `run`. */
export interface DnsOptions {
  /** `--dns`: nameserver addresses. */
  servers: string[];
  /** `--dns-search`: search domains (`.` alone: none). */
  search: string[];
  /** `--dns-option`: resolver options. */
  options: string[];
  /** `--add-host NAME:IP` values (`IP` may be `host-gateway`). */
  extraHosts: string[];
}

/** Docker's fallback nameservers when the host has none a container can reach. */
export const FALLBACK_NAMESERVERS: readonly string[] = ["8.8.8.8", "8.8.4.4"];

/** The `--add-host` value that means the bridge's gateway address. */
export const HOST_GATEWAY = "host-gateway";

interface ResolvLines {
  nameservers: string[];
  search: string[];
  options: string[];
  other: string[];
}

function readResolv(text: string): ResolvLines {
  const lines: ResolvLines = { nameservers: [], search: [], options: [], other: [] };
  for (const line of text.split("\n")) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === "nameserver" && values[0] !== undefined) lines.nameservers.push(values[0]);
    else if (key === "search" || key === "domain") lines.search = values;
    else if (key === "options") lines.options.push(...values);
  }
  return lines;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

/**
 * The container's resolv.conf from the host's (`hostText`), the systemd-resolved upstream file
 * (`upstreamText`, when the host's names only its stub), and the user's options. With the host's
 * network (`hostNetwork`) loopback servers are kept, as they are reachable.
 */
export function containerResolvConf(
  hostText: string | undefined,
  upstreamText: string | undefined,
  dns: Pick<DnsOptions, "servers" | "search" | "options">,
  hostNetwork = false,
): string {
  const host = readResolv(hostText ?? "");
  let nameservers = host.nameservers;
  if (!hostNetwork && nameservers.some(isLoopback)) {
    const upstream = readResolv(upstreamText ?? "").nameservers.filter((a) => !isLoopback(a));
    nameservers = nameservers.filter((address) => !isLoopback(address));
    if (nameservers.length === 0) nameservers = upstream;
  }
  if (nameservers.length === 0) nameservers = [...FALLBACK_NAMESERVERS];
  if (dns.servers.length > 0) nameservers = dns.servers;
  const search = dns.search.length > 0
    ? dns.search.filter((domain) => domain !== ".")
    : host.search;
  const options = dns.options.length > 0 ? dns.options : host.options;
  return [
    ...(search.length > 0 ? [`search ${search.join(" ")}`] : []),
    ...nameservers.map((address) => `nameserver ${address}`),
    ...(options.length > 0 ? [`options ${options.join(" ")}`] : []),
    "",
  ].join("\n");
}

/**
 * Reads an `--add-host` value, `NAME:IP` (or `NAME=IP`); throws a RangeError with Docker's
 * wording when it is none.
 */
export function parseExtraHost(value: string): [string, string] {
  const separator = value.search(/[:=]/);
  const name = separator < 0 ? "" : value.slice(0, separator);
  const address = separator < 0 ? "" : value.slice(separator + 1).replace(/^\[|\]$/g, "");
  if (name === "" || address === "") throw new RangeError(`bad format for add-host: "${value}"`);
  const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
  if (!ipv4 && address !== HOST_GATEWAY && !address.includes(":")) {
    throw new RangeError(`invalid IP address in add-host: "${address}"`);
  }
  return [name, address];
}
