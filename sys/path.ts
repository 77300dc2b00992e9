/**
 * Paths as strings, cleaned lexically as Go's `path.Clean` does (Docker's rules for mount
 * paths): no file system access. Hand-written: `node:path` would cost every mydocker process
 * Deno's Node compatibility layer, about 20 ms of its start.
 *
 * @module
 */

/**
 * The shortest path naming the same file as `path` lexically: repeated slashes joined, `.`
 * dropped, `..` applied to the component before it (above `/` it stays `/`; a relative path keeps
 * its leading `..`), no trailing slash but on `/`; `.` for the empty path.
 */
export function cleanPath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
    else if (!absolute) parts.push(part);
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/** `parts` joined with slashes, then cleaned (empty parts are skipped). */
export function joinPath(...parts: string[]): string {
  return cleanPath(parts.filter((part) => part !== "").join("/"));
}

/** The directory holding `path` (cleaned): `/a` for `/a/b`, `/` for `/`, `.` for `b`. */
export function parentPath(path: string): string {
  const clean = cleanPath(path);
  const slash = clean.lastIndexOf("/");
  return slash === -1 ? "." : slash === 0 ? "/" : clean.slice(0, slash);
}
