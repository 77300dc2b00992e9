/**
 * Starting a prepared container: in the foreground (supervised by this process until it ends) or
 * detached (handed to a monitor process, returning once its command runs).
 *
 * @module
 */

import { runContainer } from "../runtime/host/run_container.ts";
import type { ContainerRecord } from "../runtime/state/container_state.ts";
import { EXIT_MYDOCKER_FAILED } from "../sys/exit_codes.ts";

/** How a start went. */
export type StartOutcome =
  /** A foreground container ended with `exitCode`. */
  | { status: "exited"; exitCode: number }
  /** A detached container runs. */
  | { status: "detached"; id: string }
  /** A detached container's command could not be started; `message` is its monitor's reason. */
  | { status: "failed"; exitCode: number; message: string | undefined };

/**
 * Starts container `record` as its record says (foreground or detached). A foreground run whose
 * restart policy asks for it is restarted in the background once it has returned, as dockerd
 * restarts a container whose attached `docker run` has ended.
 */
export async function startContainer(record: ContainerRecord): Promise<StartOutcome> {
  if (!record.detached) {
    const exitCode = await runContainer(record);
    if (record.restartPolicy !== undefined) {
      const { restartInBackground } = await import("../runtime/host/detach.ts");
      await restartInBackground(record, exitCode);
    }
    return { status: "exited", exitCode };
  }
  const { startDetached } = await import("../runtime/host/detach.ts");
  const { state, message } = await startDetached(record);
  if (state.status === "exited" && (state.exitCode ?? 0) >= EXIT_MYDOCKER_FAILED) {
    return { status: "failed", exitCode: state.exitCode!, message };
  }
  return { status: "detached", id: record.id };
}
