/**
 * `deno task conformance DIR [RUNTIME...]`: runs the OCI conformance suite of a built
 * opencontainers/runtime-tools checkout in DIR (every `validation/NAME/NAME.t`, each running
 * `runtimetest` in a container of the runtime under test) against mydocker's OCI runtime
 * (`mydocker-runc`) and each RUNTIME named besides (`runc`, `crun`, or a path), one program at a
 * time, each under a timeout. Prints the checks passed and failed and the time per runtime, then
 * the failing checks by name. The suite is not part of this repository: README.md says how to
 * build it. As root.
 *
 * After each program, the mounts runc and crun leave below the suite's bundle directories
 * (`/tmp/ocitest*`, for a config that shares the host's mount namespace) are unmounted and the
 * directories the program left are removed.
 *
 * @module
 */

import { moveStrayV2Controllers } from "./support.ts";

const LAUNCHER = new URL("../mydocker-runc", import.meta.url).pathname;

/** Seconds one program may run: `$CONFORMANCE_TIMEOUT`, else 120. */
const TIMEOUT = Number(Deno.env.get("CONFORMANCE_TIMEOUT") ?? 120);

/** Where the suite makes its bundles (Go's os.MkdirTemp("", "ocitest")). */
const BUNDLES = "/tmp";
const BUNDLE_PREFIX = "ocitest";

/** What one runtime did over the whole suite. */
interface RuntimeResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
  /** `PROGRAM: not ok N - DESCRIPTION` of each failing check, and programs that timed out. */
  failures: string[];
}

/** The path of runtime `name`: mydocker's launcher, a path, or a program on the PATH. */
async function runtimePath(name: string): Promise<string> {
  if (name === "mydocker" || name === "mydocker-runc") return LAUNCHER;
  if (name.includes("/")) return name;
  const found = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).output();
  const path = new TextDecoder().decode(found.stdout).trim();
  if (!found.success || path === "") throw new Error(`runtime "${name}" is not on the PATH`);
  return path;
}

/** The suite's programs in DIR, by name. */
function programs(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(`${dir}/validation`)) {
    if (!entry.isDirectory) continue;
    const program = `validation/${entry.name}/${entry.name}.t`;
    try {
      Deno.statSync(`${dir}/${program}`);
      found.push(program);
    } catch {
      // A helper package (util), not a program.
    }
  }
  if (found.length === 0) {
    throw new Error(`no validation/*/*.t in ${dir}: build them (README.md, the conformance suite)`);
  }
  return found.sort();
}

/** The suite's bundle directories now in /tmp. */
function bundleDirs(): Set<string> {
  return new Set(
    [...Deno.readDirSync(BUNDLES)]
      .filter((entry) => entry.isDirectory && entry.name.startsWith(BUNDLE_PREFIX))
      .map((entry) => `${BUNDLES}/${entry.name}`),
  );
}

/** Lazily unmounts everything mounted at or below `dir` in this mount namespace. */
async function unmountAll(dir: string): Promise<void> {
  const points = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point === dir || point?.startsWith(`${dir}/`) === true);
  // The outermost ones: `umount -R` takes what is below them.
  const outermost = points.filter((point) =>
    !points.some((other) => other !== point && point.startsWith(`${other}/`))
  );
  for (const point of new Set(outermost)) {
    await new Deno.Command("umount", { args: ["-R", "-l", point], stderr: "null" }).output();
  }
}

/** Removes the bundle directories a program left (and what runc or crun left mounted there). */
async function cleanUp(before: ReadonlySet<string>): Promise<void> {
  for (const dir of bundleDirs()) {
    if (before.has(dir)) continue;
    await unmountAll(dir);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs every program against runtime `name` at `path`. */
async function runSuite(dir: string, name: string, path: string): Promise<RuntimeResult> {
  const result: RuntimeResult = { name, passed: 0, failed: 0, seconds: 0, failures: [] };
  const start = performance.now();
  for (const program of programs(dir)) {
    const before = bundleDirs();
    const output = await new Deno.Command("timeout", {
      args: ["--kill-after=10", String(TIMEOUT), `./${program}`],
      cwd: dir,
      env: { RUNTIME: path },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    await cleanUp(before);
    const test = program.split("/")[1]!;
    const lines = new TextDecoder().decode(output.stdout).split("\n");
    for (const line of lines) {
      if (/^\s*ok/.test(line)) result.passed++;
      if (/^\s*not ok/.test(line)) {
        result.failed++;
        result.failures.push(`${test}: ${line.trim()}`);
      }
    }
    if (output.code === 124 || output.code === 137) {
      result.failures.push(`${test}: timed out after ${TIMEOUT} s`);
    }
    console.error(`(${name}) ${test}: exit ${output.code}`);
  }
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

/** Runs the suite in `dir` against mydocker and each runtime of `others`; prints the results. */
async function conformance(dir: string, others: readonly string[]): Promise<void> {
  if (Deno.uid() !== 0) throw new Error("the conformance suite runs as root");
  const names = [
    "mydocker-runc",
    ...others.filter((n) => n !== "mydocker" && n !== "mydocker-runc"),
  ];
  if (names.includes("crun")) await moveStrayV2Controllers();
  const results: RuntimeResult[] = [];
  for (const name of names) results.push(await runSuite(dir, name, await runtimePath(name)));
  console.log("\n| runtime | checks passed | checks failed | time |");
  console.log("|---|---:|---:|---:|");
  for (const { name, passed, failed, seconds } of results) {
    console.log(`| ${name} | ${passed} | ${failed} | ${seconds.toFixed(0)} s |`);
  }
  for (const { name, failures } of results) {
    console.log(`\n${name}: ${failures.length === 0 ? "no failures" : "failures:"}`);
    for (const failure of failures) console.log(`- ${failure}`);
  }
}

const [dir, ...others] = Deno.args;
if (dir === undefined) {
  console.error("usage: deno task conformance DIR [RUNTIME...]   (DIR: a built runtime-tools)");
  Deno.exit(2);
}
await conformance(Deno.realPathSync(dir), others);
