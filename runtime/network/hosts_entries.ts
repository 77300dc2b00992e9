/**
 * Names on a user network, Docker's embedded DNS done with /etc/hosts: each container's hosts
 * file lists the others of its network (name and short id), and gets its own line added to
 * theirs when it joins and removed when it leaves. The files are bound into the containers, so
 * they are rewritten in place (the same inode), never replaced.
 *
 * @module
 */

import type { Lease } from "./ipam.ts";

/** The hosts line by which the others reach the container of `lease`. */
export function hostsLine(lease: Lease): string {
  return `${lease.address}\t${lease.name} ${lease.container.slice(0, 12)}`;
}

function appendMissing(path: string, lines: readonly string[]): void {
  try {
    const text = Deno.readTextFileSync(path);
    const present = new Set(text.split("\n"));
    const missing = lines.filter((line) => !present.has(line));
    if (missing.length > 0) {
      Deno.writeTextFileSync(path, missing.map((line) => `${line}\n`).join(""), { append: true });
    }
  } catch {
    // The other container is being removed.
  }
}

/** Lists `peers` in `lease`'s hosts file and `lease` in theirs. */
export function joinHosts(lease: Lease, peers: readonly Lease[]): void {
  appendMissing(lease.hostsFile, peers.map(hostsLine));
  for (const peer of peers) appendMissing(peer.hostsFile, [hostsLine(lease)]);
}

/** Removes `lease`'s line from its peers' hosts files. */
export function leaveHosts(lease: Lease, peers: readonly Lease[]): void {
  const line = hostsLine(lease);
  for (const peer of peers) {
    try {
      const text = Deno.readTextFileSync(peer.hostsFile);
      const kept = text.split("\n").filter((candidate) => candidate !== line).join("\n");
      if (kept !== text) Deno.writeTextFileSync(peer.hostsFile, kept);
    } catch {
      // The other container is being removed.
    }
  }
}
