/**
 * HTTP for registries: one `Deno.HttpClient` that trusts the system's CAs plus the registry's
 * `certs.d` ones, redirects followed by hand so that `Authorization` never reaches another host
 * (blob downloads are often redirected to a CDN), retries with exponential backoff for 5xx and
 * 429 (honouring `Retry-After`), and two time limits: for the response
 * headers (connect, TLS handshake and headers together) and for each read of a body.
 *
 * @module
 */

import { isRetryableStatus, RegistryError, retryAfterSeconds } from "./registry_error.ts";
import { DEFAULT_TIMEOUTS, type RegistryTimeouts } from "./registry_config.ts";

/** How often and how patiently failed requests are retried. */
export interface RetryPolicy {
  /** Total tries, including the first. */
  attempts: number;
  /** Delay before the first retry; doubled for each further retry. */
  baseDelayMs: number;
  /** Upper bound of the exponential delay. */
  maxDelayMs: number;
  /** A 429 whose `Retry-After` asks for longer than this is not retried. */
  maxRetryAfterMs: number;
}

/** Five tries, 250 ms doubling up to 4 s, waiting at most 10 s for `Retry-After`. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  maxRetryAfterMs: 10_000,
};

const MAX_REDIRECTS = 10;
/** The buffer a default read of a body gets, as fetch's own body stream allocates. */
const DEFAULT_READ_BYTES = 64 * 1024;

/** A request to send: the method, headers and abort signal. */
export interface TransportRequest {
  /** The HTTP method (default GET). */
  method?: string;
  /** Request headers; `Authorization` is dropped when a redirect leaves the host. */
  headers?: Headers;
  /** The request body, for token requests that POST. */
  body?: BodyInit;
  /** Aborts the request and any retry wait. */
  signal?: AbortSignal | undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Sends registry requests through one HTTP client that trusts the system roots plus given CAs. */
export class Transport {
  readonly #client: Deno.HttpClient;
  readonly #retry: RetryPolicy;
  readonly #timeouts: RegistryTimeouts;

  /** Creates a transport trusting `caCerts` (PEM) in addition to the system roots. */
  constructor(
    caCerts: string[],
    retry: RetryPolicy = DEFAULT_RETRY,
    timeouts: RegistryTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.#client = Deno.createHttpClient({ caCerts });
    this.#retry = retry;
    this.#timeouts = timeouts;
  }

  /** Releases the underlying HTTP client. */
  close(): void {
    this.#client.close();
  }

  /**
   * Sends a request, following redirects itself and dropping `Authorization` when a redirect
   * leaves the original host. 5xx and 429 are retried with exponential backoff (`attempts`
   * overrides the policy's count); the last response is returned whatever its status.
   * @throws {RegistryError} (httpStatus undefined) when no response arrives after all tries.
   * @throws the signal's reason when aborted.
   */
  async request(
    url: string,
    request: TransportRequest,
    attempts = this.#retry.attempts,
  ): Promise<Response> {
    for (let attempt = 1;; attempt++) {
      let delay = Math.min(this.#retry.baseDelayMs * 2 ** (attempt - 1), this.#retry.maxDelayMs);
      try {
        const response = await this.#followRedirects(url, request);
        if (!isRetryableStatus(response.status) || attempt >= attempts) return response;
        if (response.status === 429) {
          const wait = retryAfterSeconds(response.headers.get("retry-after"));
          if (wait !== undefined) {
            if (wait * 1000 > this.#retry.maxRetryAfterMs) return response;
            delay = Math.max(delay, wait * 1000);
          }
        }
        await response.body?.cancel();
      } catch (error) {
        if (request.signal?.aborted || !(error instanceof TypeError)) throw error;
        // As Docker: a host that cannot be reached is not asked again (a dropped blob download
        // is resumed by its stream instead), so a dead endpoint costs no backoff.
        throw new RegistryError(
          `cannot reach ${new URL(url).host}: ${error.message}`,
          undefined,
          undefined,
          { cause: error },
        );
      }
      await sleep(delay, request.signal);
    }
  }

  async #followRedirects(url: string, request: TransportRequest): Promise<Response> {
    const origin = new URL(url).host;
    let current = url;
    let method = request.method ?? "GET";
    let body = request.body;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers = new Headers(request.headers);
      if (new URL(current).host !== origin) headers.delete("authorization");
      const response = await this.#fetchTimed(current, request.signal, {
        method,
        headers,
        body: body ?? null,
        redirect: "manual",
        client: this.#client,
      });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) {
        return this.#idleLimited(response, new URL(current).host);
      }
      await response.body?.cancel();
      current = new URL(location, current).href;
      if (response.status === 303 || (response.status !== 307 && response.status !== 308)) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
      }
    }
    throw new RegistryError(
      `too many redirects (more than ${MAX_REDIRECTS}) fetching ${url}`,
      undefined,
    );
  }

  /** `fetch`, failing with a clear error when no response headers arrive in time. */
  async #fetchTimed(
    url: string,
    signal: AbortSignal | undefined,
    init: RequestInit & { client: Deno.HttpClient },
  ): Promise<Response> {
    const { responseMs } = this.#timeouts;
    const timer = new AbortController();
    const timeout = setTimeout(() => {
      timer.abort(
        new RegistryError(
          `${new URL(url).host} did not answer within ${responseMs / 1000} s`,
          undefined,
        ),
      );
    }, responseMs);
    try {
      const signals = signal === undefined ? [timer.signal] : [signal, timer.signal];
      return await fetch(url, { ...init, signal: AbortSignal.any(signals) });
    } catch (error) {
      throw timer.signal.aborted ? timer.signal.reason : error;
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * `response` with a body that fails with a clear error when `host` goes silent too long while
   * a read waits. One timer per silence, not per chunk: it is armed by a read when none runs,
   * and when it fires early (data came meanwhile) it re-arms for what is left of the limit.
   *
   * The body is a byte stream read through to fetch's own with BYOB reads, so a reader that
   * brings its buffer gets the bytes written into it: a TLS body comes in 16 KiB records, and a
   * default read allocates (and zeroes) a 64 KiB buffer for each.
   */
  #idleLimited(response: Response, host: string): Response {
    if (response.body === null) return response;
    const { idleMs } = this.#timeouts;
    const reader = response.body.getReader({ mode: "byob" });
    let waiting = false;
    let since = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let silent: ((error: RegistryError) => void) | undefined;
    const stop = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    const watch = () => {
      timer = undefined;
      if (!waiting) return;
      const quiet = Date.now() - since;
      if (quiet < idleMs) {
        timer = setTimeout(watch, idleMs - quiet);
        return;
      }
      silent?.(new RegistryError(`${host} sent nothing for ${idleMs / 1000} s`, undefined));
    };
    const body = new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: DEFAULT_READ_BYTES,
      async pull(controller) {
        // autoAllocateChunkSize gives every read, default or BYOB, a request to fill.
        const request = controller.byobRequest!;
        const view = request.view!;
        waiting = true;
        since = Date.now();
        timer ??= setTimeout(watch, idleMs);
        const silence = new Promise<never>((_, reject) => silent = reject);
        try {
          const into = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
          const { done, value } = await Promise.race([reader.read(into), silence]);
          waiting = false;
          if (done) {
            stop();
            controller.close();
            // The read transferred the request's buffer: give it back, empty.
            request.respondWithNewView(value ?? into.subarray(0, 0));
          } else {
            request.respondWithNewView(value);
          }
        } catch (error) {
          stop();
          reader.cancel().catch(() => {});
          throw error;
        }
      },
      cancel: (reason) => {
        stop();
        return reader.cancel(reason);
      },
    });
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  }
}
