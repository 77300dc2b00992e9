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
 * closes both. Returns the slave's descriptor, for {@linkcode attachConsole}.
 */
export function createConsole(socketFd: number, bindConsole = true, sys: Sys = realSys): number {
  const { RDWR, NOCTTY } = OpenFlag;
  const master = sys.open("/dev/pts/ptmx", RDWR | NOCTTY);
  try {
    const slavePath = `/dev/pts/${sys.unlockPseudoTerminal(master)}`;
    const slave = sys.open(slavePath, RDWR | NOCTTY);
    if (bindConsole) {
      sys.writeFile("/dev/console", "", 0o600);
      sys.mount(slavePath, "/dev/console", null, MountFlag.BIND, null);
    }
    sys.sendDescriptor(socketFd, master);
    return slave;
  } finally {
    sys.close(master);
    sys.close(socketFd);
  }
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
