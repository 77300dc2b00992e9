/**
 * Starts this program's hidden stages. Deno cannot fork, and after unshare(CLONE_NEWPID) or
 * setns(CLONE_NEWPID) the calling thread cannot create threads, so a stage that must live in a
 * PID namespace is started thus: enter the namespace for children, posix_spawn the stage (a
 * process, not a thread), and setns straight back to the original PID namespace.
 *
 * @module
 */

import type { ContainerSpec } from "../spec/container_spec.ts";
import { INIT_STAGE_ARG, SPEC_FD, STATUS_FD } from "../spec/stage_args.ts";
import { close, open, OpenFlag, pipe } from "../../sys/fs.ts";
import { CloneFlag, setns, unshare } from "../../sys/namespaces.ts";
import { spawn, type SpawnAction, SpawnOpen, type SpawnOptions } from "../../sys/process.ts";
import { isatty, readAsync, writeAllAsync } from "../../sys/pty.ts";

/** The command line that runs this program with `args`, for `deno run` and compiled binaries. */
export function selfCommand(args: readonly string[]): string[] {
  const executable = Deno.execPath();
  if (Deno.build.standalone) return [executable, ...args];
  // From the checkout's root: the same file from the run bundle (run_main.ts), as deep as this.
  const main = new URL("../../main.ts", import.meta.url);
  const config = new URL("../../deno.json", import.meta.url);
  return [
    executable,
    "run",
    "--allow-all",
    "--quiet",
    "--no-prompt",
    `--config=${config.pathname}`,
    main.pathname,
    ...args,
  ];
}

function environment(): string[] {
  return Object.entries(Deno.env.toObject()).map(([key, value]) => `${key}=${value}`);
}

/**
 * Spawns this program's hidden stage `stage` inside a PID namespace: a new one (`"new"`) or the
 * one of process `pid` (see `SpawnOptions` for `options`), handing it `spec` as JSON through a
 * pipe at {@linkcode SPEC_FD}, written in the background. Returns the stage's host pid, and a
 * promise that resolves once the stage has exec'd the command (or started it, with `--init`) or
 * died: the end of its status pipe ({@linkcode STATUS_FD}), with the bytes the stage wrote on it.
 */
export function spawnStageInPidNamespace(
  stage: string,
  spec: unknown,
  target: "new" | number,
  options: SpawnOptions = {},
): { pid: number; started: Promise<number> } {
  const argv = selfCommand([stage]);
  const [specRead, specWrite] = pipe();
  const [statusRead, statusWrite] = pipe();
  let pid: number;
  try {
    const original = open("/proc/self/ns/pid", OpenFlag.RDONLY);
    try {
      if (target === "new") {
        unshare(CloneFlag.NEWPID);
      } else {
        const joined = open(`/proc/${target}/ns/pid`, OpenFlag.RDONLY);
        try {
          setns(joined, CloneFlag.NEWPID);
        } finally {
          close(joined);
        }
      }
      try {
        pid = spawn(argv[0]!, argv, environment(), {
          ...options,
          actions: [
            { op: "dup2", from: specRead, to: SPEC_FD },
            { op: "dup2", from: statusWrite, to: STATUS_FD },
            ...(options.actions ?? []),
          ],
        });
      } finally {
        setns(original, CloneFlag.NEWPID);
      }
    } finally {
      close(original);
    }
  } catch (error) {
    close(specWrite);
    close(statusRead);
    throw error;
  } finally {
    close(specRead);
    close(statusWrite);
  }
  // A stage that dies before reading it all ends the write with EPIPE: its exit says why.
  writeAllAsync(specWrite, new TextEncoder().encode(JSON.stringify(spec)))
    .finally(() => close(specWrite));
  return { pid, started: untilEnd(statusRead).finally(() => close(statusRead)) };
}

/**
 * Resolves once descriptor `fd` (a pipe's read end) reads end of file, with the number of bytes
 * read: a status pipe's end is what matters, and only `exec -d`'s stage writes on it.
 */
async function untilEnd(fd: number): Promise<number> {
  const buffer = new Uint8Array(64);
  let total = 0;
  for (let count; (count = await readAsync(fd, buffer)) > 0;) total += count;
  return total;
}

/** Where a container's stdin comes from when it has no terminal of its own. */
export type StdinMode =
  /** mydocker's stdin, the container in a process group of its own (signals come from mydocker). */
  | "pass"
  /** /dev/null: a terminal on mydocker's stdin without `-i`, as Docker does. */
  | "null"
  /** mydocker's terminal, the container in mydocker's (foreground) process group, to read it. */
  | "foreground";

/**
 * Where a container's stdin comes from without a terminal of its own (`-t`): as it is when it is
 * no terminal; a terminal only with `-i` (then in the foreground group), else /dev/null.
 */
export function stdinMode(tty: boolean, interactive: boolean): StdinMode {
  return tty || !isatty(0) ? "pass" : interactive ? "foreground" : "null";
}

/**
 * How a stage that runs the container's command is spawned: with a terminal (`-t`) it leads a
 * session of its own, so that it can make the pty its controlling terminal; otherwise as `stdin`
 * says.
 */
export function stageSpawnOptions(terminal: boolean, stdin: StdinMode): SpawnOptions {
  if (terminal) return { group: "new-session" };
  return {
    group: stdin === "foreground" ? "inherit" : "new-group",
    files: stdin === "null" ? [{ fd: 0, path: "/dev/null", flags: SpawnOpen.READ }] : [],
  };
}

/**
 * Spawns the init stage for `spec` as PID 1 of a new PID namespace; returns its host pid and a
 * promise that resolves once it has exec'd the command or died.
 */
export function spawnInitStage(
  spec: ContainerSpec,
  stdin: StdinMode = "pass",
  output: readonly SpawnAction[] = [],
): { pid: number; started: Promise<number> } {
  const options = stageSpawnOptions(spec.terminal !== undefined, stdin);
  options.actions = output;
  return spawnStageInPidNamespace(INIT_STAGE_ARG, spec, "new", options);
}

/** Spawns this program with `args` as a background process (see `SpawnOptions`). */
export function spawnStage(args: readonly string[], options: SpawnOptions): number {
  const argv = selfCommand(args);
  return spawn(argv[0]!, argv, environment(), options);
}
