/**
 * Pulling an image into the store: a registry client built from mydocker's registry config and
 * Docker's credentials, then the pull. Progress goes to an observer the caller supplies (the CLI
 * renders it), created once the registry has answered, so a pull that fails to connect draws
 * nothing.
 *
 * @module
 */

import { RegistryClient } from "../registry/distribution/client.ts";
import { loadCredentials } from "../registry/distribution/credentials.ts";
import { loadRegistryConfig } from "../registry/distribution/registry_config.ts";
import { parsePlatform } from "../registry/format/platform.ts";
import {
  familiarName,
  familiarRepository,
  type ImageReference,
  parseReference,
} from "../registry/format/reference.ts";
import {
  type PullEvent,
  pullImage as pullFromRegistry,
  type PullResult,
} from "../registry/pull/pull.ts";
import { ImageStore } from "../registry/store.ts";

export type { LayerStatus, PullEvent, PullResult } from "../registry/pull/pull.ts";

/** The image a pull is of, as progress output names it. */
export interface PullSubject {
  /** The familiar name and tag or digest, e.g. `alpine:latest`. */
  name: string;
  /** The tag (or digest) pulled; `latest` when the reference has neither. */
  tag: string;
  /** The familiar repository, e.g. `alpine` or `ghcr.io/org/app`. */
  repository: string;
  /** Whether `run` pulls because the store lacks the image ("Unable to find image … locally"). */
  missingLocally: boolean;
}

/** Watches one pull: its events as they come, then how it ended. */
export interface PullObserver {
  /** Takes one progress event. */
  handle(event: PullEvent): void;
  /** The pull succeeded with `result`. */
  finish(result: PullResult): void;
  /** The pull failed. */
  abort(): void;
}

/** Starts watching the pull of `subject` (it may load its renderer first). */
export type PullObserverFactory = (subject: PullSubject) => PullObserver | Promise<PullObserver>;

/** What a pull needs besides the image. */
export interface PullRequest {
  /** `--platform os/arch[/variant]`, when given; this machine's otherwise. */
  platform: string | undefined;
  /** Who watches the pull. */
  observe: PullObserverFactory;
  /** Whether `run` pulls because the store lacks the image (default false). */
  missingLocally?: boolean;
}

/** Pulls `ref` into `store`, reporting progress to the request's observer. */
export async function pullReference(
  ref: ImageReference,
  store: ImageStore,
  request: PullRequest,
): Promise<PullResult> {
  const [config, credentials] = await Promise.all([loadRegistryConfig(), loadCredentials()]);
  const client = await RegistryClient.create(ref.registry, { config, credentials });
  const observer = await request.observe({
    name: familiarName(ref),
    tag: ref.digest ?? ref.tag ?? "latest",
    repository: familiarRepository(ref),
    missingLocally: request.missingLocally ?? false,
  });
  try {
    const result = await pullFromRegistry(client, store, ref, {
      ...(request.platform === undefined ? {} : { platform: parsePlatform(request.platform) }),
      maxConcurrentDownloads: config.maxConcurrentDownloads,
      onEvent: (event) => observer.handle(event),
    });
    observer.finish(result);
    return result;
  } catch (error) {
    observer.abort();
    throw error;
  }
}

/** `mydocker pull`: pulls the image named `image` into the store at `root`. */
export async function pullImage(
  root: string,
  image: string,
  request: PullRequest,
): Promise<PullResult> {
  return await pullReference(parseReference(image), new ImageStore(root), request);
}
