/**
 * Benchmark helpers: timing whole commands, medians, tables, and the machine adjustments the
 * peers need (crun refuses a hybrid cgroup layout while hugetlb sits on the v2 hierarchy).
 *
 * @module
 */

/** Timings of one command, in milliseconds. */
export interface Sample {
  /** The row's name. */
  name: string;
  /** The command as shown in the table. */
  command: string;
  /** Each run's wall time. */
  times: number[];
  /** Peak RSS of each run's biggest process, in KiB (only when measured with `peakRss`). */
  peakRssKiB?: number[];
}

/** A command for {@linkcode measure}. */
export interface BenchCommand {
  /** The row's name. */
  name: string;
  /** The command of run `run` (1-based; 0 for the table's command column). */
  argv: (run: number) => string[];
  /** Extra environment variables, or a function of the run giving them. */
  env?: Record<string, string> | ((run: number) => Record<string, string>);
  /** Shown in the table instead of `argv(0)`. */
  display?: string;
  /** Runs after each timed run, untimed (e.g. to delete what the run wrote). */
  after?: (run: number) => Promise<void>;
}

/** Returns the median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `argv` once with its output discarded; throws when it fails. Returns milliseconds. */
export async function timeOnce(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env,
  }).output();
  const elapsed = performance.now() - start;
  if (!output.success) {
    throw new Error(
      `Benchmark command failed (${output.code}): ${argv.join(" ")}\n` +
        new TextDecoder().decode(output.stderr),
    );
  }
  return elapsed;
}

/**
 * Runs `argv` once under GNU time (`/usr/bin/time`, Debian package `time`). Returns milliseconds
 * and the peak RSS in KiB of the biggest single process in the command's tree (for a shell
 * pipeline: its largest member, not the sum).
 */
export async function timeWithPeakRss(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<{ ms: number; peakRssKiB: number }> {
  const report = await Deno.makeTempFile({ prefix: "mydocker-bench-rss-" });
  try {
    const ms = await timeOnce(["/usr/bin/time", "-f", "%M", "-o", report, ...argv], env);
    const peakRssKiB = Number((await Deno.readTextFile(report)).trim().split("\n").at(-1));
    if (!Number.isFinite(peakRssKiB)) {
      throw new Error(`GNU time reported no peak RSS for: ${argv.join(" ")}`);
    }
    return { ms, peakRssKiB };
  } finally {
    await Deno.remove(report);
  }
}

/**
 * Runs each command `runs` times, interleaved so that drift hits all alike. With `peakRss`,
 * also records each run's peak RSS (see {@linkcode timeWithPeakRss}).
 */
export async function measure(
  commands: readonly BenchCommand[],
  runs: number,
  options: { peakRss?: boolean } = {},
): Promise<Sample[]> {
  const samples: Sample[] = commands.map((c) => ({
    name: c.name,
    command: c.display ?? c.argv(0).join(" "),
    times: [],
    ...(options.peakRss ? { peakRssKiB: [] } : {}),
  }));
  for (let run = 0; run < runs; run++) {
    for (const [index, command] of commands.entries()) {
      const sample = samples[index]!;
      const argv = command.argv(run + 1);
      const env = typeof command.env === "function" ? command.env(run + 1) : command.env;
      if (options.peakRss) {
        const { ms, peakRssKiB } = await timeWithPeakRss(argv, env);
        sample.times.push(ms);
        sample.peakRssKiB!.push(peakRssKiB);
      } else {
        sample.times.push(await timeOnce(argv, env));
      }
      await command.after?.(run + 1);
    }
  }
  return samples;
}

/** Returns the sample named `name`; throws when there is none. */
export function sampleNamed(samples: readonly Sample[], name: string): Sample {
  const sample = samples.find((s) => s.name === name);
  if (sample === undefined) throw new Error(`No benchmark sample named "${name}"`);
  return sample;
}

/** The largest peak RSS of a sample's runs, in MiB (NaN when it was not measured). */
export function peakRssMiB(sample: Sample): number {
  return sample.peakRssKiB === undefined ? NaN : Math.max(...sample.peakRssKiB) / 1024;
}

/** How {@linkcode printTable} shows samples. */
export interface TableOptions {
  /** Time unit of the median and min columns (default "ms"). */
  unit?: "ms" | "s";
  /** Further samples to show ratios against, each in its own column after `baseline`'s. */
  moreBaselines?: readonly string[];
}

/**
 * Prints samples as a table of medians and ratios against `baseline` (a sample name), plus a
 * peak RSS column (the largest of the runs) when the samples have one.
 */
export function printTable(
  title: string,
  samples: readonly Sample[],
  baseline: string,
  options: TableOptions = {},
): void {
  const unit = options.unit ?? "ms";
  const [scale, digits] = unit === "s" ? [1000, 2] : [1, 1];
  const baselines = [baseline, ...(options.moreBaselines ?? [])];
  const bases = baselines.map((name) => median(sampleNamed(samples, name).times));
  const rss = samples.some((s) => s.peakRssKiB !== undefined);
  const columns = [
    "what",
    `median ${unit}`,
    `min ${unit}`,
    ...baselines.map((name) => `ratio to ${name}`),
    ...(rss ? ["peak RSS MiB"] : []),
    "command",
  ];
  console.log(`\n${title}`);
  console.log(`| ${columns.join(" | ")} |`);
  console.log(`|---|---:|---:|${baselines.map(() => "---:|").join("")}${rss ? "---:|" : ""}---|`);
  for (const sample of samples) {
    const m = median(sample.times);
    const cells = [
      sample.name,
      (m / scale).toFixed(digits),
      (Math.min(...sample.times) / scale).toFixed(digits),
      ...bases.map((base) => `${(m / base).toFixed(2)}x`),
      ...(rss ? [peakRssMiB(sample).toFixed(0)] : []),
      `\`${sample.command.replaceAll("|", "\\|")}\``,
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}

/**
 * crun 1.8 refuses to start while a controller (hugetlb here) sits on the cgroup v2 hierarchy
 * of a hybrid layout: mount that controller on its own v1 hierarchy, which takes it off v2.
 */
export async function moveStrayV2Controllers(): Promise<void> {
  const file = "/sys/fs/cgroup/unified/cgroup.controllers";
  let controllers: string[];
  try {
    controllers = (await Deno.readTextFile(file)).trim().split(/\s+/).filter(Boolean);
  } catch {
    return;
  }
  for (const controller of controllers) {
    const target = `/sys/fs/cgroup/${controller}`;
    await Deno.mkdir(target, { recursive: true });
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "cgroup", "-o", controller, "cgroup", target],
    }).output();
    if (!mounted.success) throw new Error(`Cannot move cgroup controller ${controller} to v1`);
    console.log(
      `(moved the ${controller} controller from cgroup v2 to its own v1 hierarchy for crun)`,
    );
  }
}

/** Mounts a fresh tmpfs on a new temporary directory and returns its path. */
export async function makeTmpfs(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-bench-" });
  const mounted = await new Deno.Command("mount", { args: ["-t", "tmpfs", "tmpfs", dir] }).output();
  if (!mounted.success) throw new Error(`Cannot mount a tmpfs on ${dir}`);
  return dir;
}

/** Unmounts every mount at or below `dir`, deepest first (what a peer left mounted). */
export async function unmountBelow(dir: string): Promise<void> {
  const mountInfo = await Deno.readTextFile("/proc/self/mountinfo");
  const points = mountInfo.split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point === dir || point?.startsWith(`${dir}/`) === true)
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)))
    )
    .reverse();
  for (const point of points) {
    const unmounted = await new Deno.Command("umount", { args: [point], stderr: "piped" }).output();
    if (!unmounted.success) {
      throw new Error(
        `Cannot unmount ${point}: ${new TextDecoder().decode(unmounted.stderr).trim()}`,
      );
    }
  }
}

/**
 * Unmounts (with anything mounted below it) and removes a directory made by
 * {@linkcode makeTmpfs}.
 */
export async function removeTmpfs(dir: string): Promise<void> {
  await unmountBelow(dir);
  await Deno.remove(dir);
}

/** Whether `name` is a program on the PATH (or an existing executable path). */
export async function hasProgram(name: string): Promise<boolean> {
  return (await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).output()).success;
}

/** Fails with a clear message when a peer program is missing. */
export async function requireProgram(name: string, apt: string): Promise<void> {
  if (!(await hasProgram(name))) throw new Error(`${name} is missing: apt-get install -y ${apt}`);
}

/**
 * Installs the Debian packages of the peer programs that are missing (pairs of program and
 * package), with apt-get, as `tests/setup.sh` does for the tests; throws when that fails.
 */
export async function installMissing(programs: readonly [string, string][]): Promise<void> {
  const missing: string[] = [];
  for (const [program, apt] of programs) {
    if (!(await hasProgram(program))) missing.push(apt);
  }
  if (missing.length === 0) return;
  console.log(`(installing the peers' Debian packages: ${missing.join(" ")})`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", ...missing]]) {
    const apt = await new Deno.Command("apt-get", { args, env, stdout: "null" }).output();
    if (!apt.success) throw new Error(`apt-get ${args.join(" ")} failed`);
  }
  for (const [program, apt] of programs) await requireProgram(program, apt);
}

/** The resident set size of process `pid` (`VmRSS` in `/proc/PID/status`), in KiB. */
export async function vmRssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`Process ${pid} has no VmRSS (a zombie, or a kernel thread)`);
  return Number(match[1]);
}

/** What {@linkcode catchInterrupts} returns: call `check()` between steps. */
export interface InterruptCatcher extends Disposable {
  /** Throws when SIGINT or SIGTERM arrived since the catcher was made. */
  check(): void;
}

/**
 * Keeps SIGINT and SIGTERM from killing Deno on the spot: they become an error thrown by the
 * next `check()` (or by a child that got the signal too), so `finally` blocks unmount and stop
 * what the benchmark started. Dispose it to restore the default behaviour.
 */
export function catchInterrupts(): InterruptCatcher {
  let caught: Deno.Signal | undefined;
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => caught = signal;
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return {
    check() {
      if (caught !== undefined) throw new Error(`Benchmark interrupted by ${caught}`);
    },
    [Symbol.dispose]() {
      for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
    },
  };
}
