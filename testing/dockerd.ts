/**
 * A dockerd of a test's own (Debian's `docker.io`): data, exec root, pid file, socket and config
 * in a temp directory, no bridge, no iptables, its own containerd namespaces, and the runtimes
 * it is given (mydocker's OCI runtime as `mydocker`) added with `--add-runtime`.
 *
 * @module
 */

import { runCaptured, type RunResult, waitForDaemon } from "./mydocker.ts";

/** Debian's docker client (not whatever else is first on PATH). */
export const DOCKER_CLIENT = "/usr/bin/docker";

/** A running dockerd. */
export interface TestDockerd {
  /** `-H unix://…`: the arguments that point a docker client at it. */
  host: string[];
  /** Runs the docker client against it. */
  docker(args: readonly string[]): Promise<RunResult>;
  /** Stops dockerd and removes its directories (every container must be removed first). */
  stop(): Promise<void>;
}

/**
 * Starts dockerd with `runtimes` (names and their runc-compatible programs) added; resolves
 * once it answers.
 */
export async function startDockerd(
  runtimes: Readonly<Record<string, string>>,
): Promise<TestDockerd> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-test-dockerd-" });
  const tag = dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x");
  await Deno.writeTextFile(`${dir}/daemon.json`, "{}");
  const host = ["-H", `unix://${dir}/docker.sock`];
  const daemon = new Deno.Command("dockerd", {
    args: [
      "--config-file",
      `${dir}/daemon.json`,
      "--data-root",
      `${dir}/data`,
      "--exec-root",
      `${dir}/exec`,
      "--pidfile",
      `${dir}/docker.pid`,
      ...host,
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-masq=false",
      "--containerd-namespace",
      `mydocker-test-${tag}`,
      "--containerd-plugins-namespace",
      `mydocker-test-${tag}-plugins`,
      ...Object.entries(runtimes).flatMap(([name, path]) => ["--add-runtime", `${name}=${path}`]),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const docker = (args: readonly string[]): Promise<RunResult> =>
    runCaptured(DOCKER_CLIENT, [...host, ...args]);
  await waitForDaemon(daemon, "dockerd", 30, async () => (await docker(["version"])).code === 0);
  return {
    host,
    docker,
    async stop() {
      daemon.kill("SIGTERM");
      await daemon.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
