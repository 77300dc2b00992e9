/**
 * The last steps before a container's command runs, shared by the init stage and the exec stage:
 * the user from the container's own /etc/passwd, HOME, the bounding set, no_new_privs, seccomp,
 * the user switch, and the remaining capabilities, in that order (seccomp while CAP_SYS_ADMIN is
 * still held, capabilities after the switch, which clears the effective and permitted sets of a
 * non-root user; the inheritable and ambient sets are cleared for every user).
 *
 * @module
 */

import type { ProcessCredentials } from "../spec/container_spec.ts";
import { limitBoundingSet, setCapabilities } from "./capability_sets.ts";
import { switchUser } from "../../sys/credentials.ts";
import { Prctl, prctl } from "../../sys/process.ts";
import { installSeccomp } from "./seccomp.ts";
import { resolveContainerUser } from "./user.ts";

/**
 * Makes the calling thread run as `credentials` say, resolving the user against the current
 * root (the container's); returns the environment for the command, HOME included.
 */
export function takeOnCredentials(credentials: ProcessCredentials): string[] {
  const user = resolveContainerUser(credentials.user);
  const env = credentials.env.some((entry) => entry.startsWith("HOME="))
    ? [...credentials.env]
    : [...credentials.env, `HOME=${user.home}`];
  const capabilities = limitBoundingSet(credentials.capabilities);
  if (credentials.noNewPrivileges) prctl(Prctl.SET_NO_NEW_PRIVS, 1);
  if (credentials.seccomp) installSeccomp(credentials.capabilities);
  switchUser(user.uid, user.gid, user.additionalGids);
  setCapabilities(user.uid === 0 ? capabilities : 0n);
  return env;
}
