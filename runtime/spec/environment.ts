/**
 * The container's environment, composed as Docker does: PATH and HOSTNAME first, then the
 * image's Env, then the user's `-e`/`--env-file` entries (a later entry for a key wins). The init
 * stage adds HOME from the user's passwd entry when nothing set it.
 *
 * @module
 */

/** The PATH used when the environment has none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The inputs of {@linkcode composeEnvironment}. */
export interface EnvironmentSources {
  /** The container's hostname. */
  hostname: string;
  /** The image config's Env entries. */
  imageEnv: readonly string[];
  /** The user's entries, in command-line order. */
  userEnv: readonly string[];
}

/**
 * Merges `KEY=VALUE` lists: one entry per key, in first-seen order, the value from the last
 * list that sets it.
 */
export function mergeEnvironment(...lists: readonly (readonly string[])[]): string[] {
  const values = new Map<string, string>();
  for (const entry of lists.flat()) {
    const equals = entry.indexOf("=");
    const key = equals < 0 ? entry : entry.slice(0, equals);
    values.set(key, equals < 0 ? "" : entry.slice(equals + 1));
  }
  return Array.from(values, ([key, value]) => `${key}=${value}`);
}

/** Returns the environment as `KEY=VALUE` entries, one per key, in first-seen order. */
export function composeEnvironment(sources: EnvironmentSources): string[] {
  return mergeEnvironment(
    [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${sources.hostname}`],
    sources.imageEnv,
    sources.userEnv,
  );
}
