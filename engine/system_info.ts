/**
 * What `version` and `info` report, with the field names of Docker's `types.Version` and
 * `system.Info` for what mydocker has: its version, the runtime under it, the host (kernel, OS,
 * CPUs, memory, cgroups) and how many containers and images the state root holds.
 *
 * @module
 */

import { containerSummaries } from "./container_listing.ts";
import { listImages } from "./images.ts";
import { MYDOCKER_VERSION } from "./version.ts";
import { hostPlatform } from "../registry/format/platform.ts";

/** `version`'s data: Docker's `Client` and `Server`, both mydocker here (it has no daemon). */
export function versionInfo() {
  const { os, architecture } = hostPlatform();
  return {
    Client: {
      Version: MYDOCKER_VERSION,
      DenoVersion: Deno.version.deno,
      V8Version: Deno.version.v8,
      TypeScriptVersion: Deno.version.typescript,
      Os: os,
      Arch: architecture,
    },
    Server: {
      Version: MYDOCKER_VERSION,
      Os: os,
      Arch: architecture,
      KernelVersion: Deno.osRelease(),
    },
  };
}

/** The `PRETTY_NAME` of `/etc/os-release`, or "Linux". */
function operatingSystem(): { name: string; version: string } {
  try {
    const text = Deno.readTextFileSync("/etc/os-release");
    const value = (key: string) => new RegExp(`^${key}="?([^"\\n]*)"?$`, "m").exec(text)?.[1] ?? "";
    return { name: value("PRETTY_NAME") || "Linux", version: value("VERSION_ID") };
  } catch {
    return { name: "Linux", version: "" };
  }
}

/** "2" where `/sys/fs/cgroup` is the unified (v2) hierarchy, else "1". */
function cgroupVersion(): string {
  try {
    Deno.statSync("/sys/fs/cgroup/cgroup.controllers");
    return "2";
  } catch {
    return "1";
  }
}

/** `info`'s data for the state root `root`, with Docker's `system.Info` field names. */
export async function systemInfo(root: string) {
  const containers = await containerSummaries(root, true);
  const running = containers.filter((c) => c.state.status === "running").length;
  const images = await listImages(root).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  });
  const os = operatingSystem();
  return {
    ID: "",
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: 0,
    ContainersStopped: containers.length - running,
    Images: new Set(images.map((image) => image.id)).size,
    Driver: "overlayfs",
    CgroupDriver: "cgroupfs",
    CgroupVersion: cgroupVersion(),
    KernelVersion: Deno.osRelease(),
    OperatingSystem: os.name,
    OSVersion: os.version,
    OSType: "linux",
    Architecture: Deno.build.arch,
    NCPU: navigator.hardwareConcurrency,
    MemTotal: Deno.systemMemoryInfo().total,
    DockerRootDir: root,
    Name: Deno.hostname(),
    ServerVersion: MYDOCKER_VERSION,
    SecurityOptions: ["name=seccomp,profile=builtin", "name=cgroupns"],
    DefaultRuntime: "mydocker",
  };
}
