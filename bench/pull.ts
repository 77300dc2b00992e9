/**
 * Pull throughput: `mydocker pull` of a generated ~200 MB, 5-layer, ~20k-file image from a local
 * plain-HTTP registry, next to `skopeo copy` + `umoci unpack`, `podman pull`, and the floor:
 * `curl | gunzip | tar -x` per layer, 3 layers at a time. Every run writes into an empty
 * directory on a tmpfs, so the disk does not take part.
 *
 * @module
 */

import { pushImage, type TarEntry } from "../testing/image_builder.ts";
import { MYDOCKER } from "../testing/mydocker.ts";
import { startRegistry, type TestRegistry } from "../testing/registry_server.ts";
import {
  catchInterrupts,
  makeTmpfs,
  measure,
  median,
  moveStrayV2Controllers,
  peakRssMiB,
  printTable,
  removeTmpfs,
  requireProgram,
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
/** Like mydocker's default `maxConcurrentDownloads`. */
const FLOOR_PARALLEL = 3;
const TARGET_RSS_MIB = 150;
const TARGET_FLOOR_RATIO = 1.5;
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

/** Builds the image and pushes it as `bench/big:latest`; returns its file count and blob URLs. */
export async function pushBenchImage(
  registry: TestRegistry,
): Promise<{ files: number; blobUrls: string[] }> {
  const started = performance.now();
  const image = generateImage();
  const pushed = await pushImage(registry, "bench/big", "latest", {
    layers: image.layers.map((entries) => ({ entries, compression: "gzip" })),
  });
  const compressed = pushed.layers.reduce((n, l) => n + l.blob.length, 0);
  console.log(
    `Pushed bench/big:latest: ${image.files} files, ${(image.bytes / MIB).toFixed(0)} MiB of ` +
      `content, ${LAYERS} gzip layers of ${(compressed / MIB).toFixed(0)} MiB in all ` +
      `(${(pushed.layers.reduce((n, l) => n + l.tar.length, 0) / compressed).toFixed(2)}x), ` +
      `built and pushed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    files: image.files,
    blobUrls: pushed.layers.map((l) => `${registry.url}/v2/bench/big/blobs/${l.descriptor.digest}`),
  };
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

/** Starts the registry with its storage on `dir` (the tmpfs), through TMPDIR. */
export async function startRegistryIn(dir: string): Promise<TestRegistry> {
  await Deno.mkdir(dir);
  const previous = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", dir);
  try {
    return await startRegistry({ tls: false, tokenAuth: false });
  } finally {
    if (previous === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", previous);
  }
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
  const mydocker = time("mydocker");
  const rss = peakRssMiB(sampleNamed(samples, "mydocker"));
  const check = (ok: boolean) => ok ? "yes" : "NO";
  console.log(
    `\nTargets: faster than podman pull: ${check(mydocker < time("podman"))} ` +
      `(${(mydocker / time("podman")).toFixed(2)}x); within ${TARGET_FLOOR_RATIO}x of the ` +
      `floor: ${check(mydocker <= TARGET_FLOOR_RATIO * time("floor"))} ` +
      `(${(mydocker / time("floor")).toFixed(2)}x); peak RSS < ${TARGET_RSS_MIB} MiB: ` +
      `${check(rss < TARGET_RSS_MIB)} (${rss.toFixed(0)} MiB)`,
  );
}

/** Runs the pull benchmark with `runs` interleaved runs per command. */
export async function benchPull(runs: number): Promise<void> {
  for (const [program, apt] of [["podman", "podman"], ["skopeo", "skopeo"], ["umoci", "umoci"]]) {
    await requireProgram(program!, apt!);
  }
  await requireProgram("curl", "curl");
  await requireProgram("/usr/bin/time", "time");
  await requireProgram("docker-registry", "docker-registry");
  await moveStrayV2Controllers();
  using interrupts = catchInterrupts();
  const tmpfs = await makeTmpfs();
  let registry: TestRegistry | undefined;
  try {
    registry = await startRegistryIn(`${tmpfs}/registry`);
    const { files, blobUrls } = await pushBenchImage(registry);
    interrupts.check();
    const ref = `${registry.host}/bench/big:latest`;
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
    const extract = 'mkdir -p "$2" && curl -sfS "$1" | gunzip | tar -x -C "$2"';
    const skopeoUmoci = 'mkdir "$2" && skopeo copy -q --src-tls-verify=false "docker://$1" ' +
      '"oci:$2/oci:latest" && umoci unpack --image "$2/oci:latest" "$2/bundle"';
    const samples = await measure(
      [
        {
          name: "mydocker",
          argv: () => [MYDOCKER, "pull", "-q", ref],
          env: (run: number) => ({ ...env, ...registry!.env, MYDOCKER_ROOT: dir("mydocker", run) }),
          display: `MYDOCKER_ROOT=DIR mydocker pull -q ${ref}`,
          after: removeRun("mydocker"),
        },
        {
          name: "skopeo+umoci",
          argv: (run) => ["sh", "-c", skopeoUmoci, "_", ref, dir("skopeo", run)],
          env,
          display: `skopeo copy -q --src-tls-verify=false docker://${ref} oci:DIR:latest && ` +
            `umoci unpack --image DIR:latest BUNDLE`,
          after: removeRun("skopeo"),
        },
        {
          name: "podman",
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
            "--tls-verify=false",
            ref,
          ],
          env: { ...env, CONTAINERS_CONF: conf },
          display:
            `podman --root DIR --runroot DIR2 --storage-driver overlay pull -q --tls-verify=false ${ref}`,
          after: removeRun("podman"),
        },
        {
          name: "floor",
          argv: (run) => [
            "bash",
            "-c",
            `printf '%s\\n' "$@" | xargs -P ${FLOOR_PARALLEL} -n 2 bash -o pipefail -c '${extract}' _`,
            "_",
            ...blobUrls.flatMap((url, index) => [url, `${dir("floor", run)}/layer${index}`]),
          ],
          env,
          display: `curl -s BLOB | gunzip | tar -x -C DIR/layerN, ${FLOOR_PARALLEL} layers at a ` +
            `time (xargs -P ${FLOOR_PARALLEL})`,
          after: removeRun("floor"),
        },
      ],
      runs,
      { peakRss: true },
    );
    printTable(
      `Pull of a ${LAYERS}-layer, ~200 MB, ~20k-file gzip image from a local plain-HTTP registry, ` +
        `${runs} interleaved runs each, every run into an empty directory on a tmpfs; peak RSS ` +
        `is the biggest single process of the run (deno task bench pull)`,
      samples,
      "floor",
      { unit: "s", moreBaselines: ["podman"] },
    );
    printTargets(samples);
  } finally {
    await registry?.stop();
    await removeTmpfs(tmpfs);
  }
}
