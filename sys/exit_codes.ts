/**
 * The runtime's error types, each carrying the exit code Docker uses for it.
 *
 * @module
 */

/** Exit code for mydocker's own failures. */
export const EXIT_MYDOCKER_FAILED = 125;
/** Exit code when the command exists but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;
/** Exit code when the command is not found. */
export const EXIT_NOT_FOUND = 127;

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
