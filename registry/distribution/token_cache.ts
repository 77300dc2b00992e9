/**
 * A cache of bearer tokens keyed by realm, service and scope, so that one pull asks a token
 * server once per repository; each token is dropped when its `expires_in` lifetime is over.
 *
 * @module
 */

/** The lifetime a token gets when the token server does not say (`expires_in`). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

/** Bearer tokens that expire after `expires_in` seconds. */
export class TokenCache {
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #now: () => number;

  /** Creates an empty cache; `now` returns milliseconds (injectable for tests). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Returns the cached, unexpired token for `key`, if any. */
  get(key: string): string | undefined {
    const entry = this.#tokens.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.expiresAt) {
      this.#tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** Stores `token` for `key` for `expiresInSeconds` (default 60 s when undefined or invalid). */
  set(key: string, token: string, expiresInSeconds: number | undefined): void {
    const lifetime = expiresInSeconds !== undefined && Number.isFinite(expiresInSeconds) &&
        expiresInSeconds > 0
      ? expiresInSeconds
      : DEFAULT_TOKEN_LIFETIME_SECONDS;
    this.#tokens.set(key, { token, expiresAt: this.#now() + lifetime * 1000 });
  }
}
