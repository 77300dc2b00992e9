/**
 * Where the calling thread is (its namespaces, PID namespace for children, root and working
 * directory), saved before it enters a container's namespaces and restored afterwards: the
 * in-place start (`spawn_in_place.ts`) and the hooks spawned in a container
 * (`runtime/host/within_container.ts`).
 *
 * @module
 */

import { OpenFlag } from "../../sys/fs.ts";
import { CloneFlag } from "../../sys/namespaces.ts";
import type { Sys } from "../../sys/sys.ts";

/** The calling thread's namespaces, root and working directory, to come back to. */
export interface Origin {
  /** The namespaces it will leave, open, with their types. */
  namespaces: [fd: number, type: number][];
  /** Its own PID namespace, which its children go back to. */
  pidNamespace: number;
  /** Its root, open O_PATH. */
  root: number;
  /** Its working directory, open O_PATH. */
  cwd: number;
}

/** The namespaces a thread may leave and come back to, by their /proc name, mount first. */
export const NAMESPACE_TYPES = [
  ["mnt", CloneFlag.NEWNS],
  ["uts", CloneFlag.NEWUTS],
  ["ipc", CloneFlag.NEWIPC],
  ["net", CloneFlag.NEWNET],
] as const;

/**
 * Saves the calling thread's place: its namespaces among `namespaces` (`CloneFlag`s of mount,
 * UTS, IPC and network), its PID namespace, its root and working directory.
 */
export function saveOrigin(namespaces: number, sys: Sys): Origin {
  const origin: Origin = { namespaces: [], pidNamespace: -1, root: -1, cwd: -1 };
  try {
    for (const [name, type] of NAMESPACE_TYPES) {
      if ((namespaces & type) === 0) continue;
      origin.namespaces.push([sys.open(`/proc/thread-self/ns/${name}`, OpenFlag.RDONLY), type]);
    }
    origin.pidNamespace = sys.open("/proc/thread-self/ns/pid", OpenFlag.RDONLY);
    origin.root = sys.open("/", OpenFlag.PATH | OpenFlag.DIRECTORY);
    origin.cwd = sys.open(".", OpenFlag.PATH | OpenFlag.DIRECTORY);
    return origin;
  } catch (error) {
    closeOrigin(origin, sys);
    throw error;
  }
}

/** Closes the descriptors of `origin`. */
export function closeOrigin(origin: Origin, sys: Sys): void {
  const fds = [
    ...origin.namespaces.map(([fd]) => fd),
    origin.pidNamespace,
    origin.root,
    origin.cwd,
  ];
  for (const fd of fds) if (fd >= 0) sys.close(fd);
}

/** Brings the calling thread back to `origin`: its namespaces, then its root and cwd. */
export function returnTo(origin: Origin, sys: Sys): void {
  for (const [fd, type] of origin.namespaces) sys.setns(fd, type);
  sys.fchdir(origin.root);
  sys.chroot(".");
  sys.fchdir(origin.cwd);
}
