/**
 * ChainIDs, as the OCI image spec defines them: the first layer's ChainID is its DiffID, and
 * each next one is `sha256(parent ChainID + " " + DiffID)`. A ChainID names a layer together with
 * everything below it, so the store keeps one unpacked copy per position: an image that lists the
 * same layer twice gets two distinct directories, as Docker and containerd key them. Pure.
 *
 * @module
 */

import { parseDigest, sha256Digest } from "./digest.ts";

const encoder = new TextEncoder();

/**
 * Returns the ChainID of every position of `diffIds` (bottom layer first).
 * @throws {InvalidDigestError} on a malformed DiffID.
 */
export async function chainIds(diffIds: readonly string[]): Promise<string[]> {
  const chain: string[] = [];
  for (const diffId of diffIds) {
    parseDigest(diffId);
    const parent = chain.at(-1);
    chain.push(
      parent === undefined ? diffId : await sha256Digest(encoder.encode(`${parent} ${diffId}`)),
    );
  }
  return chain;
}
