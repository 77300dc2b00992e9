/**
 * The `-e` and `--env-file` options: turning what the user typed into `KEY=VALUE` entries.
 *
 * @module
 */

import { ExitCodeError, fsErrorReason } from "../sys/exit_codes.ts";

/**
 * Resolves one `-e` value: `KEY=VALUE` stays as it is, `KEY` alone takes the value from
 * `lookup` (the host environment) and is dropped when the host does not set it.
 */
export function resolveEnvEntry(
  entry: string,
  lookup: (key: string) => string | undefined,
): string | undefined {
  if (entry.startsWith("=") || entry === "") {
    throw new ExitCodeError(`Cannot use environment variable "${entry}": the name is empty`);
  }
  if (entry.includes("=")) return entry;
  const value = lookup(entry);
  return value === undefined ? undefined : `${entry}=${value}`;
}

/** Parses the text of an env file: one entry per line, `#` comments and blank lines skipped. */
export function parseEnvFile(text: string): string[] {
  return text.split(/\r?\n/)
    .map((line) => line.trimStart())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Returns the user's environment entries: env files first, then `-e` options, resolved. */
export function userEnvironment(
  envFiles: readonly string[],
  envOptions: readonly string[],
  lookup: (key: string) => string | undefined,
): string[] {
  const entries: string[] = [];
  for (const file of envFiles) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      throw new ExitCodeError(`Cannot read env file "${file}": ${fsErrorReason(error)}`);
    }
    entries.push(...parseEnvFile(text));
  }
  entries.push(...envOptions);
  return entries.flatMap((entry) => resolveEnvEntry(entry, lookup) ?? []);
}
