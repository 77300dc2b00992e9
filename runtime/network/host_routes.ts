/**
 * The subnets the host already routes (`/proc/net/route`), which a new network must not clash
 * with, as Docker checks.
 *
 * @module
 */

import type { Subnet } from "./subnet.ts";

/** The destinations of the host's IPv4 routes, the default route left out. */
export function hostRouteSubnets(table = "/proc/net/route"): Subnet[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(table);
  } catch {
    return [];
  }
  return text.trim().split("\n").slice(1).flatMap((line) => {
    const [, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (destination === undefined || mask === undefined) return [];
    const swap = (hex: string) => Number.parseInt(hex.match(/../g)!.reverse().join(""), 16) >>> 0;
    const maskValue = swap(mask);
    if (maskValue === 0) return [];
    const prefix = 32 - Math.log2((~maskValue >>> 0) + 1);
    return [{ base: swap(destination), prefix }];
  });
}
