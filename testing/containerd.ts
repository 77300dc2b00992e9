/**
 * A containerd of a test's own (Debian's `containerd`): its root, state and sockets in a temp
 * directory, the CRI plugin off, and `ctr` bound to it in a namespace of the test's, so that
 * the runc shim keeps its runtime state under `/run/containerd/runc/<namespace>` apart from
 * anyone else's.
 *
 * @module
 */

import { runCaptured, type RunResult, waitForDaemon } from "./mydocker.ts";

/** A running containerd. */
export interface TestContainerd {
  /** The namespace the test's containers live in. */
  namespace: string;
  /** Runs `ctr` against it, in the test's namespace. */
  ctr(args: readonly string[]): Promise<RunResult>;
  /** Stops containerd and removes its directories (every task must be deleted first). */
  stop(): Promise<void>;
}

/** Starts containerd; resolves once `ctr version` reaches it. */
export async function startContainerd(): Promise<TestContainerd> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-test-containerd-" });
  const address = `${dir}/containerd.sock`;
  await Deno.writeTextFile(
    `${dir}/config.toml`,
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${address}"`,
      "[ttrpc]",
      `  address = "${address}.ttrpc"`,
      "",
    ].join("\n"),
  );
  const daemon = new Deno.Command("containerd", {
    args: ["--config", `${dir}/config.toml`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const namespace = `mydocker-test-${dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
  const ctr = (args: readonly string[]): Promise<RunResult> =>
    runCaptured("ctr", ["--address", address, "--namespace", namespace, ...args]);
  await waitForDaemon(daemon, "containerd", 10, async () => (await ctr(["version"])).code === 0);
  return {
    namespace,
    ctr,
    async stop() {
      daemon.kill("SIGTERM");
      await daemon.status;
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(`/run/containerd/runc/${namespace}`, { recursive: true }).catch(() => {});
    },
  };
}
