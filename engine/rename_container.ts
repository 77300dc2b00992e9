/**
 * `rename`: a container's new name, reserved before its record changes and the old one released
 * after, so no other container can take either in between.
 *
 * @module
 */

import { isValidName, releaseName, reserveName } from "../runtime/state/container_names.ts";
import { writeRecord } from "../runtime/state/container_state.ts";
import { findContainer } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/**
 * Renames the container `reference` names under `root` to `name`.
 *
 * @throws {ExitCodeError} (125) for an invalid or taken name, the same name, or no container.
 */
export function renameContainer(root: string, reference: string, name: string): void {
  if (!isValidName(name)) {
    throw new ExitCodeError(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  const { dir, record } = findContainer(root, reference);
  if (record.name === name) {
    throw new ExitCodeError("Renaming a container with the same name as its current name");
  }
  reserveName(root, name, record.id);
  writeRecord(dir.path, { ...record, name });
  releaseName(root, record.name, record.id);
}
