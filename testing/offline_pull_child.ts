/**
 * Runs inside a network namespace that has only loopback (see `offline_pull_test.ts`): starts a
 * plain-HTTP registry there as a Docker Hub mirror, pushes `library/alpine:3.20` to it, then runs
 * `mydocker pull` of it and of a tag the mirror lacks, with Docker Hub and the npm registry out
 * of reach, mydocker using the Deno cache named by the first argument (else `$DENO_DIR`). Prints
 * what each pull printed and how it ended, as JSON.
 *
 * @module
 */

import { pushImage } from "./image_builder.ts";
import { runMydocker } from "./mydocker.ts";
import { startRegistry } from "./registry_server.ts";

const registry = await startRegistry({ tls: false, tokenAuth: false });
const root = await Deno.makeTempDir({ prefix: "mydocker-offline-" });
try {
  await pushImage(registry, "library/alpine", "3.20", {
    layers: [{ entries: [{ path: "etc/alpine-release", type: "file", content: "3.20.0\n" }] }],
  });
  await Deno.writeTextFile(
    registry.configFile,
    JSON.stringify({ "registry-mirrors": [registry.url] }),
  );
  const env = {
    ...registry.env,
    MYDOCKER_ROOT: root,
    DENO_DIR: Deno.args[0] ?? Deno.env.get("DENO_DIR") ?? "",
  };
  const results = [];
  for (const image of ["alpine:3.20", "alpine:missing"]) {
    const { code, stdoutText, stderrText } = await runMydocker(["pull", image], { env });
    results.push({ image, code, stdout: stdoutText, stderr: stderrText });
  }
  console.log(JSON.stringify({ mirror: registry.host, results }));
} finally {
  await registry.stop();
  await Deno.remove(root, { recursive: true });
}
