/**
 * The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf: written in the container's
 * directory and bound over the image's, so the image's layers are never written.
 *
 * @module
 */

import type { ContainerMount } from "../spec/container_spec.ts";
import type { EtcNetwork } from "../network/etc_network.ts";
import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";

/**
 * The text of the container's /etc/hosts: the standard entries, its hostname (at its address on
 * a bridge network, else 127.0.0.1), then `extraHosts` (`--add-host`, the others of its network).
 */
export function hostsFile(
  hostname: string,
  address = "127.0.0.1",
  extraHosts: readonly [string, string][] = [],
): string {
  return [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    `${address}\t${hostname}`,
    ...extraHosts.map(([name, ip]) => `${ip}\t${name}`),
    "",
  ].join("\n");
}

/**
 * Writes the three files into `dir` and returns the bind mounts that put them in /etc.
 *
 * @throws {ExitCodeError} (125) when a file cannot be written: `…: no space left on device`.
 */
export function writeEtcFiles(
  dir: string,
  hostname: string,
  network: EtcNetwork,
): ContainerMount[] {
  const files: [string, string][] = [
    ["hostname", `${hostname}\n`],
    ["hosts", hostsFile(hostname, network.address, network.extraHosts)],
    ["resolv.conf", network.resolvConf],
  ];
  return files.map(([name, text]) => {
    try {
      Deno.writeTextFileSync(`${dir}/${name}`, text);
    } catch (error) {
      throw new ExitCodeError(`Cannot write "${dir}/${name}": ${fsErrorReason(error)}`);
    }
    return { type: "bind", source: `${dir}/${name}`, target: `/etc/${name}`, readonly: false };
  });
}
