/**
 * The last steps before a container's command runs, shared by the init stage and the exec stage:
 * the user from the container's own /etc/passwd, the stdio mydocker made handed to that user,
 * HOME, the bounding set, no_new_privs, seccomp,
 * the user switch, and the remaining capabilities, in that order (seccomp while CAP_SYS_ADMIN is
 * still held, capabilities after the switch, which clears the effective and permitted sets of a
 * non-root user; the inheritable and ambient sets are cleared for every user).
 *
 * @module
 */

import type { ProcessCredentials } from "../spec/container_spec.ts";
import { limitBoundingSet, setCapabilities } from "./capability_sets.ts";
import { Prctl } from "../../sys/process.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import { installSeccomp } from "./seccomp.ts";
import { resolveContainerUser } from "./user.ts";

/**
 * Makes the calling thread run as `credentials` say, resolving the user against the current
 * root (the container's); returns the environment for the command, HOME included.
 */
export function takeOnCredentials(
  credentials: ProcessCredentials,
  sys: Sys = realSys,
): string[] {
  const user = resolveContainerUser(credentials.user, sys);
  if (user.uid !== 0) {
    for (const fd of credentials.stdioToChown ?? []) sys.fchown(fd, user.uid, user.gid);
    if (credentials.terminalToChown !== undefined) {
      sys.chown(credentials.terminalToChown, user.uid, user.gid);
    }
  }
  const env = credentials.env.some((entry) => entry.startsWith("HOME="))
    ? [...credentials.env]
    : [...credentials.env, `HOME=${user.home}`];
  const capabilities = limitBoundingSet(credentials.capabilities, sys);
  if (credentials.noNewPrivileges) sys.prctl(Prctl.SET_NO_NEW_PRIVS, 1);
  if (credentials.seccomp) installSeccomp(credentials.capabilities, sys);
  sys.switchUser(user.uid, user.gid, user.additionalGids);
  setCapabilities(user.uid === 0 ? capabilities : 0n, sys);
  return env;
}
