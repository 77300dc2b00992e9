/**
 * Starts the init stage as PID 1 of a new PID namespace. Deno cannot fork, and after
 * unshare(CLONE_NEWPID) the calling thread cannot create threads, so: unshare, posix_spawn the
 * init stage (a process, not a thread), and setns back to the original PID namespace at once.
 *
 * @module
 */

import { type ContainerSpec, INIT_STAGE_ARG } from "./container_spec.ts";
import { CloneFlag, close, open, OpenFlag, setns, spawn, unshare } from "./libc.ts";

/** The command line that runs this program's init stage, for `deno run` and compiled binaries. */
export function initStageCommand(specJson: string): string[] {
  const executable = Deno.execPath();
  if (Deno.build.standalone) return [executable, INIT_STAGE_ARG, specJson];
  const main = new URL("../main.ts", import.meta.url);
  const config = new URL("../deno.json", import.meta.url);
  return [
    executable,
    "run",
    "--allow-all",
    "--quiet",
    "--no-prompt",
    `--config=${config.pathname}`,
    main.pathname,
    INIT_STAGE_ARG,
    specJson,
  ];
}

/** Spawns the init stage for `spec` in a new PID namespace and returns its host pid. */
export function spawnInitStage(spec: ContainerSpec): number {
  const argv = initStageCommand(JSON.stringify(spec));
  const env = Object.entries(Deno.env.toObject()).map(([key, value]) => `${key}=${value}`);
  const original = open("/proc/self/ns/pid", OpenFlag.RDONLY);
  try {
    unshare(CloneFlag.NEWPID);
    try {
      return spawn(argv[0]!, argv, env);
    } finally {
      setns(original, CloneFlag.NEWPID);
    }
  } finally {
    close(original);
  }
}
