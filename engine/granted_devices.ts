/**
 * The host devices `--device` gives a container, looked up on the host (type, numbers, mode,
 * owner) before anything is pulled or written. The value's syntax is the CLI's to read.
 *
 * @module
 */

import { hostDeviceNode, NotADeviceError } from "../runtime/host/host_devices.ts";
import type { GrantedDevice } from "../runtime/spec/devices.ts";
import { ExitCodeError, fsErrorReason } from "../sys/exit_codes.ts";

/** One `--device` value as Docker splits it: which host device, where, with which access. */
export interface DeviceMapping {
  /** The device node on the host. */
  hostPath: string;
  /** Where it appears in the container. */
  containerPath: string;
  /** The device cgroup permissions, some of `rwm`. */
  access: string;
}

/**
 * Looks each mapping's host device up.
 *
 * @throws {ExitCodeError} (125) for a host path that is missing or not a device: `error
 * gathering device information while adding custom device "/dev/nope": no such file or
 * directory`.
 */
export function grantedDevices(mappings: readonly DeviceMapping[]): GrantedDevice[] {
  return mappings.map(({ hostPath, containerPath, access }) => {
    try {
      return { ...hostDeviceNode(hostPath, containerPath), access };
    } catch (error) {
      const reason = error instanceof NotADeviceError ? "not a device node" : fsErrorReason(error);
      throw new ExitCodeError(
        `error gathering device information while adding custom device "${hostPath}": ${reason}`,
      );
    }
  });
}
