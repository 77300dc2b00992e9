/**
 * A docker-archive (what `docker save` writes, and `docker load` and `ctr image import` read)
 * of a busybox image, built in memory for tests that hand an image to Docker or containerd.
 *
 * @module
 */

import { sha256Digest } from "../registry/format/digest.ts";
import { buildTar, busyboxEntries, type TarEntry } from "./image_builder.ts";

/**
 * Writes a docker-archive of one image tagged `tag` to `path`: one layer of busybox (its
 * applets linked in /bin) plus `extra` entries, with `cmd` as its Cmd.
 */
export async function writeBusyboxArchive(
  path: string,
  tag: string,
  cmd: string[] = ["sh"],
  extra: TarEntry[] = [],
): Promise<void> {
  const layer = await buildTar([...await busyboxEntries(), ...extra]);
  const diffId = await sha256Digest(layer);
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: "amd64",
    os: "linux",
    created: "2024-01-01T00:00:00Z",
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: cmd,
    },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created: "2024-01-01T00:00:00Z", created_by: "writeBusyboxArchive" }],
  }));
  const configName = `${(await sha256Digest(config)).slice("sha256:".length)}.json`;
  const layerName = `${diffId.slice("sha256:".length)}/layer.tar`;
  const manifest = [{ Config: configName, RepoTags: [tag], Layers: [layerName] }];
  const archive = await buildTar([
    { path: layerName.split("/")[0]!, type: "dir" },
    { path: layerName, type: "file", content: layer },
    { path: configName, type: "file", content: config },
    { path: "manifest.json", type: "file", content: JSON.stringify(manifest) },
  ]);
  await Deno.writeFile(path, archive);
}
