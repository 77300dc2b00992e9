/**
 * `--security-opt` values: `seccomp=unconfined` and `no-new-privileges`.
 *
 * @module
 */

import { ExitCodeError } from "../sys/exit_codes.ts";

/** What the security options turn on or off. */
export interface SecuritySettings {
  /** Whether Docker's default seccomp profile applies. */
  seccomp: boolean;
  /** Whether no_new_privs is set. */
  noNewPrivileges: boolean;
}

/** Parses the `--security-opt` values; throws an ExitCodeError (125) for unsupported ones. */
export function parseSecurityOptions(values: readonly string[]): SecuritySettings {
  const settings: SecuritySettings = { seccomp: true, noNewPrivileges: false };
  for (const value of values) {
    const [key = "", option] = value.split(/[=:]/, 2);
    if (key === "seccomp" && option === "unconfined") settings.seccomp = false;
    else if (key === "no-new-privileges" && (option === undefined || option === "true")) {
      settings.noNewPrivileges = true;
    } else if (key === "no-new-privileges" && option === "false") settings.noNewPrivileges = false;
    else {
      throw new ExitCodeError(
        `Cannot use --security-opt "${value}": supported are seccomp=unconfined and no-new-privileges`,
      );
    }
  }
  return settings;
}
