/**
 * `--init`: a minimal init that stays PID 1 of the container, runs the command as its child,
 * forwards signals to it and reaps every zombie, then exits with the command's status (its exit
 * code, or 128 plus the number of the signal that killed it).
 *
 * The init stage is synchronous and must not return, so its main thread blocks in waitpid(-1),
 * reaping the command and every orphan the kernel reparents to PID 1. Signals are caught by a
 * worker thread, whose event loop runs while the main thread blocks. The worker is created only
 * now, from the main thread, so it shares the container's root, namespaces, credentials and
 * seccomp filter; its module therefore cannot be a file of mydocker's (those lie outside the
 * container's root): it is {@linkcode forwardSignals}'s source text as a `data:` URL.
 *
 * Process group: the command stays in PID 1's group rather than getting its own. The init stage
 * already leads a group, so the command keeps exactly the terminal relationship it would have
 * without `--init`, and a terminal whose foreground group is PID 1's stays usable by the command
 * (tini must hand the terminal to the new group with tcsetpgrp for that). The price: signals go
 * to the command's process only, not to a group (signalling PID 1's group would signal PID 1
 * itself, and kill(-1) would reach every process in the container), as tini does without `-g`.
 * The command's own children still end with it: when it exits, PID 1 exits and the kernel kills
 * what is left in the PID namespace.
 *
 * @module
 */

import { STATUS_FD } from "../spec/stage_args.ts";
import { close } from "../../sys/fs.ts";
import { startCommand } from "./exec_program.ts";
import { spawn, type SpawnOptions, waitAnyChild } from "../../sys/process.ts";
import type { SIGNALS } from "../../sys/signals.ts";

/**
 * The signals PID 1 passes on to the command, by their names in the signal table: all that a
 * process may be sent to ask something of it, but not SIGCHLD, SIGPIPE (PID 1's own broken pipes
 * are its own), the terminal stops SIGTTIN and SIGTTOU, and the fault signals, which the kernel
 * sends to a faulting thread.
 */
const FORWARDED = [
  "HUP",
  "INT",
  "QUIT",
  "USR1",
  "USR2",
  "ALRM",
  "TERM",
  "CONT",
  "TSTP",
  "URG",
  "WINCH",
  "IO",
  "PWR",
] as const satisfies readonly (keyof typeof SIGNALS)[];

/** {@linkcode FORWARDED} as the signal worker listens for them. */
const FORWARDED_SIGNALS: readonly Deno.Signal[] = FORWARDED.map((name) => `SIG${name}` as const);

/**
 * The signal worker's whole program: sends each of `signals` that PID 1 receives on to process
 * `child`. It runs from its source text, so it must use nothing but its arguments and Deno.
 */
function forwardSignals(child: number, signals: readonly Deno.Signal[]): void {
  for (const signal of signals) {
    Deno.addSignalListener(signal, () => {
      try {
        Deno.kill(child, signal);
      } catch {
        // The command has just ended; the main thread is reaping it.
      }
    });
  }
}

/** Starts the worker that forwards {@linkcode FORWARDED_SIGNALS} to process `child`. */
function startSignalWorker(child: number): void {
  const program = `(${forwardSignals})(${child}, ${JSON.stringify(FORWARDED_SIGNALS)});`;
  new Worker(`data:text/javascript,${encodeURIComponent(program)}`, { type: "module" });
}

/**
 * Runs `args` (resolved in `env`'s PATH) as PID 1's child, with default signal dispositions and
 * no blocked signals (spawned with `options`: through its gate), forwards signals to it and
 * reaps every child until it ends; then exits
 * with its exit code, or 128 plus the signal that killed it. Throws ExitCodeError (127, 126)
 * when the command cannot be started.
 */
export function runMiniInit(
  args: readonly string[],
  env: readonly string[],
  options: SpawnOptions,
): never {
  const child = startCommand(args, env, (path) => spawn(path, args, env, options));
  close(STATUS_FD); // The command runs: mydocker sees the status pipe end.
  startSignalWorker(child);
  for (;;) {
    const { pid, status } = waitAnyChild();
    if (pid === child) Deno.exit(status.code ?? 128 + status.signal);
  }
}
