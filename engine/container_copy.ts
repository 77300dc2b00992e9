/**
 * `cp`: files between a container and the host, both ways, with Docker's rules for what lands
 * where (a directory destination receives the source under its own name, `SRC/.` copies a
 * directory's contents) and `-` for a tar stream on stdin or stdout.
 *
 * @module
 */

import { packTree } from "../registry/archive/pack_tree.ts";
import { unpackLayer } from "../registry/pull/unpack_layer.ts";
import { findContainer } from "../runtime/state/containers.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { resolveInRoot, withContainerRoot } from "./container_root.ts";
import { copyTree } from "./copy_tree.ts";

/** One side of a copy: a host path (or `-`), or a path in a container. */
export type CopyEndpoint = { container: string; path: string } | { host: string };

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch {
    return undefined;
  }
}

const basename = (path: string) => path.replace(/\/+$/, "").split("/").pop() || "/";

/**
 * Copies `source` to `dest` following `docker cp`'s rules, `source` and `dest` being host paths
 * (`display` names them in errors).
 */
async function copyPath(source: string, dest: string, display: { source: string; dest: string }) {
  const info = await Deno.lstat(source);
  const target = await statOrUndefined(dest);
  const contentsOnly = display.source.endsWith("/.");
  if (info.isDirectory) {
    if (target !== undefined && !target.isDirectory) {
      throw new ExitCodeError(`cannot copy a directory to a file: ${display.dest}`);
    }
    if (target === undefined || contentsOnly) return await copyTree(source, dest);
    return await copyTree(source, `${dest}/${basename(display.source)}`);
  }
  if (target?.isDirectory) return await copyTree(source, `${dest}/${basename(display.source)}`);
  if (target === undefined && display.dest.endsWith("/")) {
    throw new ExitCodeError(`no such directory: ${display.dest}`);
  }
  await copyTree(source, dest);
}

/**
 * `cp CONTAINER:SRC DEST`: copies out of the container under `root` (DEST `-`: a tar archive of
 * SRC written to `stdout`).
 *
 * @throws {ExitCodeError} (125): `Could not find the file /x in container c`, and Docker's other
 * refusals.
 */
export async function copyFromContainer(
  root: string,
  reference: string,
  path: string,
  dest: string,
  stdout: WritableStream<Uint8Array>,
): Promise<void> {
  const container = findContainer(root, reference);
  await withContainerRoot(container, { writable: false }, async (containerRoot) => {
    const source = resolveInRoot(containerRoot, path, false);
    if (!(await lexists(source))) {
      throw new ExitCodeError(`Could not find the file ${path} in container ${reference}`);
    }
    if (dest === "-") {
      const name = path.endsWith("/.") ? "." : basename(path);
      return await packTree([{ path: source, name }], stdout);
    }
    await copyPath(source, dest, { source: path, dest });
  });
}

async function lexists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `cp SRC CONTAINER:DEST`: copies into the container under `root` (SRC `-`: a tar archive read
 * from `stdin`, unpacked into the directory DEST).
 *
 * @throws {ExitCodeError} (125) when SRC is missing or DEST cannot take it.
 */
export async function copyToContainer(
  root: string,
  source: string,
  reference: string,
  path: string,
  stdin: ReadableStream<Uint8Array>,
): Promise<void> {
  const container = findContainer(root, reference);
  if (source !== "-" && !(await lexists(source))) {
    throw new ExitCodeError(`Could not find the file ${source}: no such file or directory`);
  }
  await withContainerRoot(container, { writable: true }, async (containerRoot) => {
    const dest = resolveInRoot(containerRoot, path, true);
    if (source !== "-") return await copyPath(source, dest, { source, dest: path });
    if (!(await statOrUndefined(dest))?.isDirectory) {
      throw new ExitCodeError(`destination "${path}" must be a directory`);
    }
    const staging = await Deno.makeTempDir({ prefix: "mydocker-cp-" });
    try {
      await unpackLayer(stdin, staging, { layer: "stdin" });
      for await (const entry of Deno.readDir(staging)) {
        await copyTree(`${staging}/${entry.name}`, `${dest}/${entry.name}`);
      }
    } finally {
      await Deno.remove(staging, { recursive: true });
    }
  });
}
