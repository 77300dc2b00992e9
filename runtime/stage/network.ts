/**
 * Network setup inside the container: loopback in a namespace of its own, or the namespace the
 * host prepared, joined.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { OpenFlag } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const IFREQ_BYTES = 40;
const IFNAMSIZ = 16;

/** Brings the loopback interface `lo` up in the calling thread's network namespace. */
export function bringLoopbackUp(sys: Sys = realSys): void {
  const fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
  try {
    const request = new Uint8Array(IFREQ_BYTES);
    request.set(new TextEncoder().encode("lo"));
    sys.ioctl(fd, SIOCGIFFLAGS, request);
    const view = new DataView(request.buffer);
    const flags = view.getUint16(IFNAMSIZ, true) | IFF_UP | IFF_RUNNING;
    view.setUint16(IFNAMSIZ, flags, true);
    sys.ioctl(fd, SIOCSIFFLAGS, request);
  } finally {
    sys.close(fd);
  }
}

/**
 * Moves the calling thread into the network namespace the host prepared for the container (its
 * veth, address and routes already set up), when the spec names one to join.
 */
export function joinNetwork(spec: ContainerSpec, sys: Sys = realSys): void {
  if (typeof spec.network !== "object") return;
  const fd = sys.open(spec.network.join, OpenFlag.RDONLY);
  try {
    sys.setns(fd, CloneFlag.NEWNET);
  } finally {
    sys.close(fd);
  }
}
