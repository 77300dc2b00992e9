/**
 * Doing something from the calling thread inside a running container: its mount, UTS, IPC and
 * network namespaces, its root, and its PID namespace for the thread's children; then back.
 * The OCI face spawns a config's `startContainer` hooks so (`runtime/oci/hooks.ts`).
 *
 * @module
 */

import { OpenFlag } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { closeOrigin, NAMESPACE_TYPES, returnTo, saveOrigin } from "../stage/thread_origin.ts";

/** The container's namespaces the thread enters: its PID namespace, for its children, too. */
const TYPES = [...NAMESPACE_TYPES, ["pid", CloneFlag.NEWPID]] as const;

/**
 * Calls `action` on the calling thread while it is in process `pid`'s namespaces and root (the
 * thread gets a file system context of its own for it); the processes it spawns meanwhile start
 * there, in `pid`'s PID namespace. The thread is back where it was when this returns or throws.
 */
export function withinContainer<T>(pid: number, action: () => T, sys: Sys = realSys): T {
  const { NEWNS, NEWUTS, NEWIPC, NEWNET, NEWPID } = CloneFlag;
  const origin = saveOrigin(NEWNS | NEWUTS | NEWIPC | NEWNET, sys);
  const fds: [number, number][] = [];
  try {
    for (const [name, type] of TYPES) {
      fds.push([sys.open(`/proc/${pid}/ns/${name}`, OpenFlag.RDONLY), type]);
    }
    sys.unshare(CloneFlag.FS);
    try {
      // The mount namespace first: entering it sets the thread's root and cwd to its root.
      for (const [fd, type] of fds) sys.setns(fd, type);
      return action();
    } finally {
      sys.setns(origin.pidNamespace, NEWPID);
      returnTo(origin, sys);
    }
  } finally {
    for (const [fd] of fds) sys.close(fd);
    closeOrigin(origin, sys);
  }
}
