/**
 * `mydocker attach [--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] CONTAINER`: the
 * container's terminal (or, without one, its output) here until it ends, whose exit code it
 * returns, or until the detach keys are typed (exit 0, nothing printed, as Docker).
 *
 * @module
 */

import { attachContainer, type AttachOptions } from "../engine/attach_container.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../runtime/spec/detach_keys.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { printLogEntry } from "./logs_command.ts";

/** The bytes of `--detach-keys` (Docker's default without it); ExitCodeError (125) if bad. */
export function detachKeys(keys: string | undefined): Uint8Array {
  try {
    return parseDetachKeys(keys ?? DEFAULT_DETACH_KEYS);
  } catch (error) {
    throw new ExitCodeError((error as Error).message);
  }
}

/** The engine's attach options for what the command line says. */
export function attachOptions(
  options: { stdin: boolean; sigProxy: boolean; detachKeys: string | undefined },
): AttachOptions {
  return {
    stdin: options.stdin,
    sigProxy: options.sigProxy,
    detachKeys: detachKeys(options.detachKeys),
    print: (entry) => printLogEntry(entry, false),
  };
}

/** Attaches to container `reference`; returns its exit code, or 0 after a detach. */
export async function attachCommand(
  root: string,
  reference: string,
  options: { stdin: boolean; sigProxy: boolean; detachKeys: string | undefined },
): Promise<number> {
  const end = await attachContainer(root, reference, attachOptions(options));
  return end === "detached" ? 0 : end;
}
