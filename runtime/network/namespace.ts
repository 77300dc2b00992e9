/**
 * Network namespaces made and entered from mydocker's own thread: a container's is created
 * before the container starts (the in-place start or the init stage joins it), so that its veth,
 * address and route are ready before its command runs, on every start path.
 *
 * @module
 */

import { close, open, OpenFlag } from "../../sys/fs.ts";
import { CloneFlag, setns, unshare } from "../../sys/namespaces.ts";

const OWN = "/proc/thread-self/ns/net";

/**
 * Runs `action` with the calling thread in the network namespace open at `namespace`, and
 * returns the thread to its own namespace afterwards (whatever `action` did).
 */
export function inNetworkNamespace<T>(namespace: number, action: () => T): T {
  const own = open(OWN, OpenFlag.RDONLY);
  try {
    setns(namespace, CloneFlag.NEWNET);
    try {
      return action();
    } finally {
      setns(own, CloneFlag.NEWNET);
    }
  } finally {
    close(own);
  }
}

/**
 * Creates a new network namespace (the calling thread returns to its own at once) and returns
 * a descriptor of it; the namespace lives while the descriptor or a process holds it.
 */
export function createNetworkNamespace(): number {
  const own = open(OWN, OpenFlag.RDONLY);
  try {
    unshare(CloneFlag.NEWNET);
    try {
      return open(OWN, OpenFlag.RDONLY);
    } finally {
      setns(own, CloneFlag.NEWNET);
    }
  } finally {
    close(own);
  }
}
