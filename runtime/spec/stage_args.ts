/**
 * The hidden first arguments that select one of mydocker's own stages in `main.ts`. Kept apart
 * so that `main.ts` knows them without loading any stage.
 *
 * @module
 */

/** Selects the init stage (a container's PID 1 before it execs the command). */
export const INIT_STAGE_ARG = "__mydocker_init";
/** Selects the exec stage (`mydocker exec` inside a running container). */
export const EXEC_STAGE_ARG = "__mydocker_exec";
/**
 * The descriptor a hidden init or exec stage reads its spec from (JSON, to the end): a pipe from
 * mydocker, so that nothing of the spec, such as `-e` values, shows in a command line.
 */
export const SPEC_FD = 3;
/**
 * The descriptor where a hidden init or exec stage holds the write end of its status pipe,
 * close-on-exec: mydocker reads end of file once the stage has exec'd the command (or, for
 * `--init`, started it) or died, as runc's exec fifo tells it.
 */
export const STATUS_FD = 4;
/** Selects the monitor of a detached container. */
export const MONITOR_ARG = "__mydocker_monitor";
/**
 * Selects the terminal holder of `exec -dt`: a background process that holds the master of the
 * command's terminal (inherited at {@linkcode SPEC_FD}) and drains it until the command ends, as
 * Docker discards a detached exec's output.
 */
export const TERMINAL_HOLDER_ARG = "__mydocker_terminal_holder";
