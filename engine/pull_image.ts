/**
 * Pulling from the command line: a registry client built from mydocker's config and Docker's
 * credentials, the pull itself, and its progress output.
 *
 * @module
 */

import { RegistryClient } from "../registry/distribution/client.ts";
import { loadCredentials } from "../registry/distribution/credentials.ts";
import { parsePlatform } from "../registry/format/platform.ts";
import { pullImage, type PullResult } from "../registry/pull/pull.ts";
import {
  familiarName,
  familiarRepository,
  type ImageReference,
} from "../registry/format/reference.ts";
import { loadRegistryConfig } from "../registry/distribution/registry_config.ts";
import type { ImageStore } from "../registry/store.ts";
import { PullProgress } from "../cli/pull_progress.ts";

/** How a pull reports itself. */
export interface PullOutput {
  /** `--platform os/arch[/variant]`, when given. */
  platform: string | undefined;
  /** Print nothing at all. */
  quiet: boolean;
}

/** Pulls `ref` into `store`, rendering progress on stderr unless quiet. */
export async function pullReference(
  ref: ImageReference,
  store: ImageStore,
  output: PullOutput,
): Promise<PullResult> {
  const [config, credentials] = await Promise.all([loadRegistryConfig(), loadCredentials()]);
  const client = await RegistryClient.create(ref.registry, { config, credentials });
  const progress = new PullProgress(
    familiarName(ref),
    ref.digest ?? ref.tag ?? "latest",
    familiarRepository(ref),
    { quiet: output.quiet },
  );
  try {
    const result = await pullImage(client, store, ref, {
      ...(output.platform === undefined ? {} : { platform: parsePlatform(output.platform) }),
      maxConcurrentDownloads: config.maxConcurrentDownloads,
      onEvent: progress.handle,
    });
    progress.finish(result);
    return result;
  } catch (error) {
    progress.abort();
    throw error;
  }
}
