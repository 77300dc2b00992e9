/**
 * `mydocker version` and `mydocker info`: what mydocker and its host are, laid out as Docker
 * lays them out, or through `--format`.
 *
 * @module
 */

import { formatBinaryBytes } from "./format_bytes.ts";
import { systemInfo, versionInfo } from "../engine/system_info.ts";
import { printFormatted } from "./format_option.ts";

/** Lays out `label: value` pairs with the values aligned, indented by `indent`. */
function aligned(indent: string, pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 2;
  return pairs.map(([label, value]) => `${indent}${`${label}:`.padEnd(width)}${value}`);
}

/** `mydocker version [-f FORMAT]`. */
export function versionCommand(format: string | undefined): number {
  const version = versionInfo();
  if (format !== undefined) {
    printFormatted(format, [version]);
    return 0;
  }
  const { Client: client, Server: server } = version;
  console.log([
    "Client:",
    ...aligned(" ", [
      ["Version", client.Version],
      ["Deno version", client.DenoVersion],
      ["V8 version", client.V8Version],
      ["TypeScript version", client.TypeScriptVersion],
      ["OS/Arch", `${client.Os}/${client.Arch}`],
    ]),
    "",
    "Server: mydocker (no daemon)",
    " Engine:",
    ...aligned("  ", [
      ["Version", server.Version],
      ["OS/Arch", `${server.Os}/${server.Arch}`],
      ["Kernel Version", server.KernelVersion],
    ]),
  ].join("\n"));
  return 0;
}

/** `mydocker info [-f FORMAT]`. */
export async function infoCommand(root: string, format: string | undefined): Promise<number> {
  const info = await systemInfo(root);
  if (format !== undefined) {
    printFormatted(format, [info]);
    return 0;
  }
  console.log([
    "Server:",
    ` Containers: ${info.Containers}`,
    `  Running: ${info.ContainersRunning}`,
    `  Paused: ${info.ContainersPaused}`,
    `  Stopped: ${info.ContainersStopped}`,
    ` Images: ${info.Images}`,
    ` Server Version: ${info.ServerVersion}`,
    ` Storage Driver: ${info.Driver}`,
    ` Cgroup Driver: ${info.CgroupDriver}`,
    ` Cgroup Version: ${info.CgroupVersion}`,
    " Security Options:",
    "  seccomp",
    "   Profile: builtin",
    "  cgroupns",
    ` Kernel Version: ${info.KernelVersion}`,
    ` Operating System: ${info.OperatingSystem}`,
    ` OSType: ${info.OSType}`,
    ` Architecture: ${info.Architecture}`,
    ` CPUs: ${info.NCPU}`,
    ` Total Memory: ${formatBinaryBytes(info.MemTotal)}`,
    ` Name: ${info.Name}`,
    ` Docker Root Dir: ${info.DockerRootDir}`,
  ].join("\n"));
  return 0;
}
