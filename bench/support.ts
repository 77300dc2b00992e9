/**
 * Benchmark helpers: timing whole commands, medians, tables, and the machine adjustments the
 * peers need (crun refuses a hybrid cgroup layout while hugetlb sits on the v2 hierarchy).
 *
 * @module
 */

/** Timings of one command, in milliseconds. */
export interface Sample {
  name: string;
  command: string;
  times: number[];
}

/** Returns the median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `argv` once with its output discarded; throws when it fails. Returns milliseconds. */
export async function timeOnce(argv: readonly string[], env: Record<string, string> = {}) {
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

/** Runs each command `runs` times, interleaved so that drift hits all alike. */
export async function measure(
  commands: readonly {
    name: string;
    argv: (run: number) => string[];
    env?: Record<string, string>;
  }[],
  runs: number,
): Promise<Sample[]> {
  const samples = commands.map((c) => ({
    name: c.name,
    command: c.argv(0).join(" "),
    times: [] as number[],
  }));
  for (let run = 0; run < runs; run++) {
    for (const [index, command] of commands.entries()) {
      samples[index]!.times.push(await timeOnce(command.argv(run + 1), command.env));
    }
  }
  return samples;
}

/** Prints samples as a table of medians and ratios against `baseline` (a sample name). */
export function printTable(title: string, samples: readonly Sample[], baseline: string): void {
  const base = median(samples.find((s) => s.name === baseline)!.times);
  console.log(`\n${title}`);
  console.log("| what | median ms | min ms | ratio to " + baseline + " | command |");
  console.log("|---|---:|---:|---:|---|");
  for (const sample of samples) {
    const m = median(sample.times);
    console.log(
      `| ${sample.name} | ${m.toFixed(1)} | ${Math.min(...sample.times).toFixed(1)} | ` +
        `${(m / base).toFixed(2)}x | \`${sample.command}\` |`,
    );
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

/** Unmounts and removes a directory made by {@linkcode makeTmpfs}. */
export async function removeTmpfs(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir] }).output();
  await Deno.remove(dir);
}

/** Fails with a clear message when a peer program is missing. */
export async function requireProgram(name: string, apt: string): Promise<void> {
  const found = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).output();
  if (!found.success) throw new Error(`${name} is missing: apt-get install -y ${apt}`);
}
