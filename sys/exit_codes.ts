/**
 * Exit codes, one table for the whole program: Docker's for mydocker's own failures and for a
 * command that cannot run, 128 + the signal for a process a signal ended, and the error type
 * that carries one.
 *
 * @module
 */

import { SIGNALS } from "./signals.ts";

/**
 * Exit code of a command that found nothing to act on, where Docker's client ends with its
 * generic failure (`inspect` of a name that exists nowhere).
 */
export const EXIT_NOT_FOUND_BY_CLIENT = 1;
/** Exit code for mydocker's own failures. */
export const EXIT_MYDOCKER_FAILED = 125;
/** Exit code when the command exists but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;
/** Exit code when the command is not found. */
export const EXIT_NOT_FOUND = 127;

/** The exit code of a process that signal `signal` ended, as shells and Docker report it. */
export function exitCodeForSignal(signal: number): number {
  return 128 + signal;
}

/** Exit code of a container SIGKILLed (by `kill`, the OOM killer, or with its monitor): 137. */
export const EXIT_KILLED = exitCodeForSignal(SIGNALS.KILL);

/** The exit code of a process that ended: its own, or the one for the signal that ended it. */
export function exitCodeOf(status: { code?: number; signal?: number }): number {
  return status.code ?? exitCodeForSignal(status.signal!);
}

/** An error that ends mydocker with a specific exit code. */
export class ExitCodeError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: number;

  /** Builds the error with its message and exit code (125 unless given). */
  constructor(message: string, exitCode: number = EXIT_MYDOCKER_FAILED, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExitCodeError";
    this.exitCode = exitCode;
  }
}

/**
 * Says briefly why a file system call failed: `"no such file or directory"` for Deno's
 * NotFound, `"no space left on device"` for ENOSPC, and so on; the error's own message otherwise.
 */
export function fsErrorReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file or directory";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  if (error instanceof Deno.errors.NotADirectory) return "not a directory";
  if (error instanceof Deno.errors.AlreadyExists) return "file exists";
  if ((error as { code?: unknown } | null)?.code === "ENOSPC") return "no space left on device";
  return error instanceof Error ? error.message : String(error);
}
