/**
 * `--log-opt` for the json-file log: `max-size=SIZE` (`10m`, `1g`; as Docker, a size of the
 * go-units kind) and `max-file=N`, each `KEY=VALUE` on its own or several joined by commas.
 *
 * @module
 */

import { DEFAULT_LOG_LIMITS, type LogLimits } from "../runtime/host/json_log.ts";
import { parseSize } from "../runtime/cgroups/parse_limits.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/**
 * The log caps `--log-opt` values ask for, the defaults for what they leave out.
 *
 * @throws {ExitCodeError} (125) for an unknown option or a bad value, in Docker's words.
 */
export function parseLogOptions(values: readonly string[]): LogLimits {
  const limits = { ...DEFAULT_LOG_LIMITS };
  for (const option of values.flatMap((value) => value.split(","))) {
    const [key, value = ""] = option.split(/=(.*)/s);
    if (key === "max-size") {
      const size = parseSize(value);
      if (size === undefined || size <= 0) {
        throw new ExitCodeError(`invalid value for log opt max-size: "${value}"`);
      }
      limits.maxSize = size;
    } else if (key === "max-file") {
      const files = Number(value);
      if (!/^\d+$/.test(value) || files < 1 || !Number.isSafeInteger(files)) {
        throw new ExitCodeError(`max-file cannot be less than 1: "${value}"`);
      }
      limits.maxFiles = files;
    } else {
      throw new ExitCodeError(`unknown log opt '${key}' for json-file log driver`);
    }
  }
  return limits;
}
