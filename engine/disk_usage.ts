/**
 * `system df`: the disk space images, containers and volumes take, and how much of it a prune
 * could free, counted as dockerd counts it (a layer shared by several images once); with `-v`,
 * each image (its layers shared with other images and its own), container and volume.
 *
 * @module
 */

import { ImageStore, type ImageSummary } from "../registry/store.ts";
import { listVolumes, volumeData, volumeUsers } from "../runtime/state/volume_store.ts";
import { listContainers } from "../runtime/state/containers.ts";
import { containerSummaries, type ContainerSummary } from "./container_listing.ts";
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
  const containers = await containerSummaries(root, true);
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

/** One image of `system df -v`: one row per name, as `images` lists them. */
export interface ImageUsageDetail {
  image: ImageSummary;
  /** Bytes of its layers. */
  size: number;
  /** Bytes of its layers that another image has too. */
  sharedSize: number;
  /** How many containers (running or kept) were made from it. */
  containers: number;
}

/** One container of `system df -v`. */
export interface ContainerUsageDetail {
  container: ContainerSummary;
  /** How many volumes it mounts. */
  localVolumes: number;
  /** Bytes of its writable layer. */
  size: number;
}

/** One volume of `system df -v`. */
export interface VolumeUsageDetail {
  name: string;
  /** How many containers mount it. */
  links: number;
  /** Bytes of its data. */
  size: number;
}

/** The tables of `system df -v`. */
export interface DiskUsageDetails {
  images: ImageUsageDetail[];
  containers: ContainerUsageDetail[];
  volumes: VolumeUsageDetail[];
}

async function imageDetails(root: string): Promise<ImageUsageDetail[]> {
  const store = new ImageStore(root);
  const images = await store.listImages().catch((error) => {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  });
  const sizes = await store.layerSizes();
  const layersOf = new Map<string, string[]>();
  for (const id of new Set(images.map((image) => image.id))) {
    layersOf.set(id, await store.layerIdsOf(id));
  }
  const imagesWith = new Map<string, number>();
  for (const layers of layersOf.values()) {
    for (const layer of new Set(layers)) imagesWith.set(layer, (imagesWith.get(layer) ?? 0) + 1);
  }
  const used = containerImageIds(root);
  return images.map((image) => {
    const layers = [...new Set(layersOf.get(image.id))];
    const bytes = (subset: string[]) => sum(subset.map((layer) => sizes.get(layer) ?? 0));
    return {
      image,
      size: bytes(layers),
      sharedSize: bytes(layers.filter((layer) => imagesWith.get(layer)! > 1)),
      containers: used.filter((id) => id === image.id).length,
    };
  });
}

/** Each image, container and volume under `root` with the disk space it takes. */
export async function systemDiskUsageDetails(root: string): Promise<DiskUsageDetails> {
  const containers = await containerSummaries(root, true);
  const sizes = await containerSizes(root, containers);
  const stored = listContainers(root);
  const records = new Map(stored.map((c) => [c.record.id, c.record]));
  return {
    images: await imageDetails(root),
    containers: containers.map((container) => ({
      container,
      localVolumes: records.get(container.id)?.config.volumes?.length ?? 0,
      size: sizes.get(container.id)?.rw ?? 0,
    })),
    volumes: listVolumes(root).map((volume) => ({
      name: volume.name,
      links: volumeUsers(root, volume.name).length,
      size: diskUsage(volumeData(root, volume.name)),
    })),
  };
}
