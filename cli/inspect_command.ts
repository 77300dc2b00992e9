/**
 * `mydocker inspect [--type container|image] [-f FORMAT] NAME...`: containers and images as
 * Docker's API shows them, as one JSON array (indented by four spaces, as Docker prints it) or
 * through a Go template, one line per object. Names that match nothing are reported after, and
 * make it exit 1 as Docker's client does.
 *
 * @module
 */

import { type InspectObject, inspectObject, type InspectType } from "../engine/inspect.ts";
import { printFormatted } from "./format_option.ts";
import { toJson } from "./go_template.ts";
import { reportError } from "./report_error.ts";
import { EXIT_NOT_FOUND_BY_CLIENT, ExitCodeError } from "../sys/exit_codes.ts";

const TYPES = ["container", "image"] as const;

function inspectType(type: string | undefined): InspectType {
  if (type === undefined) return undefined;
  if ((TYPES as readonly string[]).includes(type)) return type as InspectType;
  throw new ExitCodeError(`"${type}" is not a valid value for --type`);
}

/** Prints what each of `references` names under `root`; returns the exit code. */
export async function inspectCommand(
  root: string,
  references: readonly string[],
  options: { type: string | undefined; format: string | undefined },
): Promise<number> {
  const type = inspectType(options.type);
  const found: InspectObject[] = [];
  const failures: unknown[] = [];
  for (const reference of references) {
    try {
      found.push(await inspectObject(root, reference, type));
    } catch (error) {
      // As Docker: "No such object: x" and the like end the client with 1, not 125.
      const missing = error instanceof ExitCodeError && error.message.startsWith("No such ");
      failures.push(missing ? new ExitCodeError(error.message, EXIT_NOT_FOUND_BY_CLIENT) : error);
    }
  }
  if (options.format === undefined) console.log(toJson(found, "    "));
  else printFormatted(options.format, found);
  let exitCode = 0;
  for (const failure of failures) exitCode = reportError(failure);
  return exitCode;
}
