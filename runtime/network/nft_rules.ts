/**
 * mydocker's firewall rules for nftables, all in its own table `ip mydocker` (nothing else is
 * touched): masquerade of its subnets' outbound traffic, DNAT of published ports (from other
 * hosts in prerouting, from the host itself in output, its loopback included), and, when
 * mydocker turned `ip_forward` on, a guard that forwards nothing but its bridges' traffic, as
 * Docker does. The rules are fixed; what varies lives in sets and maps (the bridges, the
 * subnets, the published ports), so a container adds and removes elements and never rules.
 * Pure: `firewall.ts` hands the text to `nft` at once, as one transaction.
 *
 * @module
 */

import type { PortBinding } from "../spec/port_bindings.ts";

/** mydocker's table. */
export const TABLE = "ip mydocker";

/**
 * The table, its sets, maps and chains, and its rules: idempotent (each chain flushed and
 * refilled in the same transaction; the sets and maps keep their elements).
 */
export function baseRules(): string {
  const chains = {
    publish: "",
    prerouting: "{ type nat hook prerouting priority dstnat; policy accept; }",
    output: "{ type nat hook output priority -100; policy accept; }",
    postrouting: "{ type nat hook postrouting priority srcnat; policy accept; }",
  };
  return [
    `add table ${TABLE}`,
    `add set ${TABLE} bridges { type ifname; }`,
    `add set ${TABLE} subnets { type ipv4_addr; flags interval; }`,
    `add map ${TABLE} ports { type inet_proto . inet_service : ipv4_addr . inet_service; }`,
    `add map ${TABLE} address_ports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }`,
    ...Object.entries(chains).map(([name, hook]) => `add chain ${TABLE} ${name} ${hook}`.trim()),
    ...Object.keys(chains).map((name) => `flush chain ${TABLE} ${name}`),
    `add rule ${TABLE} publish dnat ip to ip daddr . meta l4proto . th dport map @address_ports`,
    `add rule ${TABLE} publish dnat ip to meta l4proto . th dport map @ports`,
    `add rule ${TABLE} prerouting fib daddr type local jump publish`,
    `add rule ${TABLE} output fib daddr type local jump publish`,
    // The host's loopback reaching a published port (with route_localnet on the bridge).
    `add rule ${TABLE} postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade`,
    // A container reaching a published port through the host (hairpin).
    `add rule ${TABLE} postrouting ct status dnat ip saddr @subnets oifname @bridges masquerade`,
    `add rule ${TABLE} postrouting ip saddr @subnets oifname != @bridges masquerade`,
    "",
  ].join("\n");
}

/**
 * The guard added when mydocker turned `ip_forward` on: the host forwards only its bridges'
 * traffic, as it forwarded nothing before.
 */
export function forwardGuardRules(): string {
  return [
    `add chain ${TABLE} forward { type filter hook forward priority filter; policy accept; }`,
    `flush chain ${TABLE} forward`,
    `add rule ${TABLE} forward iifname != @bridges oifname != @bridges drop`,
    "",
  ].join("\n");
}

/** The elements that make network bridge `bridge` on `subnet` known to the rules. */
export function networkElements(action: "add" | "delete", bridge: string, subnet: string): string {
  return [
    `${action} element ${TABLE} bridges { "${bridge}" }`,
    `${action} element ${TABLE} subnets { ${subnet} }`,
    "",
  ].join("\n");
}

/** The map elements that publish `ports` of the container at `address` (or unpublish them). */
export function portElements(
  action: "add" | "delete",
  ports: readonly PortBinding[],
  address: string,
): string {
  return ports.map((port) => {
    const any = port.hostIp === "0.0.0.0";
    const key = `${any ? "" : `${port.hostIp} . `}${port.protocol} . ${port.hostPort}`;
    const value = action === "add" ? ` : ${address} . ${port.containerPort}` : "";
    return `${action} element ${TABLE} ${any ? "ports" : "address_ports"} { ${key}${value} }\n`;
  }).join("");
}

/** Removes mydocker's table and everything in it. */
export function deleteTableRules(): string {
  return `delete table ${TABLE}\n`;
}
