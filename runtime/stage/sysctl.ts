/**
 * An OCI config's `linux.sysctl`: kernel parameters of the container's own namespaces (its
 * network, IPC and UTS ones), written through /proc/sys by the thread that has entered them
 * and still sees the host's /proc, which shows each parameter of the writer's namespaces.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/** Sets the spec's kernel parameters (`net.ipv4.ping_group_range` at /proc/sys/net/ipv4/…). */
export function applySysctls(spec: ContainerSpec, sys: Sys = realSys): void {
  for (const [key, value] of Object.entries(spec.sysctl ?? {})) {
    sys.writeFile(`/proc/sys/${key.replaceAll(".", "/")}`, value);
  }
}
