/**
 * Pulls one image into a store, printing each progress event's status on stdout: a child process
 * for tests that kill a pull midway. Usage: `pull_child.ts <store root> <reference>`, with the
 * environment of a `TestRegistry`.
 *
 * @module
 */

import { RegistryClient } from "../registry/distribution/client.ts";
import { ANONYMOUS } from "../registry/distribution/credentials.ts";
import { pullImage } from "../registry/pull/pull.ts";
import { parseReference } from "../registry/format/reference.ts";
import { loadRegistryConfig } from "../registry/distribution/registry_config.ts";
import { ImageStore } from "../registry/store.ts";

const [root, name] = Deno.args;
const ref = parseReference(name!);
const client = await RegistryClient.create(ref.registry, {
  config: await loadRegistryConfig(),
  credentials: ANONYMOUS,
});
await pullImage(client, new ImageStore(root!), ref, {
  maxConcurrentDownloads: 1,
  onEvent: (event) => {
    if (event.type === "layer") console.log(event.status);
  },
});
client.close();
