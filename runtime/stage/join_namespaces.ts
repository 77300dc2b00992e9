/**
 * Namespaces a container joins by path besides its network one (an OCI config's IPC and UTS
 * namespaces of a pod's sandbox), entered by the thread that builds the container once it has
 * unshared its own.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { OpenFlag } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

const TYPES = { ipc: CloneFlag.NEWIPC, uts: CloneFlag.NEWUTS } as const;

/** Enters each namespace the spec names by path. */
export function joinNamespaces(spec: ContainerSpec, sys: Sys = realSys): void {
  for (const { type, path } of spec.joinNamespaces ?? []) {
    const fd = sys.open(path, OpenFlag.RDONLY);
    try {
      sys.setns(fd, TYPES[type]);
    } finally {
      sys.close(fd);
    }
  }
}
