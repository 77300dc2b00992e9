/**
 * `--device HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`, read as Docker reads it, and the host
 * device it names looked up before anything is pulled or written.
 *
 * @module
 */

import { isDeviceAccess } from "../runtime/spec/device_rules.ts";
import type { GrantedDevice } from "../runtime/spec/devices.ts";
import { ExitCodeError, fsErrorReason } from "../sys/exit_codes.ts";
import { hostDeviceNode, NotADeviceError } from "../runtime/host/host_devices.ts";

/** One `--device` value split as Docker splits it (no host lookup). */
export interface DeviceMapping {
  hostPath: string;
  containerPath: string;
  access: string;
}

/**
 * Splits a `--device` value: `HOST`, `HOST:CONTAINER`, `HOST:PERMISSIONS` (when the second part
 * is a valid mode), or `HOST:CONTAINER:PERMISSIONS`; the container path defaults to the host
 * path, the permissions to `rwm`.
 *
 * @throws {ExitCodeError} (125) with Docker's reasons: `Cannot use --device "a:b:c:d": bad
 * format for path`, `…: bad mode specified: rwx`, `…: dev is not an absolute path`.
 */
export function parseDeviceMapping(value: string): DeviceMapping {
  const fail = (reason: string) => new ExitCodeError(`Cannot use --device "${value}": ${reason}`);
  const parts = value.split(":");
  if (parts.length > 3 || parts[0] === "") throw fail("bad format for path");
  const [hostPath = "", second, third] = parts;
  let containerPath = hostPath;
  let access = "rwm";
  if (third !== undefined) {
    containerPath = second ?? "";
    access = third;
  } else if (second !== undefined) {
    if (isDeviceAccess(second)) access = second;
    else containerPath = second;
  }
  if (!isDeviceAccess(access)) throw fail(`bad mode specified: ${access}`);
  if (!containerPath.startsWith("/")) throw fail(`${containerPath} is not an absolute path`);
  return { hostPath, containerPath, access };
}

/**
 * Reads the `--device` values and looks each host device up (its type, numbers, mode, owner).
 *
 * @throws {ExitCodeError} (125) for a malformed value, or a host path that is missing or not a
 * device: `error gathering device information while adding custom device "/dev/nope": no such
 * file or directory`.
 */
export function grantedDevices(values: readonly string[]): GrantedDevice[] {
  return values.map((value) => {
    const { hostPath, containerPath, access } = parseDeviceMapping(value);
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
