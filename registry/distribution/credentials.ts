/**
 * Registry credentials from Docker's client config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`): the `auths` entries (user and password, `auth`, or an identity
 * token), keyed by registry host with Docker Hub's many names reduced to `docker.io`. Credential
 * helpers are not supported.
 *
 * @module
 */

import { joinPath } from "../../sys/path.ts";
import { DOCKER_HUB, DOCKER_HUB_API_HOST, DOCKER_HUB_INDEX_HOST } from "../format/reference.ts";

/** Credentials for one registry: a user name and password, or an identity (refresh) token. */
export type Credential =
  | { kind: "basic"; username: string; password: string }
  | { kind: "identityToken"; username: string | undefined; token: string };

/** Credentials keyed by normalised registry host. */
export interface CredentialStore {
  /** Returns the credential for `registry` (e.g. `docker.io`, `host:5000`), if any. */
  lookup(registry: string): Credential | undefined;
}

/** Thrown when Docker's config file exists but cannot be read or parsed. */
export class CredentialsError extends Error {
  override name = "CredentialsError";
}

/** The hosts an `auths` key may name for Docker Hub. */
const DOCKER_HUB_KEYS = new Set([
  DOCKER_HUB,
  DOCKER_HUB_INDEX_HOST,
  DOCKER_HUB_API_HOST,
  "registry.hub.docker.com",
]);

/** Reduces an `auths` key (`https://index.docker.io/v1/`, `host:5000`) to a registry host. */
export function normaliseAuthKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
  return DOCKER_HUB_KEYS.has(host) ? DOCKER_HUB : host;
}

function decodeEntry(file: string, key: string, entry: unknown): Credential | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const str = (name: string) => typeof e[name] === "string" && e[name] !== "" ? e[name] : undefined;
  let username = str("username");
  let password = str("password");
  const auth = str("auth");
  if (auth !== undefined) {
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)));
    } catch {
      throw new CredentialsError(
        `Cannot read credentials from "${file}": auths["${key}"].auth is not valid base64`,
      );
    }
    const colon = decoded.indexOf(":");
    if (colon === -1) {
      throw new CredentialsError(
        `Cannot read credentials from "${file}": auths["${key}"].auth is not "user:password"`,
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = str("identitytoken");
  if (identityToken !== undefined) return { kind: "identityToken", username, token: identityToken };
  if (username !== undefined && password !== undefined) {
    return { kind: "basic", username, password };
  }
  return undefined;
}

/**
 * Builds a credential store from the text of a Docker `config.json` (`file` names it in errors).
 * @throws {CredentialsError} when the JSON is malformed or an `auth` entry cannot be decoded.
 */
export function parseDockerConfig(text: string, file: string): CredentialStore {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CredentialsError(
      `Cannot read credentials from "${file}": ${(error as Error).message}`,
    );
  }
  const byHost = new Map<string, Credential>();
  const auths = (json as { auths?: unknown } | null)?.auths;
  if (typeof auths === "object" && auths !== null) {
    for (const [key, entry] of Object.entries(auths)) {
      const credential = decodeEntry(file, key, entry);
      if (credential !== undefined) byHost.set(normaliseAuthKey(key), credential);
    }
  }
  return { lookup: (registry) => byHost.get(normaliseAuthKey(registry)) };
}

/** A store without any credentials (anonymous access). */
export const ANONYMOUS: CredentialStore = { lookup: () => undefined };

/** Returns the path of Docker's client config: `$DOCKER_CONFIG/config.json` or `~/.docker/…`. */
export function dockerConfigPath(env: (name: string) => string | undefined): string | undefined {
  const dir = env("DOCKER_CONFIG");
  if (dir !== undefined && dir !== "") return joinPath(dir, "config.json");
  const home = env("HOME");
  return home === undefined || home === "" ? undefined : joinPath(home, ".docker", "config.json");
}

/**
 * Loads credentials from Docker's client config; a missing file means anonymous access.
 * @throws {CredentialsError} when the file exists but is unreadable or malformed.
 */
export async function loadCredentials(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<CredentialStore> {
  const file = dockerConfigPath(env);
  if (file === undefined) return ANONYMOUS;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return ANONYMOUS;
    throw new CredentialsError(
      `Cannot read credentials from "${file}": ${(error as Error).message}`,
    );
  }
  return parseDockerConfig(text, file);
}
