/**
 * The network keys of mydocker's config file (Docker's `daemon.json` keys): `bip` (the default
 * bridge's address and prefix, `172.26.0.1/16`), `default-address-pools` (`[{"base":
 * "10.10.0.0/16", "size": 24}]`, where networks without `--subnet` get theirs), and `bridge`
 * (`"none"`: no default bridge, so containers get `--network none` by default). Pure.
 *
 * @module
 */

import { type AddressPool, DEFAULT_ADDRESS_POOLS, parseAddress, parseSubnet } from "./subnet.ts";

/** The network settings of the config file. */
export interface NetworkConfig {
  /** `bip`: the default bridge's gateway address and prefix. */
  bip?: string;
  /** `default-address-pools`, else Docker's. */
  pools: readonly AddressPool[];
  /** `"bridge": "none"`: no default bridge network. */
  bridgeDisabled: boolean;
}

/**
 * Reads the network keys of config file text `text` (`file` names it in errors); a missing
 * file is `undefined` text, all defaults.
 *
 * @throws {RangeError} `Cannot load config file "…": …` for a malformed value.
 */
export function parseNetworkConfig(text: string | undefined, file: string): NetworkConfig {
  const fail = (why: string): never => {
    throw new RangeError(`Cannot load config file "${file}": ${why}`);
  };
  let json: Record<string, unknown> = {};
  try {
    if (text !== undefined) json = JSON.parse(text);
  } catch (error) {
    fail((error as Error).message);
  }
  const bip = json["bip"];
  if (bip !== undefined) {
    const [address] = typeof bip === "string" ? bip.split("/") : [];
    try {
      parseSubnet(String(bip));
      parseAddress(address ?? "");
    } catch {
      fail(
        `"bip" must be an address with a prefix such as "172.26.0.1/16", got ${
          JSON.stringify(bip)
        }`,
      );
    }
  }
  const pools = json["default-address-pools"];
  if (pools !== undefined) {
    const valid = Array.isArray(pools) && pools.every((pool) => {
      try {
        parseSubnet(pool.base);
        return Number.isInteger(pool.size) && pool.size >= parseSubnet(pool.base).prefix &&
          pool.size <= 30;
      } catch {
        return false;
      }
    });
    if (!valid) fail(`"default-address-pools" must be a list of {"base": CIDR, "size": N}`);
  }
  return {
    ...(typeof bip === "string" ? { bip } : {}),
    pools: pools === undefined ? DEFAULT_ADDRESS_POOLS : pools as AddressPool[],
    bridgeDisabled: json["bridge"] === "none",
  };
}
