/**
 * `mydocker exec` from the host side: starts the exec stage inside a running container's PID
 * namespace, forwards signals to it, and returns its exit code.
 *
 * @module
 */

import { existingCgroupProcs, moveToCgroups, stageCgroups } from "../cgroups/mod.ts";
import type { StoredContainer } from "../state/containers.ts";
import { mergeEnvironment } from "../spec/environment.ts";
import { ExitCodeError, exitCodeOf } from "../../sys/exit_codes.ts";
import type { ExecSpec } from "../spec/exec_spec.ts";
import { EXEC_STAGE_ARG, SPEC_FD, TERMINAL_HOLDER_ARG } from "../spec/stage_args.ts";
import { SpawnOpen, waitpid } from "../../sys/process.ts";
import { SignalForwarder } from "./signal_forwarding.ts";
import {
  spawnStage,
  spawnStageInPidNamespace,
  stageSpawnOptions,
  stdinMode,
} from "./spawn_stage.ts";
import { close } from "../../sys/fs.ts";
import { readAsync } from "../../sys/pty.ts";
import { isRootUser, StdioRelay } from "./stdio_relay.ts";
import { HostTerminal } from "./terminal.ts";
import { ConsoleHandoff } from "./console_relay.ts";

/** What `exec` runs in the container, beyond what the container itself says. */
export interface ExecRequest {
  args: string[];
  /** Extra `KEY=VALUE` entries, on top of the container's environment. */
  env: string[];
  /** The working directory; the container's when undefined. */
  cwd: string | undefined;
  /** The user; the container's when undefined. */
  user: string | undefined;
  /** `-t`: give the command a pseudo-terminal. */
  tty: boolean;
  /** `-i`: keep stdin attached. */
  interactive: boolean;
  /** `-d`: start the command in the background and return at once (its output discarded). */
  detach: boolean;
}

/**
 * Starts `spec` (detached) in a session of its own with /dev/null as its stdio (or, with `tty`, a
 * terminal whose master a background holder drains), and returns once its command runs: 0, or
 * the stage's exit code when the command could not be started (its one-line reason is on
 * mydocker's stderr).
 */
async function startDetachedExec(spec: ExecSpec, tty: boolean): Promise<number> {
  const handoff = tty ? new ConsoleHandoff() : undefined;
  let pid: number;
  let started: Promise<number>;
  try {
    ({ pid, started } = spawnStageInPidNamespace(
      EXEC_STAGE_ARG,
      handoff === undefined ? spec : { ...spec, terminal: { socketFd: handoff.socketFd } },
      spec.pid,
      {
        group: "new-session",
        files: [
          { fd: 0, path: "/dev/null", flags: SpawnOpen.READ },
          { fd: 1, path: "/dev/null", flags: SpawnOpen.APPEND },
        ],
      },
    ));
  } catch (error) {
    handoff?.close();
    throw error;
  }
  moveToCgroups(spec.cgroups.atStart, pid);
  const master = handoff?.receive();
  // Once running, the command is reaped by the container's PID 1 when mydocker has exited.
  if (await started > 0) {
    holdTerminal(await master);
    return 0;
  }
  await showFailure(await master);
  return exitCodeOf(await waitpid(pid));
}

/** Hands terminal master `master` (if any) to a background holder that drains it. */
function holdTerminal(master: number | undefined): void {
  if (master === undefined) return;
  try {
    spawnStage([TERMINAL_HOLDER_ARG], {
      group: "new-session",
      files: [0, 1, 2].map((fd) => ({ fd, path: "/dev/null", flags: SpawnOpen.APPEND })),
      actions: [{ op: "dup2", from: master, to: SPEC_FD }],
    });
  } finally {
    close(master);
  }
}

/** Copies what a failed stage wrote to its terminal `master` (its reason) to stderr. */
async function showFailure(master: number | undefined): Promise<void> {
  if (master === undefined) return;
  try {
    const buffer = new Uint8Array(4096);
    let text = "";
    for (let count; (count = await readAsync(master, buffer)) > 0;) {
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
    await Deno.stderr.write(new TextEncoder().encode(text.replaceAll("\r\n", "\n")));
  } finally {
    close(master);
  }
}

/** Runs `request` in `container` and returns the exit code. */
export async function execInContainer(
  container: StoredContainer,
  request: ExecRequest,
): Promise<number> {
  const { state, record } = container;
  if (state.status !== "running" || state.pid === undefined) {
    throw new ExitCodeError(`Container ${record.name} is not running`);
  }
  const config = record.config;
  const spec: ExecSpec = {
    pid: state.pid,
    cgroups: stageCgroups(existingCgroupProcs(record.id)),
    args: request.args,
    env: mergeEnvironment(config.env, request.env),
    cwd: request.cwd ?? config.cwd,
    user: request.user ?? config.user,
    capabilities: config.capabilities,
    seccomp: config.seccomp,
    noNewPrivileges: config.noNewPrivileges,
  };
  if (request.detach) return await startDetachedExec({ ...spec, detached: true }, request.tty);
  const { tty, interactive } = request;
  // As Docker: without -i (or -t) the command's stdin is /dev/null, never the caller's pipe.
  const stdin = tty || interactive ? stdinMode(tty, interactive) : "null";
  const terminal = tty ? new HostTerminal(interactive) : undefined;
  if (terminal !== undefined) spec.terminal = { socketFd: terminal.socketFd };
  const output = !tty && !isRootUser(spec.user) ? new StdioRelay() : undefined;
  if (output !== undefined) spec.stdioToChown = [1, 2];
  const forwarder = new SignalForwarder({
    pidOne: false,
    terminalSignalsDelivered: stdin === "foreground",
  });
  try {
    const options = stageSpawnOptions(tty, stdin);
    if (output !== undefined) options.actions = output.spawnActions();
    const { pid } = spawnStageInPidNamespace(EXEC_STAGE_ARG, spec, state.pid, options);
    terminal?.start();
    output?.start();
    moveToCgroups(spec.cgroups.atStart, pid);
    forwarder.attach(pid);
    const status = await waitpid(pid);
    await terminal?.finish();
    await output?.finish();
    return exitCodeOf(status);
  } finally {
    terminal?.close();
    output?.close();
    forwarder.dispose();
  }
}
