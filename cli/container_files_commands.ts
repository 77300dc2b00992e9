/**
 * The commands that reach into a container's file system: `cp`, `diff`, `export`.
 *
 * @module
 */

import { archiveOutput } from "./archive_output.ts";
import { copyFromContainer, copyToContainer } from "../engine/container_copy.ts";
import { containerChanges, exportContainer } from "../engine/container_files.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/**
 * Reads one `cp` argument as Docker does: `CONTAINER:PATH` names a path in a container, unless
 * the argument starts like a local path (`/`, `.`), which may itself contain a colon.
 */
export function parseCopyArgument(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith("/") || arg.startsWith(".")) return undefined;
  const colon = arg.indexOf(":");
  if (colon <= 0) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** `mydocker cp SRC DEST`: one side is `CONTAINER:PATH`, the other a host path or `-`. */
export async function cpCommand(root: string, source: string, dest: string): Promise<number> {
  const from = parseCopyArgument(source);
  const to = parseCopyArgument(dest);
  if ((from === undefined) === (to === undefined)) {
    throw new ExitCodeError(
      from === undefined
        ? "must specify at least one container source"
        : "copying between containers is not supported",
    );
  }
  const absolute = (path: string) => path.startsWith("/") ? path : `/${path}`;
  if (from !== undefined) {
    await copyFromContainer(root, from.container, absolute(from.path), dest, Deno.stdout.writable);
  } else {
    await copyToContainer(root, source, to!.container, absolute(to!.path), Deno.stdin.readable);
  }
  return 0;
}

/** `mydocker diff CONTAINER`: `A`, `C` and `D` lines, one per changed path. */
export function diffCommand(root: string, container: string): number {
  for (const { kind, path } of containerChanges(root, container)) console.log(`${kind} ${path}`);
  return 0;
}

/** `mydocker export [-o FILE] CONTAINER`: the container's file system as a tar archive. */
export async function exportCommand(
  root: string,
  container: string,
  output: string | undefined,
): Promise<number> {
  const out = await archiveOutput(output);
  await exportContainer(root, container, out);
  return 0;
}
