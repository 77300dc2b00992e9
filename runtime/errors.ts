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
