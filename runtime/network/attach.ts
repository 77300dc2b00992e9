/**
 * A container's network from the host side, set up before the container starts and torn down
 * when it ends. `none` and `host` need nothing but the container's /etc lines, `container:ID`
 * the other container's namespace; a bridge network's setup (`attach_bridge.ts`) is loaded only
 * for a container on one, so that a start without one does not load the netlink, firewall and
 * address code (about 2 ms of a start).
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";
import { findContainer } from "../state/containers.ts";
import { type AttachedNetwork, etcNetwork, type NetworkRequest } from "./etc_network.ts";
import { BUILTIN_MODES, readNetwork } from "./network_store.ts";

/** Sets up the network of the container `request` describes; see the module's text. */
export async function attachNetwork(request: NetworkRequest): Promise<AttachedNetwork> {
  const { config } = request;
  const network = config.network;
  const nothing = { announce() {}, detach() {} };
  if (BUILTIN_MODES.includes(network)) {
    return { mode: network as "none" | "host", etc: etcNetwork(config, undefined), ...nothing };
  }
  if (network.startsWith("container:")) {
    const other = findContainer(config.stateRoot, network.slice("container:".length));
    if (other.state.status !== "running" || other.state.pid === undefined) {
      throw new ExitCodeError(
        `cannot join network namespace of a non running container: ${other.record.name}`,
      );
    }
    return {
      mode: { join: `/proc/${other.state.pid}/ns/net` },
      etc: etcNetwork(config, undefined),
      ...nothing,
    };
  }
  const record = readNetwork(config.stateRoot, network);
  if (record === undefined) throw new ExitCodeError(`network ${network} not found`);
  const { attachBridge } = await import("./attach_bridge.ts");
  return attachBridge(request, record);
}
