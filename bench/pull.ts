/**
 * Pull throughput: `mydocker pull` of a generated ~200 MB, 5-layer, ~20k-file image from a local
 * registry behind TLS and token auth (Debian's `docker-registry` with the tests' token server),
 * next to `podman pull` of the same image from the same registry, the same pull from a plain-HTTP
 * registry, and the floor: `tar -xzf` of the same five blobs one after the other (from files, no
 * network, no digest checks). Every run writes into an empty directory on a tmpfs, so the disk
 * does not take part.
 *
 * @module
 */

import { pushImage, type TarEntry } from "../testing/image_builder.ts";
import { MYDOCKER } from "../testing/mydocker.ts";
import {
  type RegistryOptions,
  startRegistry,
  type TestRegistry,
} from "../testing/registry_server.ts";
import {
  catchInterrupts,
  installMissing,
  makeTmpfs,
  measure,
  median,
  moveStrayV2Controllers,
  peakRssMiB,
  printTable,
  removeTmpfs,
  type Sample,
  sampleNamed,
  unmountBelow,
} from "./support.ts";

const LAYERS = 5;
/** Share of the files each layer gets, bottom first. */
const LAYER_WEIGHTS = [0.35, 0.25, 0.2, 0.12, 0.08];
const SMALL_FILES = 19_976;
const LARGE_FILES = 24;
const FILES_PER_DIR = 100;
/** Share of each file's 256 B–4 KiB chunks that are random bytes; the rest is word salad. */
const RANDOM_SHARE = 0.25;
const POOL_BYTES = 8 << 20;
const KIB = 1024;
const MIB = 1024 * KIB;
/** Layers the parallel `tar -xzf` row unpacks at once: one per core here. */
const TAR_PARALLEL = 2;
const TARGET_RSS_MIB = 128;
const TARGET_FLOOR_RATIO = 1.3;
const TARGET_PODMAN_RATIO = 0.4;
const WORDS = (
  "the of and to in is for on that with as by this from at be are or an it not which have " +
  "config server client request response error value string number table index layer image " +
  "file path mount process signal thread buffer stream digest manifest registry container " +
  "return function const let import export interface type class module package version " +
  "linux kernel memory socket network address port host user group mode time data"
).split(" ");

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic file contents: chunks of random bytes mixed with chunks of text. */
class ContentGenerator {
  readonly #random: () => number;
  readonly #noise = new Uint8Array(POOL_BYTES);
  readonly #text = new Uint8Array(POOL_BYTES);

  constructor(seed: number) {
    this.#random = prng(seed);
    const words = new Uint32Array(this.#noise.buffer);
    for (let i = 0; i < words.length; i++) words[i] = this.#random() * 4294967296;
    const encoder = new TextEncoder();
    let offset = 0;
    while (offset < POOL_BYTES) {
      const word = WORDS[Math.floor(this.#random() * WORDS.length)]!;
      const line = this.#random() < 0.08 ? "\n" : " ";
      offset += encoder.encodeInto(word + line, this.#text.subarray(offset)).written;
    }
  }

  /** A float in [0, 1) from the generator's stream. */
  random(): number {
    return this.#random();
  }

  /** `size` bytes of content. */
  content(size: number): Uint8Array {
    const out = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const length = Math.min(size - offset, 256 + Math.floor(this.#random() * 3840));
      const pool = this.#random() < RANDOM_SHARE ? this.#noise : this.#text;
      const start = Math.floor(this.#random() * (POOL_BYTES - length));
      out.set(pool.subarray(start, start + length), offset);
      offset += length;
    }
    return out;
  }
}

/** The generated image: each layer's entries, and totals. */
interface BenchImage {
  layers: TarEntry[][];
  files: number;
  bytes: number;
}

/**
 * Generates the image's layers: 19,976 small files (1–16 KiB, log-uniform) and 24 large ones
 * (2–6 MiB), spread over 5 layers of decreasing size in directories of 100 files.
 */
function generateImage(): BenchImage {
  const generator = new ContentGenerator(20240101);
  const sizes: number[] = [];
  for (let i = 0; i < SMALL_FILES; i++) sizes.push(Math.round(KIB * 16 ** generator.random()));
  for (let i = 0; i < LARGE_FILES; i++) sizes.push(Math.round((2 + 4 * generator.random()) * MIB));
  const layers: TarEntry[][] = [];
  let next = 0;
  let bytes = 0;
  for (let layer = 0; layer < LAYERS; layer++) {
    const count = layer === LAYERS - 1
      ? sizes.length - next
      : Math.round(sizes.length * LAYER_WEIGHTS[layer]!);
    const base = `opt/bench/layer${layer}`;
    const entries: TarEntry[] = [
      { path: "opt", type: "dir" },
      { path: "opt/bench", type: "dir" },
      { path: base, type: "dir" },
    ];
    for (let i = 0; i < count; i++, next++) {
      const dir = `${base}/d${Math.floor(i / FILES_PER_DIR)}`;
      if (i % FILES_PER_DIR === 0) entries.push({ path: dir, type: "dir" });
      const size = sizes[next]!;
      bytes += size;
      entries.push({ path: `${dir}/f${i}.dat`, type: "file", content: generator.content(size) });
    }
    layers.push(entries);
  }
  return { layers, files: sizes.length, bytes };
}

/** Builds the image once and pushes it as `bench/big:latest` to each of `registries`. */
export async function pushBenchImage(
  registries: readonly TestRegistry[],
): Promise<{ files: number; blobDigests: string[] }> {
  const started = performance.now();
  const image = generateImage();
  const spec = {
    layers: image.layers.map((entries) => ({ entries, compression: "gzip" as const })),
  };
  let pushed;
  for (const registry of registries) {
    pushed = await pushImage(registry, "bench/big", "latest", spec);
  }
  const layers = pushed!.layers;
  const compressed = layers.reduce((n, l) => n + l.blob.length, 0);
  console.log(
    `Pushed bench/big:latest: ${image.files} files, ${(image.bytes / MIB).toFixed(0)} MiB of ` +
      `content, ${LAYERS} gzip layers of ${(compressed / MIB).toFixed(0)} MiB in all ` +
      `(${(layers.reduce((n, l) => n + l.tar.length, 0) / compressed).toFixed(2)}x), ` +
      `built and pushed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { files: image.files, blobDigests: layers.map((l) => l.descriptor.digest) };
}

/** Checks that a run unpacked every file of the image below `dir` (each one once). */
async function expectFiles(dir: string, files: number): Promise<void> {
  const found = await new Deno.Command("find", {
    args: [dir, "-type", "f", "-name", "f*.dat", "-printf", "."],
    stderr: "inherit",
  }).output();
  if (!found.success || found.stdout.length !== files) {
    throw new Error(`Expected ${files} unpacked files below ${dir}, found ${found.stdout.length}`);
  }
}

/**
 * Starts a registry (plain HTTP without auth unless `options` says otherwise) with its storage,
 * certificates and token server files on `dir` (the tmpfs), through TMPDIR.
 */
export async function startRegistryIn(
  dir: string,
  options: RegistryOptions = { tls: false, tokenAuth: false },
): Promise<TestRegistry> {
  await Deno.mkdir(dir);
  const previous = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", dir);
  try {
    return await startRegistry(options);
  } finally {
    if (previous === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", previous);
  }
}

/** Saves the image's blobs from `registry` (plain HTTP) as `DIR/layerN.tar.gz`; returns paths. */
async function saveBlobs(registry: TestRegistry, digests: string[], dir: string) {
  await Deno.mkdir(dir);
  const paths: string[] = [];
  for (const [index, digest] of digests.entries()) {
    const response = await fetch(`${registry.url}/v2/bench/big/blobs/${digest}`);
    if (!response.ok) throw new Error(`Cannot download blob ${digest}: ${response.status}`);
    const path = `${dir}/layer${index}.tar.gz`;
    await Deno.writeFile(path, new Uint8Array(await response.arrayBuffer()));
    paths.push(path);
  }
  return paths;
}

/**
 * Podman's engine settings for the bench: temporary blobs on the tmpfs, no event log, cgroupfs
 * (there is no systemd here). Storage (overlay) is set on the command line.
 */
function containersConf(tmp: string): string {
  return [
    "[engine]",
    `image_copy_tmp_dir = "${tmp}"`,
    'events_logger = "none"',
    'cgroup_manager = "cgroupfs"',
    "",
  ].join("\n");
}

/** Prints whether mydocker meets its pull targets. */
function printTargets(samples: readonly Sample[]): void {
  const time = (name: string) => median(sampleNamed(samples, name).times);
  const mydocker = time("mydocker (TLS + token)");
  const rss = peakRssMiB(sampleNamed(samples, "mydocker (TLS + token)"));
  const podman = mydocker / time("podman (TLS + token)");
  const floor = mydocker / time("floor: tar -xzf, sequential");
  const check = (ok: boolean) => ok ? "yes" : "NO";
  console.log(
    `\nTargets (mydocker over TLS + token): <= ${TARGET_PODMAN_RATIO}x podman: ` +
      `${check(podman <= TARGET_PODMAN_RATIO)} (${podman.toFixed(2)}x); <= ` +
      `${TARGET_FLOOR_RATIO}x the sequential tar -xzf: ${check(floor <= TARGET_FLOOR_RATIO)} ` +
      `(${floor.toFixed(2)}x); peak RSS <= ${TARGET_RSS_MIB} MiB: ` +
      `${check(rss <= TARGET_RSS_MIB)} (${rss.toFixed(0)} MiB)`,
  );
}

/** Runs the pull benchmark with `runs` interleaved runs per command. */
export async function benchPull(runs: number): Promise<void> {
  await installMissing([
    ["podman", "podman"],
    ["/usr/bin/time", "time"],
    ["docker-registry", "docker-registry"],
    ["openssl", "openssl"],
  ]);
  await moveStrayV2Controllers();
  using interrupts = catchInterrupts();
  const tmpfs = await makeTmpfs();
  const registries: TestRegistry[] = [];
  try {
    const plain = await startRegistryIn(`${tmpfs}/registry-plain`);
    registries.push(plain);
    const secure = await startRegistryIn(`${tmpfs}/registry-tls`, { tls: true, tokenAuth: true });
    registries.push(secure);
    const { files, blobDigests } = await pushBenchImage([plain, secure]);
    interrupts.check();
    const blobs = await saveBlobs(plain, blobDigests, `${tmpfs}/blobs`);
    const tmp = `${tmpfs}/tmp`;
    await Deno.mkdir(tmp);
    const conf = `${tmpfs}/containers.conf`;
    await Deno.writeTextFile(conf, containersConf(tmp));
    const env = { TMPDIR: tmp };
    const dir = (peer: string, run: number) => `${tmpfs}/${peer}-${run}`;
    const removeRun = (peer: string) => async (run: number) => {
      await expectFiles(dir(peer, run), files);
      await unmountBelow(dir(peer, run));
      await Deno.remove(dir(peer, run), { recursive: true });
      interrupts.check();
    };
    const mydocker = (name: string, peer: string, registry: TestRegistry) => ({
      name,
      argv: () => [MYDOCKER, "pull", "-q", `${registry.host}/bench/big`],
      env: (run: number) => ({ ...env, ...registry.env, MYDOCKER_ROOT: dir(peer, run) }),
      display: `MYDOCKER_ROOT=DIR mydocker pull -q ${registry.host}/bench/big`,
      after: removeRun(peer),
    });
    const certDir = `${secure.configDir}/certs.d/${secure.host}`;
    const untar = 'mkdir -p "$2" && tar -xzf "$1" -C "$2"';
    const tarArgs = (run: number) =>
      blobs.flatMap((blob, index) => [blob, `${dir("tar", run)}/layer${index}`]);
    const samples = await measure(
      [
        mydocker("mydocker (TLS + token)", "mydocker-tls", secure),
        mydocker("mydocker (plain HTTP)", "mydocker-http", plain),
        {
          name: "podman (TLS + token)",
          argv: (run) => [
            "podman",
            "--root",
            `${dir("podman", run)}/root`,
            "--runroot",
            `${dir("podman", run)}/run`,
            "--storage-driver",
            "overlay",
            "pull",
            "-q",
            "--cert-dir",
            certDir,
            `${secure.host}/bench/big`,
          ],
          env: { ...env, CONTAINERS_CONF: conf },
          display: "podman --root DIR --runroot DIR2 --storage-driver overlay pull -q " +
            `--cert-dir CA_DIR ${secure.host}/bench/big`,
          after: removeRun("podman"),
        },
        {
          name: "floor: tar -xzf, sequential",
          argv: (run) => [
            "sh",
            "-c",
            `while [ $# -gt 0 ]; do sh -c '${untar}' _ "$1" "$2"; shift 2; done`,
            "_",
            ...tarArgs(run),
          ],
          env,
          display: "tar -xzf BLOB -C DIR/layerN for each of the five blobs, one after the other",
          after: removeRun("tar"),
        },
        {
          name: `tar -xzf, ${TAR_PARALLEL} at a time`,
          argv: (run) => [
            "sh",
            "-c",
            `printf '%s\\n' "$@" | xargs -P ${TAR_PARALLEL} -n 2 sh -c '${untar}' _`,
            "_",
            ...tarArgs(run),
          ],
          env,
          display:
            `tar -xzf BLOB -C DIR/layerN, ${TAR_PARALLEL} at a time (xargs -P ${TAR_PARALLEL})`,
          after: removeRun("tar"),
        },
      ],
      runs,
      { peakRss: true },
    );
    printTable(
      `Pull of a ${LAYERS}-layer, ~200 MB, ~20k-file gzip image from a local docker-registry ` +
        `(TLS + token auth, or plain HTTP), ${runs} interleaved runs each, every run into an ` +
        `empty directory on a tmpfs; the tar rows read the blobs from files on the tmpfs; peak ` +
        `RSS is the biggest single process of the run (deno task bench pull)`,
      samples,
      "floor: tar -xzf, sequential",
      { unit: "s", moreBaselines: ["podman (TLS + token)"] },
    );
    printTargets(samples);
  } finally {
    for (const registry of registries) await registry.stop();
    await removeTmpfs(tmpfs);
  }
}
