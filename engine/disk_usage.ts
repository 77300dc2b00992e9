/**
 * `system df`: the disk space images, containers and volumes take, and how much of it a prune
 * could free, counted as dockerd counts it (a layer shared by several images once).
 *
 * @module
 */

import { ImageStore } from "../registry/store.ts";
import { listVolumes, volumeData, volumeUsers } from "../runtime/state/volume_store.ts";
import { containerSummaries } from "./container_listing.ts";
import { containerSizes } from "./container_size.ts";
import { containerImageIds } from "./images.ts";
import { diskUsage } from "./volumes.ts";

/** One row of `system df`. */
export interface UsageRow {
  /** How many there are. */
  total: number;
  /** How many are in use (images with a container, running containers, mounted volumes). */
  active: number;
  /** Bytes they take. */
  size: number;
  /** Bytes of those not in use. */
  reclaimable: number;
}

/** The rows of `system df`. */
export interface DiskUsage {
  images: UsageRow;
  containers: UsageRow;
  volumes: UsageRow;
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

async function imageUsage(root: string): Promise<UsageRow> {
  const store = new ImageStore(root);
  const sizes = await store.layerSizes();
  const ids = new Set((await store.names()).map((name) => name.imageId));
  const used = new Set(containerImageIds(root));
  const layers = new Set<string>();
  const activeLayers = new Set<string>();
  for (const id of ids) {
    for (const layer of await store.layerIdsOf(id)) {
      layers.add(layer);
      if (used.has(id)) activeLayers.add(layer);
    }
  }
  const size = sum([...layers].map((layer) => sizes.get(layer) ?? 0));
  return {
    total: ids.size,
    active: [...ids].filter((id) => used.has(id)).length,
    size,
    reclaimable: size - sum([...activeLayers].map((layer) => sizes.get(layer) ?? 0)),
  };
}

async function containerUsage(root: string): Promise<UsageRow> {
  const containers = containerSummaries(root, true);
  const sizes = await containerSizes(root, containers);
  const running = containers.filter((c) => ["running", "restarting"].includes(c.state.status));
  const rw = (id: string) => sizes.get(id)?.rw ?? 0;
  const size = sum(containers.map((c) => rw(c.id)));
  return {
    total: containers.length,
    active: running.length,
    size,
    reclaimable: size - sum(running.map((c) => rw(c.id))),
  };
}

function volumeUsage(root: string): UsageRow {
  const volumes = listVolumes(root).map((volume) => ({
    size: diskUsage(volumeData(root, volume.name)),
    used: volumeUsers(root, volume.name).length > 0,
  }));
  return {
    total: volumes.length,
    active: volumes.filter((v) => v.used).length,
    size: sum(volumes.map((v) => v.size)),
    reclaimable: sum(volumes.filter((v) => !v.used).map((v) => v.size)),
  };
}

/** The disk usage of the images, containers and volumes under `root`. */
export async function systemDiskUsage(root: string): Promise<DiskUsage> {
  return {
    images: await imageUsage(root),
    containers: await containerUsage(root),
    volumes: volumeUsage(root),
  };
}
