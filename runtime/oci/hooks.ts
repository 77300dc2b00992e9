/**
 * An OCI config's hooks, run as runc runs them: each in turn, its path and argv as the config
 * gives them (argv[0] included), its environment only the config's, the container's state JSON
 * on its stdin, its stdout and stderr kept for the error; killed when it runs past its
 * `timeout`; a hook that fails stops the rest. Synchronous: the in-place start runs the
 * `createContainer` hooks on the thread that sits in the container's mount namespace before its
 * pivot, and `start` spawns the `startContainer` hooks inside the container
 * (`runtime/host/within_container.ts`).
 *
 * @module
 */

import { close, memoryFile, readAll, rewind } from "../../sys/fs.ts";
import { type ExitStatus, kill, waitForChild, waitForChildWithin } from "../../sys/process.ts";
import { SIGNALS } from "../../sys/signals.ts";
import { realSys, type Sys } from "../../sys/sys.ts";
import type { OciHook } from "./config.ts";

/** The error of a hook that failed, ran past its timeout or could not be started. */
export class HookFailed extends Error {
  /** `message` names the hook and says what went wrong. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HookFailed";
  }
}

/**
 * Spawns the hook through `spawn` (which may enter namespaces around it) and returns its pid;
 * by default, from where the calling thread is.
 */
export type HookSpawner = (spawn: () => number) => number;

const here: HookSpawner = (spawn) => spawn();

/** Why a hook's end counts as a failure, or undefined when it succeeded. */
function failure(status: ExitStatus): string | undefined {
  if (status.signal !== undefined) return `killed by signal ${status.signal}`;
  return status.code === 0 ? undefined : `exit ${status.code}`;
}

/** Runs one hook; throws {@linkcode HookFailed} when it fails. */
function runHook(
  hook: OciHook,
  state: Uint8Array<ArrayBuffer>,
  what: string,
  spawner: HookSpawner,
  sys: Sys,
): void {
  const name = `${what} hook "${hook.path}"`;
  const input = memoryFile("oci-hook-state", state);
  const output = memoryFile("oci-hook-output", new Uint8Array(0));
  try {
    rewind(input);
    const argv = hook.args === undefined || hook.args.length === 0 ? [hook.path] : hook.args;
    let pid: number;
    try {
      pid = spawner(() =>
        sys.spawn(hook.path, argv, hook.env ?? [], {
          group: "inherit",
          actions: [
            { op: "dup2", from: input, to: 0 },
            { op: "dup2", from: output, to: 1 },
            { op: "dup2", from: output, to: 2 },
          ],
        })
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new HookFailed(`${name} could not be started: ${message}`, { cause: error });
    }
    const status = hook.timeout === undefined
      ? waitForChild(pid)
      : waitForChildWithin(pid, hook.timeout * 1000);
    if (status === undefined) {
      kill(pid, SIGNALS.KILL);
      waitForChild(pid);
      throw new HookFailed(`${name} ran past its timeout of ${hook.timeout}s`);
    }
    const reason = failure(status);
    if (reason === undefined) return;
    rewind(output);
    const detail = new TextDecoder().decode(readAll(output)).trim();
    throw new HookFailed(`${name} failed (${reason})${detail === "" ? "" : `: ${detail}`}`);
  } finally {
    close(input);
    close(output);
  }
}

/**
 * Runs `hooks` in order with `state` (the OCI state JSON) on their stdin, each spawned through
 * `spawner`.
 *
 * @throws {HookFailed} at the first hook that fails (exits non-zero or by a signal), runs past
 * its timeout, or cannot be started; the rest do not run.
 */
export function runHooks(
  hooks: readonly OciHook[] | undefined,
  state: Record<string, unknown>,
  what: string,
  spawner: HookSpawner = here,
  sys: Sys = realSys,
): void {
  if (hooks === undefined || hooks.length === 0) return;
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  for (const hook of hooks) runHook(hook, bytes, what, spawner, sys);
}
