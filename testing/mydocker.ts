/**
 * Runs `./mydocker` as a user would, for integration tests, and checks what it leaves behind.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The repository's launcher script. */
export const MYDOCKER: string = new URL("../mydocker", import.meta.url).pathname;

/** What a finished mydocker run produced. */
export interface RunResult {
  /** The exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: Uint8Array;
  /** Everything written to stderr. */
  stderr: Uint8Array;
  /** stdout decoded as UTF-8. */
  stdoutText: string;
  /** stderr decoded as UTF-8. */
  stderrText: string;
}

/** Options of {@linkcode runMydocker}. */
export interface RunMydockerOptions {
  /** Bytes for stdin, or "null" for no stdin at all (default: empty pipe). */
  stdin?: Uint8Array | "null";
  /** Extra environment variables. */
  env?: Record<string, string>;
}

const decoder = new TextDecoder();

/** A finished command's exit code and output, as bytes and as text. */
export function runResult(output: Deno.CommandOutput): RunResult {
  return {
    code: output.code,
    stdout: output.stdout,
    stderr: output.stderr,
    stdoutText: decoder.decode(output.stdout),
    stderrText: decoder.decode(output.stderr),
  };
}

/** Runs `command` with `args` to completion (stdin closed) and returns its code and output. */
export async function runCaptured(
  command: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<RunResult> {
  return runResult(
    await new Deno.Command(command, {
      args: [...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      ...(env === undefined ? {} : { env }),
    }).output(),
  );
}

/**
 * Waits until the daemon `daemon` (called `name` in errors) answers, asking `answers` every
 * 100 ms; after `seconds`, kills it and throws.
 */
export async function waitForDaemon(
  daemon: Deno.ChildProcess,
  name: string,
  seconds: number,
  answers: () => Promise<boolean>,
): Promise<void> {
  for (let attempt = 0; !(await answers()); attempt++) {
    if (attempt === seconds * 10) {
      daemon.kill("SIGKILL");
      await daemon.status;
      throw new Error(`${name} did not start within ${seconds} seconds`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A config file without the default bridge (`"bridge": "none"`), which every test's mydocker
 * gets unless it names a config file of its own: containers default to `--network none`, so a
 * test touches the host's network only in a network namespace of its own (see
 * `tests/integration/network_test.ts`).
 */
export const NO_BRIDGE_CONFIG: string =
  new URL("./no_bridge_config.json", import.meta.url).pathname;

/** Runs mydocker with `args` to completion and returns its exit code and output bytes. */
export async function runMydocker(
  args: readonly string[],
  options: RunMydockerOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(MYDOCKER, {
    args: [...args],
    stdin: options.stdin === "null" ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { MYDOCKER_CONFIG: NO_BRIDGE_CONFIG, ...options.env },
  }).spawn();
  if (options.stdin !== "null") {
    const writer = child.stdin.getWriter();
    if (options.stdin !== undefined) await writer.write(options.stdin);
    await writer.close();
  }
  return runResult(await child.output());
}

/** Starts mydocker in the background with piped stdout/stderr, for signal tests. */
export function spawnMydocker(
  args: readonly string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  return new Deno.Command(MYDOCKER, {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { MYDOCKER_CONFIG: NO_BRIDGE_CONFIG, ...env },
  }).spawn();
}

/** Reads `stream` until `marker` has appeared; returns what was read. */
export async function readUntil(
  stream: ReadableStream<Uint8Array>,
  marker: string,
): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  try {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

/**
 * The host's mounts at or below any of `roots` (a test's state root and root file system), for
 * comparing before and after a run: all that a test's containers could have mounted on the host
 * (a mount leaking out of a container shows up below its root). Mounts elsewhere are other
 * programs' business: a test never looks at the whole table.
 */
export function hostMounts(...roots: [string, ...string[]]): string[] {
  const below = (path: string) =>
    roots.some((root) => path === root || path.startsWith(`${root}/`));
  return Deno.readTextFileSync("/proc/self/mountinfo").split("\n")
    .map((line) => line.split(" ").slice(3, 5))
    .filter(([, mountPoint]) => mountPoint !== undefined && below(mountPoint))
    .map((fields) => fields.join(" "))
    .sort();
}

/** Host processes whose command line (arguments joined by spaces) starts with `prefix`. */
export function processesWith(prefix: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (cmdline.startsWith(prefix)) pids.push(Number(entry.name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Asserts that a state root holds no container directories. */
export function assertNoContainerDirs(root: string): void {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(`${root}/containers`)].map((entry) => entry.name);
  } catch {
    // No containers directory at all: nothing left.
  }
  assert.deepEqual(names, [], `container directories left under ${root}`);
}

/** Waits until `check` returns true, polling every 20 ms for up to `ms` milliseconds. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
