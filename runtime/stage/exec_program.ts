/**
 * Finds the container's command and replaces the init stage with it (or, for `--init`, starts it),
 * turning failures into Docker's exit codes: 127 when the command is not found, 126 when it cannot
 * be executed.
 *
 * @module
 */

import { DEFAULT_PATH } from "../spec/environment.ts";
import { Errno, errnoDescription } from "../../sys/errno.ts";
import { EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, ExitCodeError } from "../../sys/exit_codes.ts";
import { SyscallError } from "../../sys/ffi.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

function isExecutableFile(path: string, sys: Sys): boolean {
  const info = sys.statIfPresent(path);
  return info !== undefined && info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
}

/**
 * Resolves `command` as execvp does: names with a slash are used as they are, others are
 * searched in the environment's PATH. Throws an ExitCodeError (127) when nothing is found.
 */
export function resolveCommand(
  command: string,
  env: readonly string[],
  sys: Sys = realSys,
): string {
  if (command === "") throw new ExitCodeError(`Cannot run "": no command given`, EXIT_NOT_FOUND);
  if (command.includes("/")) return command;
  const pathValue = env.findLast((entry) => entry.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  for (const directory of pathValue.split(":")) {
    const candidate = `${directory === "" ? "." : directory}/${command}`;
    if (isExecutableFile(candidate, sys)) return candidate;
  }
  throw new ExitCodeError(
    `Cannot run "${command}": executable file not found in $PATH`,
    EXIT_NOT_FOUND,
  );
}

/**
 * The error for command `path` that could not be executed with `errno` (`isDirectory`: it is
 * a directory): 127 when it does not exist, 126 otherwise, as Docker.
 */
export function commandFailure(path: string, errno: number, isDirectory = false): ExitCodeError {
  const quoted = JSON.stringify(path);
  if (errno === Errno.ENOENT) {
    return new ExitCodeError(`Cannot run ${quoted}: no such file or directory`, EXIT_NOT_FOUND);
  }
  const reason = isDirectory ? "is a directory" : errnoDescription(errno);
  return new ExitCodeError(`Cannot run ${quoted}: ${reason}`, EXIT_CANNOT_EXECUTE);
}

/** Explains why `path` could not be executed, for the error message. */
function execFailure(path: string, error: SyscallError, sys: Sys): ExitCodeError {
  let isDirectory = false;
  try {
    isDirectory = sys.stat(path).isDirectory;
  } catch {
    // The errno already says why.
  }
  return commandFailure(path, error.errno, isDirectory);
}

/**
 * Checks that `path` can be executed by the calling thread (exists, is a file with an execute
 * bit), as the exec itself would: for a command started through a program that execs it, which
 * could report only an exit code. Throws ExitCodeError: 127 when it does not exist, 126 when it
 * cannot be executed.
 */
export function checkExecutable(path: string, sys: Sys = realSys): void {
  let status;
  try {
    status = sys.stat(path);
  } catch {
    throw execFailure(path, new SyscallError("stat", Errno.ENOENT), sys);
  }
  if (status.isDirectory || !status.isFile || ((status.mode ?? 0) & 0o111) === 0) {
    throw execFailure(path, new SyscallError("exec", Errno.EACCES), sys);
  }
}

/**
 * Resolves `args[0]` in `env`'s PATH and hands the path to `start` (an execve or a posix_spawn),
 * turning the SyscallError it throws into Docker's exit codes. Throws ExitCodeError: 127 when
 * the command is not found, 126 when it cannot be executed.
 */
export function startCommand<T>(
  args: readonly string[],
  env: readonly string[],
  start: (path: string) => T,
  sys: Sys = realSys,
): T {
  const path = resolveCommand(args[0] ?? "", env, sys);
  try {
    return start(path);
  } catch (error) {
    if (error instanceof SyscallError) throw execFailure(path, error, sys);
    throw error;
  }
}

/**
 * Replaces the calling process with the program `args` (resolved in `env`'s PATH) by execve(2).
 * Throws ExitCodeError: 127 when the program is not found, 126 when it cannot be executed.
 */
export function execProgram(
  args: readonly string[],
  env: readonly string[],
  sys: Sys = realSys,
): never {
  return startCommand(args, env, (path) => sys.execve(path, args, env), sys);
}
