/**
 * mydocker: `docker run` re-built on Deno. The entry module: the hidden stages (a container's
 * init stage, `exec`'s stage, a detached container's monitor, `exec -dt`'s terminal holder) load
 * only their own code; anything
 * else is the command line, handed to `cli/`.
 *
 * @module
 */

import {
  EXEC_STAGE_ARG,
  INIT_STAGE_ARG,
  MONITOR_ARG,
  TERMINAL_HOLDER_ARG,
} from "./runtime/spec/stage_args.ts";

if (import.meta.main) {
  const [first, second = "", third = ""] = Deno.args;
  if (first === INIT_STAGE_ARG) {
    const { initStageMain } = await import("./runtime/stage/init_stage.ts");
    initStageMain();
  } else if (first === EXEC_STAGE_ARG) {
    const { execStageMain } = await import("./runtime/stage/exec_stage.ts");
    execStageMain();
  } else if (first === MONITOR_ARG) {
    const { monitorMain } = await import("./runtime/host/monitor.ts");
    Deno.exit(await monitorMain(second, third));
  } else if (first === TERMINAL_HOLDER_ARG) {
    const { terminalHolderMain } = await import("./runtime/host/terminal_holder.ts");
    Deno.exit(await terminalHolderMain());
  }
  if (first === "runtime") {
    // The OCI runtime face (runc's command line), for containerd and dockerd.
    const { runtimeCommand } = await import("./cli/runtime_command.ts");
    Deno.exit(await runtimeCommand(Deno.args.slice(1)));
  }
  const { main } = await import("./cli/main.ts");
  Deno.exit(await main(Deno.args));
}
