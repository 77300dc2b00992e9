/**
 * Whether something exists at a path, for the synchronous setup code of the hidden stages.
 *
 * @module
 */

/** Tells whether anything (a dangling symlink included) exists at `path`. */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
