/**
 * The local, content-addressed image store, safe under concurrent mydocker processes.
 *
 * Layout under the root (mydocker's state root, `--root`):
 * - `blobs/sha256/<hex>`: manifests and configs, written atomically (temp file, fsync, rename).
 * - `layers/<chainid hex>/diff/`: one unpacked layer at one position of a layer chain (its
 *   ChainID, `registry/format/chain_id.ts`), shared by every image with the same layers below
 *   it, and `layers/<chainid hex>/size`: its uncompressed size. A layer appears by one rename of
 *   a complete directory, so a half-unpacked layer is never visible. Keyed by ChainID, not by
 *   DiffID, so an image that lists one layer twice gets two directories (overlayfs refuses the
 *   same lower directory twice).
 * - `refs/<registry>/<repository>/@/<tag or sha256:hex>`: the manifest digest an image name means.
 * - `tmp/<pid>.<process start time>.<random>`: work in progress, removed by {@linkcode
 *   ImageStore.cleanStale} once its owner has died.
 * - `leases/<pid>.<process start time>.<random>`: the image id a live process is making a
 *   container of, a garbage-collection root until the container's record exists (containerd's
 *   leases); removed when the process exits, ignored and swept once its owner has died.
 * - `lock`: pulls and leases hold it shared, removals (which collect garbage) exclusive.
 *
 * @module
 */

import { chainIds } from "./format/chain_id.ts";
import { DigestMismatchError, parseDigest, sha256Digest } from "./format/digest.ts";
import { type ImageConfigFile, parseImageConfig, parseManifest } from "./format/manifest.ts";
import { familiarName, type ImageReference } from "./format/reference.ts";
import { errnoDescriptionOf } from "../sys/errno.ts";
import { pathExists } from "../sys/path_exists.ts";
import { processStartTime } from "../sys/process_identity.ts";

/** No image in the store has the given name. */
export class ImageNotFoundError extends Error {
  /** Builds the error for the image named `name`. */
  constructor(name: string) {
    super(`No such image: ${name}`);
    this.name = "ImageNotFoundError";
  }
}

/** The store's content is missing or inconsistent (a blob or layer an image needs is gone). */
export class StoreCorruptError extends Error {
  /** Builds the error with a message saying what is missing. */
  constructor(message: string) {
    super(message);
    this.name = "StoreCorruptError";
  }
}

/** A write to the store failed: no space left on device, a read-only file system, and so on. */
export class StoreWriteError extends Error {
  /** Builds the error for the store at `root` failing to write because of `cause`. */
  constructor(root: string, cause: unknown) {
    const reason = errnoDescriptionOf(cause) ?? (cause instanceof Error ? cause.message : cause);
    super(`Cannot write to the image store at ${JSON.stringify(root)}: ${reason}`, { cause });
    this.name = "StoreWriteError";
  }
}

/** One line of `mydocker images`. */
export interface ImageSummary {
  /** The registry host, `docker.io` for Docker Hub. */
  registry: string;
  /** The repository path inside the registry, e.g. `library/alpine`. */
  repository: string;
  /** The tag, or undefined for an image known only by digest. */
  tag: string | undefined;
  /** The manifest digest. */
  digest: string;
  /** The image id: the config digest. */
  id: string;
  /** The config's creation time, if it has one. */
  created: string | undefined;
  /** Sum of the uncompressed sizes of the image's layers, in bytes. */
  size: number;
}

/** What the runtime needs to run an image. */
export interface StoredImage {
  /** The manifest digest. */
  digest: string;
  /** The image id: the config digest. */
  id: string;
  /** The image config: its runtime defaults (`config`) and layer DiffIDs. */
  config: ImageConfigFile;
  /** The unpacked layer directories, top layer first (the order of overlayfs `lowerdir`). */
  layers: string[];
}

/** What {@linkcode ImageStore.removeImage} must respect besides the store's own names. */
export interface RemovalGuard {
  /** Throws to refuse removing a name of image `imageId` (called holding the exclusive lock). */
  check?: (imageId: string) => void | Promise<void>;
  /** Image ids (config digests) whose layers must be kept: the containers' images. */
  roots?: () => Iterable<string> | Promise<Iterable<string>>;
}

const REFS_MARKER = "@";

/**
 * Tells whether `path` exists. Unlike `sys/path_exists.ts` it throws every error but NotFound: a
 * store it cannot read is not an empty store. The store's small reads and checks are synchronous:
 * each async one is a round trip through Deno's thread pool, and a start makes about ten.
 */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** What `work` returns, or the error it throws, as a promise: an async API over synchronous work. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The image store rooted at one directory; see the module doc for the layout. */
export class ImageStore {
  /** The store's root directory. */
  readonly root: string;
  readonly #owner = `${Deno.pid}.${processStartTime("self") ?? "0"}`;
  #ready: Promise<void> | undefined;

  /** Opens the store at `root` (created on first use). */
  constructor(root: string) {
    this.root = root;
  }

  /** Creates the store's directories if they are missing. */
  init(): Promise<void> {
    this.#ready ??= settled(() => {
      for (const dir of ["blobs/sha256", "layers", "leases", "refs", "tmp"]) {
        Deno.mkdirSync(`${this.root}/${dir}`, { recursive: true, mode: 0o700 });
      }
    });
    return this.#ready;
  }

  /**
   * Runs `body` holding the store lock: shared (pulls, which only add) or exclusive (removals,
   * which delete what no image uses and must not race a pull that is adding it).
   */
  async withLock<T>(mode: "shared" | "exclusive", body: () => Promise<T>): Promise<T> {
    await this.init();
    // Opened and, when shared, locked synchronously: a shared lock waits only while an `rmi` of
    // another process holds it exclusively, and every run takes one (two event-loop turns less).
    const file = Deno.openSync(`${this.root}/lock`, { read: true, write: true, create: true });
    try {
      if (mode === "shared") file.lockSync(false);
      else await file.lock(true);
      return await body();
    } finally {
      file.close();
    }
  }

  /** Returns the path of blob `digest` (throws `InvalidDigestError` on a malformed digest). */
  blobPath(digest: string): string {
    return `${this.root}/blobs/sha256/${parseDigest(digest).hex}`;
  }

  /** Tells whether blob `digest` is stored. */
  hasBlob(digest: string): Promise<boolean> {
    return settled(() => exists(this.blobPath(digest)));
  }

  /**
   * Stores `bytes` as blob `digest` atomically.
   * @throws {DigestMismatchError} when `bytes` do not hash to `digest`.
   */
  async putBlob(digest: string, bytes: Uint8Array): Promise<void> {
    const path = this.blobPath(digest);
    const actual = await sha256Digest(bytes);
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    await this.#writeAtomically(path, async (temp) => {
      using file = await Deno.open(temp, { write: true, createNew: true, mode: 0o644 });
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    });
  }

  /**
   * Creates `path` by having `write` fill a temporary file, then renaming it into place; on any
   * failure the temporary file is removed and a failed write is a {@linkcode StoreWriteError}.
   */
  async #writeAtomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
    const temp = await this.tempPath();
    try {
      await write(temp);
      await Deno.rename(temp, path);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw this.#writeError(error);
    }
  }

  /** A {@linkcode StoreWriteError} for an error that carries an errno, else `error` itself. */
  #writeError(error: unknown): unknown {
    return errnoDescriptionOf(error) === undefined ? error : new StoreWriteError(this.root, error);
  }

  /**
   * Reads blob `digest`.
   * @throws {StoreCorruptError} when it is not stored.
   */
  readBlob(digest: string): Promise<Uint8Array> {
    return settled(() => {
      try {
        return Deno.readFileSync(this.blobPath(digest));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          throw new StoreCorruptError(`Blob ${digest} is missing from the store at "${this.root}"`);
        }
        throw error;
      }
    });
  }

  /** Returns the directory holding the unpacked layer whose ChainID is `chainId`. */
  layerPath(chainId: string): string {
    return `${this.#layerDir(chainId)}/diff`;
  }

  #layerDir(chainId: string): string {
    return `${this.root}/layers/${parseDigest(chainId).hex}`;
  }

  /** Tells whether the layer whose ChainID is `chainId` is stored. */
  hasLayer(chainId: string): Promise<boolean> {
    return settled(() => exists(this.#layerDir(chainId)));
  }

  /**
   * Creates a fresh temporary directory owned by this process, with an empty `diff/` inside to
   * unpack a layer into; give it to {@linkcode commitLayer} or remove it.
   */
  async makeLayerTempDir(): Promise<string> {
    const dir = await this.tempPath();
    try {
      await Deno.mkdir(`${dir}/diff`, { recursive: true, mode: 0o755 });
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw this.#writeError(error);
    }
    return dir;
  }

  /** Returns a new, unused temporary path owned by this process (nothing is created). */
  async tempPath(): Promise<string> {
    await this.init();
    return `${this.root}/tmp/${this.#owner}.${crypto.randomUUID()}`;
  }

  /**
   * Moves a layer unpacked in `tempDir` (from {@linkcode makeLayerTempDir}) into the store as
   * the layer whose ChainID is `chainId`, of `size` uncompressed bytes. When another process
   * stored it first, discards ours and returns false.
   */
  async commitLayer(tempDir: string, chainId: string, size: number): Promise<boolean> {
    const target = this.#layerDir(chainId);
    await Deno.writeTextFile(`${tempDir}/size`, `${size}\n`).catch((error) => {
      throw this.#writeError(error);
    });
    try {
      await Deno.rename(tempDir, target);
      return true;
    } catch (error) {
      if (!(await this.hasLayer(chainId))) throw error;
      await Deno.remove(tempDir, { recursive: true });
      return false;
    }
  }

  #refPath(ref: ImageReference): string {
    const name = ref.digest ?? ref.tag;
    if (name === undefined) throw new TypeError(`Image reference has neither tag nor digest`);
    return `${this.root}/refs/${ref.registry}/${ref.repository}/${REFS_MARKER}/${name}`;
  }

  /** Records that `ref` (its digest, else its tag) names the manifest `manifestDigest`. */
  async setTag(ref: ImageReference, manifestDigest: string): Promise<void> {
    parseDigest(manifestDigest);
    const path = this.#refPath(ref);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true }).catch((error) => {
      throw this.#writeError(error);
    });
    await this.#writeAtomically(path, (temp) => Deno.writeTextFile(temp, `${manifestDigest}\n`));
  }

  /** Returns the manifest digest `ref` names (its digest, else its tag), or undefined. */
  resolveTag(ref: ImageReference): Promise<string | undefined> {
    return settled(() => {
      try {
        return Deno.readTextFileSync(this.#refPath(ref)).trim();
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    });
  }

  /**
   * Returns what the runtime needs to run the image `ref` names, or undefined when the store has
   * no such image.
   * @throws {StoreCorruptError} when a blob or layer of the image is missing.
   */
  async getImage(ref: ImageReference): Promise<StoredImage | undefined> {
    const digest = await this.resolveTag(ref);
    return digest === undefined ? undefined : await this.#loadImage(digest);
  }

  async #loadImage(digest: string): Promise<StoredImage> {
    const manifest = await this.#readManifest(digest);
    const id = manifest.config.digest;
    const config = parseImageConfig(await this.readBlob(id));
    const layers: string[] = [];
    for (const chainId of await chainIds(config.rootfs.diff_ids)) {
      if (!(await this.hasLayer(chainId))) {
        throw new StoreCorruptError(`Layer ${chainId} of image ${id} is missing from the store`);
      }
      layers.unshift(this.layerPath(chainId));
    }
    return { digest, id, config, layers };
  }

  /**
   * Looks `ref` up holding the shared lock and, when found, leases its image: its layers stay
   * until this process exits (by then the container's record names the image), whatever
   * `rmi` or a moved tag does meanwhile. Returns undefined when the store has no such image.
   */
  async leaseImage(ref: ImageReference): Promise<StoredImage | undefined> {
    return await this.withLock("shared", async () => {
      const image = await this.getImage(ref);
      if (image === undefined) return undefined;
      const path = `${this.root}/leases/${this.#owner}.${crypto.randomUUID()}`;
      try {
        // Synchronous: a run's first async Deno.writeTextFile loads Deno's web streams (7 ms).
        Deno.writeTextFileSync(path, `${image.id}\n`);
      } catch (error) {
        throw this.#writeError(error);
      }
      globalThis.addEventListener("unload", () => {
        try {
          Deno.removeSync(path);
        } catch {
          // Already swept.
        }
      });
      return image;
    });
  }

  /** The image ids leased by live processes; a dead owner's lease is removed. */
  async #leasedImageIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const entry of Deno.readDir(`${this.root}/leases`)) {
      const path = `${this.root}/leases/${entry.name}`;
      if (ownerIsLive(entry.name)) ids.push((await Deno.readTextFile(path)).trim());
      else await Deno.remove(path).catch(() => {});
    }
    return ids;
  }

  async #readManifest(digest: string) {
    const document = parseManifest(await this.readBlob(digest), "");
    if (document.kind !== "manifest") {
      throw new StoreCorruptError(`Blob ${digest} is an index, not an image manifest`);
    }
    return document.manifest;
  }

  /** Lists every image name in the store with its id and size. */
  async listImages(): Promise<ImageSummary[]> {
    const images: ImageSummary[] = [];
    for (const { ref, digest } of await this.#refs()) {
      const image = await this.#loadImage(digest);
      let size = 0;
      for (const layer of image.layers) {
        const text = await Deno.readTextFile(`${layer.slice(0, -"/diff".length)}/size`);
        size += Number(text.trim());
      }
      images.push({
        registry: ref.registry,
        repository: ref.repository,
        tag: ref.tag,
        digest,
        id: image.id,
        created: image.config.created,
        size,
      });
    }
    return images;
  }

  /** Every name in `refs/` and the manifest digest it names. */
  async #refs(): Promise<{ ref: ImageReference; digest: string }[]> {
    const found: { ref: ImageReference; digest: string }[] = [];
    const walk = async (dir: string, parts: string[]): Promise<void> => {
      for await (const entry of Deno.readDir(dir)) {
        if (!entry.isDirectory) continue;
        if (entry.name !== REFS_MARKER) {
          await walk(`${dir}/${entry.name}`, [...parts, entry.name]);
          continue;
        }
        const [registry, ...repository] = parts;
        for await (const name of Deno.readDir(`${dir}/${REFS_MARKER}`)) {
          const digest = (await Deno.readTextFile(`${dir}/${REFS_MARKER}/${name.name}`)).trim();
          const byDigest = name.name.includes(":");
          found.push({
            ref: {
              registry: registry!,
              repository: repository.join("/"),
              tag: byDigest ? undefined : name.name,
              digest: byDigest ? name.name : undefined,
            },
            digest,
          });
        }
      }
    };
    // Listing creates nothing: a store never written to names no image.
    if (!pathExists(`${this.root}/refs`)) return found;
    await walk(`${this.root}/refs`, []);
    return found;
  }

  /**
   * Holding the exclusive lock, lets `guard.check` refuse, removes the name `ref`, then every
   * blob and layer that no remaining name, live lease or `guard.roots` image uses.
   * @throws {ImageNotFoundError} when the store has no image of that name.
   */
  async removeImage(ref: ImageReference, guard: RemovalGuard = {}): Promise<void> {
    await this.withLock("exclusive", async () => {
      const digest = await this.resolveTag(ref);
      if (digest === undefined) throw new ImageNotFoundError(familiarName(ref));
      const manifest = await this.#readManifest(digest).catch(() => undefined);
      if (manifest !== undefined) await guard.check?.(manifest.config.digest);
      await Deno.remove(this.#refPath(ref));
      await this.#collectGarbage([...await guard.roots?.() ?? []]);
    });
  }

  /**
   * Deletes blobs and layers that no image name, lease or image of `rootIds` (config digests)
   * leads to. Call holding the exclusive lock.
   */
  async #collectGarbage(rootIds: string[]): Promise<void> {
    const blobs = new Set<string>();
    const layers = new Set<string>();
    const configs = [...rootIds, ...await this.#leasedImageIds()];
    for (const { digest } of await this.#refs()) {
      const manifest = await this.#readManifest(digest);
      blobs.add(parseDigest(digest).hex);
      configs.push(manifest.config.digest);
    }
    for (const id of configs) {
      if (!(await this.hasBlob(id))) continue;
      blobs.add(parseDigest(id).hex);
      const config = parseImageConfig(await this.readBlob(id));
      for (const chainId of await chainIds(config.rootfs.diff_ids)) {
        layers.add(parseDigest(chainId).hex);
      }
    }
    for (const [dir, keep] of [["blobs/sha256", blobs], ["layers", layers]] as const) {
      for await (const entry of Deno.readDir(`${this.root}/${dir}`)) {
        if (!keep.has(entry.name)) {
          await Deno.remove(`${this.root}/${dir}/${entry.name}`, { recursive: true });
        }
      }
    }
  }

  /**
   * Every image name in the store with the id (config digest) of the image it names; empty when
   * the store has none.
   */
  async names(): Promise<{ ref: ImageReference; imageId: string }[]> {
    const names: { ref: ImageReference; imageId: string }[] = [];
    for (const { ref, digest } of await this.#refs()) {
      names.push({ ref, imageId: (await this.#readManifest(digest)).config.digest });
    }
    return names;
  }

  /** The ChainIDs (hex) of the layers of image `imageId`, bottom first; empty when it is gone. */
  async layerIdsOf(imageId: string): Promise<string[]> {
    if (!(await this.hasBlob(imageId))) return [];
    const config = parseImageConfig(await this.readBlob(imageId));
    return (await chainIds(config.rootfs.diff_ids)).map((chainId) => parseDigest(chainId).hex);
  }

  /** The uncompressed size of every stored layer, by ChainID hex; empty when there are none. */
  async layerSizes(): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (!exists(`${this.root}/layers`)) return sizes;
    for await (const entry of Deno.readDir(`${this.root}/layers`)) {
      const text = await Deno.readTextFile(`${this.root}/layers/${entry.name}/size`).catch(
        () => "0",
      );
      sizes.set(entry.name, Number(text.trim()));
    }
    return sizes;
  }

  /**
   * Holding the exclusive lock, deletes every blob and layer that no image name, live lease or
   * image of `rootIds` (the containers' images) uses: what a moved tag left behind.
   */
  async collectGarbage(rootIds: Iterable<string>): Promise<void> {
    await this.withLock("exclusive", () => this.#collectGarbage([...rootIds]));
  }

  /**
   * Removes temporary files and directories whose owner process has died (an interrupted pull);
   * returns how many it removed.
   */
  async cleanStale(): Promise<number> {
    await this.init();
    let removed = 0;
    for await (const entry of Deno.readDir(`${this.root}/tmp`)) {
      if (ownerIsLive(entry.name)) continue;
      await Deno.remove(`${this.root}/tmp/${entry.name}`, { recursive: true });
      removed++;
    }
    return removed;
  }
}

/** Whether the process that named `name` (`<pid>.<start time>.…`) still runs. */
function ownerIsLive(name: string): boolean {
  const [pid, start] = name.split(".");
  return start !== undefined && processStartTime(Number(pid)) === start;
}
