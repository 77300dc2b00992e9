/**
 * The client of one registry's pull API (distribution v2): manifests (size-capped and
 * digest-verified) and blobs (resumable with `Range`), over {@linkcode Transport} with
 * authentication, Docker Hub's mirrors tried first (a failing mirror falls back to Docker Hub),
 * and HTTPS first with plain HTTP only for insecure registries.
 *
 * @module
 */

import { concatBytes } from "../../sys/bytes.ts";
import { type AuthChallenge, parseAuthChallenges } from "./auth_challenge.ts";
import { Authenticator } from "./authenticator.ts";
import type { CredentialStore } from "./credentials.ts";
import { parseDigest, sha256Digest } from "../format/digest.ts";
import { MANIFEST_ACCEPT } from "../format/media_types.ts";
import { DOCKER_HUB, registryApiHost } from "../format/reference.ts";
import { isInsecureRegistry, loadCaCerts, type RegistryConfig } from "./registry_config.ts";
import { errorFromResponse, RegistryError } from "./registry_error.ts";
import { DEFAULT_RETRY, type RetryPolicy, Transport } from "./transport.ts";

/** A fetched manifest or index, its media type and its verified digest. */
export interface FetchedManifest {
  /** The media type the registry sent (`Content-Type`). */
  mediaType: string;
  /** The digest of `bytes`, checked against a digest reference, else `Docker-Content-Digest`. */
  digest: string;
  /** The document as received. */
  bytes: Uint8Array;
}

/** A blob download: the body stream, its length and the offset it starts at. */
export interface FetchedBlob {
  /** The blob's bytes from `offset` on. */
  body: ReadableStream<Uint8Array>;
  /** Bytes in `body` (Content-Length), undefined when the server did not say. */
  size: number | undefined;
  /** Where `body` starts in the blob: the requested offset, or 0 if the server ignored Range. */
  offset: number;
}

/** Options for `RegistryClient.create()`. */
export interface RegistryClientOptions {
  /** Mirrors, insecure registries and CA directories. */
  config: RegistryConfig;
  /** The user's registry credentials. */
  credentials: CredentialStore;
  /** How failed requests are retried (default {@linkcode DEFAULT_RETRY}). */
  retry?: RetryPolicy;
}

/** Manifests and configs larger than this are refused while reading (containerd's and Docker's limit). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface Endpoint {
  /** Host and port, for messages. */
  host: string;
  /** `scheme://host[/prefix]`, undefined until the scheme of an insecure registry is known. */
  base: string | undefined;
  /** Whether plain HTTP may be tried when HTTPS fails. */
  allowHttp: boolean;
  mirror: boolean;
  failed: boolean;
  challenge: AuthChallenge | undefined;
}

function isNetworkError(error: unknown): boolean {
  return error instanceof RegistryError && error.httpStatus === undefined;
}

function pickChallenge(header: string | null): AuthChallenge | undefined {
  const challenges = parseAuthChallenges(header ?? "");
  return challenges.find((c) => c.scheme === "bearer") ??
    challenges.find((c) => c.scheme === "basic");
}

/** Fetches manifests and blobs from one registry (Docker Hub: its mirrors first). */
export class RegistryClient {
  /** The registry name, e.g. `docker.io` or `127.0.0.1:5000`. */
  readonly registry: string;
  readonly #endpoints: Endpoint[];
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #credentials: CredentialStore;

  /**
   * Creates a client for `registry`, loading the certs.d CAs of it and its mirrors.
   * @throws {RegistryConfigError} when a CA file cannot be read.
   */
  static async create(registry: string, options: RegistryClientOptions): Promise<RegistryClient> {
    const endpoints: Endpoint[] = [];
    if (registry === DOCKER_HUB) {
      for (const mirror of options.config.registryMirrors) {
        endpoints.push({
          host: new URL(mirror).host,
          base: mirror,
          allowHttp: false,
          mirror: true,
          failed: false,
          challenge: undefined,
        });
      }
    }
    const host = registryApiHost(registry);
    const allowHttp = isInsecureRegistry(options.config, host);
    endpoints.push({
      host,
      base: allowHttp ? undefined : `https://${host}`,
      allowHttp,
      mirror: false,
      failed: false,
      challenge: undefined,
    });
    const caCerts: string[] = [];
    for (const hostname of new Set(endpoints.map((e) => e.host))) {
      caCerts.push(...await loadCaCerts(options.config, hostname));
    }
    return new RegistryClient(
      registry,
      endpoints,
      new Transport(caCerts, options.retry ?? DEFAULT_RETRY, options.config.timeouts),
      options.credentials,
    );
  }

  private constructor(
    registry: string,
    endpoints: Endpoint[],
    transport: Transport,
    credentials: CredentialStore,
  ) {
    this.registry = registry;
    this.#endpoints = endpoints;
    this.#transport = transport;
    this.#auth = new Authenticator(transport);
    this.#credentials = credentials;
  }

  /** How many bearer tokens this client requested so far (tokens are cached per scope). */
  get tokenRequests(): number {
    return this.#auth.tokenRequests;
  }

  /** Releases the HTTP client. */
  close(): void {
    this.#transport.close();
  }

  /**
   * Fetches a manifest or index by tag or digest and verifies its digest: against `reference`
   * when it is a digest, else against the `Docker-Content-Digest` header when present.
   * @throws {RegistryError} on HTTP errors (`manifest unknown`, `unauthorized: …`), network
   *   failures, oversized manifests and digest mismatches.
   */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const byDigest = reference.includes(":");
    if (byDigest) parseDigest(reference);
    const response = await this.#request(repository, `manifests/${reference}`, "manifest", {
      headers: new Headers({ accept: MANIFEST_ACCEPT }),
    });
    const tooLarge = () =>
      new RegistryError(
        `manifest of ${repository}:${reference} from ${this.registry} is larger than ${MAX_MANIFEST_BYTES} bytes`,
        response.status,
      );
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_MANIFEST_BYTES) {
      await response.body?.cancel();
      throw tooLarge();
    }
    const bytes = await readCapped(response.body, MAX_MANIFEST_BYTES, tooLarge);
    const digest = await sha256Digest(bytes);
    const expected = byDigest ? reference : response.headers.get("docker-content-digest");
    if (expected !== null && expected !== digest) {
      throw new RegistryError(
        `manifest digest mismatch for ${repository}:${reference}: expected ${expected}, got ${digest}`,
        response.status,
      );
    }
    return { mediaType: manifestMediaType(response, bytes), digest, bytes };
  }

  /**
   * Starts downloading a blob, from `offset` when given (`Range: bytes=offset-`). The caller
   * verifies the digest of what it reads.
   * @throws {RegistryError} on HTTP errors (`blob unknown`, …) and network failures.
   */
  async getBlob(
    repository: string,
    digest: string,
    options: { offset?: number; signal?: AbortSignal } = {},
  ): Promise<FetchedBlob> {
    parseDigest(digest);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`Cannot fetch blob ${digest}: invalid offset ${offset}`);
    }
    const headers = new Headers();
    if (offset > 0) headers.set("range", `bytes=${offset}-`);
    const response = await this.#request(repository, `blobs/${digest}`, "blob", {
      headers,
      signal: options.signal,
    });
    const lengthHeader = response.headers.get("content-length");
    const size = lengthHeader === null ? undefined : Number(lengthHeader);
    let start = 0;
    if (response.status === 206) {
      const range = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
      start = range === null ? offset : Number(range[1]);
      if (start !== offset) {
        await response.body?.cancel();
        throw new RegistryError(
          `blob ${digest} answered a request for offset ${offset} with offset ${start}`,
          206,
        );
      }
    }
    if (response.body === null) {
      throw new RegistryError(`blob ${digest} has an empty response body`, response.status);
    }
    return { body: response.body, size, offset: start };
  }

  /** Sends a GET for `/v2/<repository>/<path>` with auth, trying mirrors then the registry. */
  async #request(
    repository: string,
    path: string,
    subject: string,
    init: { headers: Headers; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const live = this.#endpoints.filter((e) => !e.failed);
    const answers: string[] = [];
    for (const [i, endpoint] of live.entries()) {
      const last = i === live.length - 1;
      let failure: unknown;
      try {
        const response = await this.#authorizedRequest(endpoint, repository, path, init);
        if (response.ok) return response;
        failure = await errorFromResponse(response, this.registry, subject);
      } catch (error) {
        if (init.signal?.aborted) throw error;
        failure = error;
      }
      if (!endpoint.mirror || last) throw withEarlierAnswers(failure, answers, endpoint.host);
      answers.push(
        `mirror ${endpoint.host}: ${failure instanceof Error ? failure.message : failure}`,
      );
      endpoint.failed = true;
    }
    throw new RegistryError(`no endpoint left for ${this.registry}`, undefined);
  }

  async #authorizedRequest(
    endpoint: Endpoint,
    repository: string,
    path: string,
    init: { headers: Headers; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const scope = `repository:${repository}:pull`;
    const credential = endpoint.mirror ? undefined : this.#credentials.lookup(this.registry);
    const send = async (refresh: boolean) => {
      const headers = new Headers(init.headers);
      if (endpoint.challenge !== undefined) {
        const authorization = await this.#auth.authorization(
          this.registry,
          endpoint.challenge,
          scope,
          credential,
          refresh,
        );
        if (authorization !== undefined) headers.set("authorization", authorization);
      }
      return this.#send(endpoint, `/v2/${repository}/${path}`, { headers, signal: init.signal });
    };
    const hadChallenge = endpoint.challenge !== undefined;
    const response = await send(false);
    if (response.status !== 401) return response;
    const challenge = pickChallenge(response.headers.get("www-authenticate"));
    if (challenge === undefined || (hadChallenge && challenge.scheme === "basic")) return response;
    await response.body?.cancel();
    endpoint.challenge = challenge;
    return send(true);
  }

  /** Sends to the endpoint, resolving HTTPS-or-HTTP for insecure registries on first use. */
  async #send(
    endpoint: Endpoint,
    path: string,
    init: { headers: Headers; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    if (endpoint.base === undefined) {
      try {
        const response = await this.#transport.request(`https://${endpoint.host}${path}`, init, 1);
        endpoint.base = `https://${endpoint.host}`;
        return response;
      } catch (error) {
        if (!isNetworkError(error)) throw error;
      }
      const response = await this.#transport.request(`http://${endpoint.host}${path}`, init);
      endpoint.base = `http://${endpoint.host}`;
      return response;
    }
    return this.#transport.request(`${endpoint.base}${path}`, init);
  }
}

/**
 * `error` from the last endpoint tried (`host`), its message preceded by each mirror's own
 * answer when mirrors failed first: `mirror m:5443: manifest unknown; registry-1.docker.io: …`.
 */
function withEarlierAnswers(error: unknown, answers: readonly string[], host: string): unknown {
  if (answers.length === 0 || !(error instanceof RegistryError)) return error;
  return new RegistryError(
    `${answers.join("; ")}; ${host}: ${error.message}`,
    error.httpStatus,
    error.code,
    { cause: error },
  );
}

/** Reads `body` whole, throwing `tooLarge()` as soon as it passes `max` bytes. */
async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body ?? []) {
    length += chunk.length;
    if (length > max) throw tooLarge(); // leaving the loop cancels the body
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}

/** The media type from Content-Type, or from the document when the header is generic. */
function manifestMediaType(response: Response, bytes: Uint8Array): string {
  const header = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (header !== "" && header !== "application/json" && header !== "text/plain") return header;
  try {
    const mediaType = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown })
      .mediaType;
    return typeof mediaType === "string" ? mediaType : header;
  } catch {
    return header;
  }
}
