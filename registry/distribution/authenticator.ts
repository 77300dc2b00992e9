/**
 * Turns a registry's 401 challenge into an `Authorization` header (Docker's token dance): a bearer
 * token from the challenge's token service (anonymous, or with the user's credentials; cached per
 * scope), or a Basic header.
 *
 * @module
 */

import type { AuthChallenge } from "./auth_challenge.ts";
import type { Credential } from "./credentials.ts";
import { errorFromResponse, RegistryError } from "./registry_error.ts";
import { TokenCache } from "./token_cache.ts";
import type { Transport } from "./transport.ts";

function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Obtains and caches bearer tokens, or builds Basic headers, for challenges from one registry. */
export class Authenticator {
  readonly #transport: Transport;
  readonly #cache: TokenCache;
  #tokenRequests = 0;

  /** Creates an authenticator that fetches tokens through `transport`. */
  constructor(transport: Transport, cache: TokenCache = new TokenCache()) {
    this.#transport = transport;
    this.#cache = cache;
  }

  /** How many tokens were requested from token servers so far. */
  get tokenRequests(): number {
    return this.#tokenRequests;
  }

  /**
   * Returns the `Authorization` value answering `challenge` for `scope`
   * (e.g. `repository:library/alpine:pull`), or undefined when anonymous access is all there is.
   * Cached bearer tokens are reused unless `refresh` is set.
   * @throws {RegistryError} when the token server refuses or answers nonsense.
   */
  async authorization(
    registry: string,
    challenge: AuthChallenge,
    scope: string,
    credential: Credential | undefined,
    refresh: boolean,
  ): Promise<string | undefined> {
    if (challenge.scheme === "basic") {
      return credential?.kind === "basic"
        ? basicAuth(credential.username, credential.password)
        : undefined;
    }
    const realm = challenge.params.realm;
    if (realm === undefined) {
      throw new RegistryError(
        `cannot authenticate to ${registry}: bearer challenge without a realm`,
        401,
      );
    }
    const service = challenge.params.service;
    const key = `${realm} ${service ?? ""} ${scope}`;
    const cached = refresh ? undefined : this.#cache.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;
    const { token, expiresIn } = await this.#fetchToken(
      registry,
      realm,
      service,
      scope,
      credential,
    );
    this.#cache.set(key, token, expiresIn);
    return `Bearer ${token}`;
  }

  async #fetchToken(
    registry: string,
    realm: string,
    service: string | undefined,
    scope: string,
    credential: Credential | undefined,
  ): Promise<{ token: string; expiresIn: number | undefined }> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`cannot authenticate to ${registry}: invalid realm "${realm}"`, 401);
    }
    const headers = new Headers({ accept: "application/json" });
    let response: Response;
    this.#tokenRequests++;
    if (credential?.kind === "identityToken") {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.token,
        client_id: "mydocker",
        scope,
      });
      if (service !== undefined) form.set("service", service);
      headers.set("content-type", "application/x-www-form-urlencoded");
      response = await this.#transport.request(url.href, {
        method: "POST",
        headers,
        body: form.toString(),
      });
    } else {
      if (service !== undefined) url.searchParams.set("service", service);
      url.searchParams.set("scope", scope);
      if (credential?.kind === "basic") {
        headers.set("authorization", basicAuth(credential.username, credential.password));
      }
      response = await this.#transport.request(url.href, { headers });
    }
    if (!response.ok) {
      const error = await errorFromResponse(response, registry, "token");
      throw new RegistryError(
        `cannot get a token from ${url.origin}: ${error.message}`,
        error.httpStatus,
        error.code,
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = await response.json();
    } catch (error) {
      throw new RegistryError(
        `cannot get a token from ${url.origin}: invalid JSON (${(error as Error).message})`,
        response.status,
      );
    }
    const token = typeof body.token === "string" && body.token !== ""
      ? body.token
      : body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new RegistryError(
        `cannot get a token from ${url.origin}: the response holds no token`,
        response.status,
      );
    }
    return {
      token,
      expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined,
    };
  }
}
