/**
 * A directory's contents as a sorted list of paths, for comparing a store before and after.
 *
 * @module
 */

/** Every path below `dir` (as `/name/…`), sorted. */
export function fileTree(dir: string, prefix = ""): string[] {
  const paths: string[] = [];
  for (const entry of Deno.readDirSync(`${dir}${prefix}`)) {
    const path = `${prefix}/${entry.name}`;
    paths.push(path);
    if (entry.isDirectory) paths.push(...fileTree(dir, path));
  }
  return paths.sort();
}
