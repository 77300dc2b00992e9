/**
 * mydocker's firewall rules for iptables, where the host has no `nft`: the same rules as
 * `nft_rules.ts`, in chains of mydocker's own (`MYDOCKER`, `MYDOCKER-POSTROUTING`,
 * `MYDOCKER-FORWARD`) that the built-in chains jump to, as Docker's are. iptables has no maps,
 * so each network and each published port has rules of its own. Pure: `firewall.ts` runs them.
 *
 * @module
 */

import type { PortBinding } from "../spec/port_bindings.ts";

/** mydocker's chains. */
export const Chain = {
  PUBLISH: "MYDOCKER",
  POSTROUTING: "MYDOCKER-POSTROUTING",
  FORWARD: "MYDOCKER-FORWARD",
} as const;

/** One rule: its table and chain, its match and target, and where a new one goes. */
export interface IptablesRule {
  table: "nat" | "filter";
  chain: string;
  spec: string[];
  /** `first`: inserted at the top (before the guard's final DROP); else appended. */
  position?: "first";
}

/** mydocker's chains, by table. */
export function ownChains(guard: boolean): [table: "nat" | "filter", chain: string][] {
  return [
    ["nat", Chain.PUBLISH],
    ["nat", Chain.POSTROUTING],
    ...(guard ? [["filter", Chain.FORWARD] as ["filter", string]] : []),
  ];
}

/**
 * The jumps from the built-in chains into mydocker's (published ports for traffic to a local
 * address, from other hosts and from the host itself), and the guard's final DROP.
 */
export function jumpRules(guard: boolean): IptablesRule[] {
  const local = ["-m", "addrtype", "--dst-type", "LOCAL", "-j", Chain.PUBLISH];
  return [
    { table: "nat", chain: "PREROUTING", spec: local },
    { table: "nat", chain: "OUTPUT", spec: local },
    { table: "nat", chain: "POSTROUTING", spec: ["-j", Chain.POSTROUTING] },
    ...(guard
      ? [
        { table: "filter" as const, chain: "FORWARD", spec: ["-j", Chain.FORWARD] },
        { table: "filter" as const, chain: Chain.FORWARD, spec: ["-j", "DROP"] },
      ]
      : []),
  ];
}

/** The rules of network bridge `bridge` on `subnet`: its masquerades and its guard exceptions. */
export function networkRules(bridge: string, subnet: string, guard: boolean): IptablesRule[] {
  const post = (spec: string[]): IptablesRule => ({
    table: "nat",
    chain: Chain.POSTROUTING,
    spec: [...spec, "-j", "MASQUERADE"],
  });
  return [
    post(["-s", "127.0.0.0/8", "-o", bridge]),
    post(["-s", subnet, "-o", bridge, "-m", "conntrack", "--ctstate", "DNAT"]),
    post(["-s", subnet, "!", "-o", bridge]),
    ...(guard
      ? (["-i", "-o"] as const).map((direction): IptablesRule => ({
        table: "filter",
        chain: Chain.FORWARD,
        spec: [direction, bridge, "-j", "RETURN"],
        position: "first",
      }))
      : []),
  ];
}

/** The DNAT rules that publish `ports` of the container at `address`. */
export function portRules(ports: readonly PortBinding[], address: string): IptablesRule[] {
  return ports.map((port) => ({
    table: "nat",
    chain: Chain.PUBLISH,
    spec: [
      ...(port.hostIp === "0.0.0.0" ? [] : ["-d", port.hostIp]),
      "-p",
      port.protocol,
      "--dport",
      String(port.hostPort),
      "-j",
      "DNAT",
      "--to-destination",
      `${address}:${port.containerPort}`,
    ],
  }));
}
