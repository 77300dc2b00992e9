/**
 * The container's console for `mydocker run -t`, init-stage side (as runc's console socket): a
 * pseudo-terminal from the container's own devpts instance, whose master goes to mydocker over
 * a Unix socket and whose slave is bound at /dev/console and becomes the command's controlling
 * terminal, stdin, stdout and stderr.
 *
 * @module
 */

import { OpenFlag } from "../../sys/fs.ts";
import { MountFlag } from "../../sys/mount.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/**
 * Creates the console once the container's /dev/pts is mounted: opens a new pseudo-terminal
 * there, binds its slave at /dev/console (unless `bindConsole` is false, as for `exec`, whose
 * terminal is not the container's console), sends the master to mydocker over `socketFd` and
 * closes the master (the socket is the caller's to close). Returns the slave's path
 * (`/dev/pts/N`), which the command opens as its terminal ({@linkcode openConsole}, or a spawn
 * file action).
 */
export function createConsole(socketFd: number, bindConsole = true, sys: Sys = realSys): string {
  const { RDWR, NOCTTY } = OpenFlag;
  const master = sys.open("/dev/pts/ptmx", RDWR | NOCTTY);
  try {
    const slavePath = `/dev/pts/${sys.unlockPseudoTerminal(master)}`;
    if (bindConsole) {
      sys.writeFile("/dev/console", "", 0o600);
      sys.mount(slavePath, "/dev/console", null, MountFlag.BIND, null);
    }
    sys.sendDescriptor(socketFd, master);
    return slavePath;
  } finally {
    sys.close(master);
  }
}

/** Opens the console slave at `path` (from {@linkcode createConsole}) for {@linkcode attachConsole}. */
export function openConsole(path: string, sys: Sys = realSys): number {
  return sys.open(path, OpenFlag.RDWR | OpenFlag.NOCTTY);
}

/**
 * Makes the console slave `slave` the controlling terminal of the calling process (a session
 * leader: the init stage is spawned in a session of its own) and its stdin, stdout and stderr.
 */
export function attachConsole(slave: number, sys: Sys = realSys): void {
  sys.setControllingTerminal(slave);
  for (const fd of [0, 1, 2]) sys.dup2(slave, fd);
  if (slave > 2) sys.close(slave);
}
