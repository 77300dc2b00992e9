/**
 * `--device HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`, read as Docker reads it (the engine looks
 * the host device up).
 *
 * @module
 */

import type { DeviceMapping } from "../engine/granted_devices.ts";
import { isDeviceAccess } from "../runtime/spec/device_rules.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

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
