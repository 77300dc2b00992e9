/**
 * The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf: written in the container's
 * directory and bound over the image's, so the image's layers are never written.
 *
 * @module
 */

import type { ContainerMount } from "../spec/container_spec.ts";
import { ExitCodeError, fsErrorReason } from "../../sys/exit_codes.ts";

/** Docker's fallback when the host has no usable resolver configuration. */
const FALLBACK_RESOLV_CONF = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";

/** The text of the container's /etc/hosts. */
export function hostsFile(hostname: string): string {
  return [
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "ff00::0\tip6-mcastprefix",
    "ff02::1\tip6-allnodes",
    "ff02::2\tip6-allrouters",
    `127.0.0.1\t${hostname}`,
    "",
  ].join("\n");
}

function hostResolvConf(): string {
  try {
    const text = Deno.readTextFileSync("/etc/resolv.conf");
    return text.includes("nameserver") ? text : FALLBACK_RESOLV_CONF;
  } catch {
    return FALLBACK_RESOLV_CONF;
  }
}

/**
 * Writes the three files into `dir` and returns the bind mounts that put them in /etc.
 *
 * @throws {ExitCodeError} (125) when a file cannot be written: `…: no space left on device`.
 */
export function writeEtcFiles(dir: string, hostname: string): ContainerMount[] {
  const files: [string, string][] = [
    ["hostname", `${hostname}\n`],
    ["hosts", hostsFile(hostname)],
    ["resolv.conf", hostResolvConf()],
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
