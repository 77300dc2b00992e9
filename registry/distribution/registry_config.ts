/**
 * mydocker's registry settings: the config file (`$MYDOCKER_CONFIG`, else
 * `/etc/mydocker/config.json`) with the keys of Docker's `daemon.json` (`registry-mirrors`,
 * `insecure-registries`, `max-concurrent-downloads`), the `certs.d` CA directories, and which
 * hosts may be reached over plain HTTP.
 *
 * @module
 */

import { joinPath, parentPath } from "../../sys/path.ts";
import { ipInCidr } from "./cidr.ts";

/** Registry-related settings, with defaults applied. */
export interface RegistryConfig {
  /** The config file these settings came from (it may not exist). */
  file: string;
  /** Docker Hub mirrors, tried in order before Docker Hub itself. */
  registryMirrors: string[];
  /** Registries (`host[:port]` or CIDR) that may be reached over plain HTTP. */
  insecureRegistries: string[];
  /** How many layers to download at once. */
  maxConcurrentDownloads: number;
  /** Directories holding `<host[:port]>/*.crt` CA certificates. */
  certDirectories: string[];
  /** How long a registry may take to answer and to send the next bytes. */
  timeouts: RegistryTimeouts;
}

/**
 * A registry's time limits, in milliseconds (the config file gives seconds): mydocker's own keys
 * `registry-response-timeout` (connecting, the TLS handshake and the response headers together:
 * Deno's `fetch` does not expose them apart) and `registry-idle-timeout` (no byte of a body).
 */
export interface RegistryTimeouts {
  /** From sending a request to its response headers. */
  responseMs: number;
  /** Between two reads of a response body. */
  idleMs: number;
}

/** 30 s each, Docker's dial timeout. */
export const DEFAULT_TIMEOUTS: RegistryTimeouts = { responseMs: 30_000, idleMs: 30_000 };

/** Thrown when the config file cannot be read or holds invalid settings. */
export class RegistryConfigError extends Error {
  override name = "RegistryConfigError";
}

/** Default location of mydocker's config file. */
export const DEFAULT_CONFIG_FILE = "/etc/mydocker/config.json";
/** How many layers download at once when the config file does not say (Docker's default). */
export const DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;
/** Docker's system-wide CA directory, always consulted. */
export const DOCKER_CERTS_DIR = "/etc/docker/certs.d";

const ALWAYS_INSECURE = ["127.0.0.0/8", "::1/128"];

/**
 * Parses the text of a config file, applying defaults for missing keys.
 * @throws {RegistryConfigError} naming `file` when the JSON or a value is invalid.
 */
export function parseRegistryConfig(text: string, file: string): RegistryConfig {
  const fail = (cause: string): never => {
    throw new RegistryConfigError(`Cannot load config file "${file}": ${cause}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("expected a JSON object");
  }
  const obj = json as Record<string, unknown>;
  const strings = (key: string): string[] => {
    const value = obj[key] ?? [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      return fail(`"${key}" must be an array of strings`);
    }
    return value as string[];
  };
  const registryMirrors = strings("registry-mirrors").map((mirror) => {
    let url: URL;
    try {
      url = new URL(mirror);
    } catch {
      return fail(`"registry-mirrors" entry "${mirror}" is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return fail(`"registry-mirrors" entry "${mirror}" must use http or https`);
    }
    return mirror.replace(/\/+$/, "");
  });
  const downloads = obj["max-concurrent-downloads"] ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS;
  if (typeof downloads !== "number" || !Number.isInteger(downloads) || downloads < 1) {
    return fail(
      `"max-concurrent-downloads" must be a positive integer, got ${JSON.stringify(downloads)}`,
    );
  }
  const seconds = (key: string, fallbackMs: number): number => {
    const value = obj[key] ?? fallbackMs / 1000;
    if (typeof value !== "number" || !(value > 0)) {
      return fail(`"${key}" must be a positive number of seconds, got ${JSON.stringify(value)}`);
    }
    return value * 1000;
  };
  return {
    file,
    registryMirrors,
    insecureRegistries: strings("insecure-registries"),
    maxConcurrentDownloads: downloads,
    certDirectories: [DOCKER_CERTS_DIR, joinPath(parentPath(file), "certs.d")],
    timeouts: {
      responseMs: seconds("registry-response-timeout", DEFAULT_TIMEOUTS.responseMs),
      idleMs: seconds("registry-idle-timeout", DEFAULT_TIMEOUTS.idleMs),
    },
  };
}

/** The config file's path: `$MYDOCKER_CONFIG`, else `/etc/mydocker/config.json`. */
export function configFilePath(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const override = env("MYDOCKER_CONFIG");
  return override !== undefined && override !== "" ? override : DEFAULT_CONFIG_FILE;
}

/**
 * Loads the config from `$MYDOCKER_CONFIG` or `/etc/mydocker/config.json`; a missing file gives
 * the defaults.
 * @throws {RegistryConfigError} when the file exists but is unreadable or invalid.
 */
export async function loadRegistryConfig(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<RegistryConfig> {
  const file = configFilePath(env);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return parseRegistryConfig("{}", file);
    throw new RegistryConfigError(
      `Cannot load config file "${file}": ${(error as Error).message}`,
    );
  }
  return parseRegistryConfig(text, file);
}

/** Splits `host[:port]` (or `[v6]:port`) into the bare host. */
function bareHost(hostPort: string): string {
  if (hostPort.startsWith("[")) return hostPort.slice(1, hostPort.indexOf("]"));
  const colons = hostPort.split(":").length - 1;
  return colons === 1 ? hostPort.slice(0, hostPort.indexOf(":")) : hostPort;
}

/** Returns whether `host` (`host[:port]`) may be reached over plain HTTP. */
export function isInsecureRegistry(config: RegistryConfig, host: string): boolean {
  const name = bareHost(host);
  if (name === "localhost") return true;
  for (const entry of [...ALWAYS_INSECURE, ...config.insecureRegistries]) {
    if (entry.includes("/") ? ipInCidr(name, entry) : entry === host) {
      return true;
    }
  }
  return false;
}

/**
 * Reads the PEM CA certificates for `host` from every `certs.d/<host>/*.crt`.
 * @throws {RegistryConfigError} when a certificate file exists but cannot be read.
 */
export async function loadCaCerts(config: RegistryConfig, host: string): Promise<string[]> {
  const certs: string[] = [];
  for (const base of config.certDirectories) {
    const dir = joinPath(base, host);
    let names: string[];
    try {
      names = [];
      for await (const entry of Deno.readDir(dir)) {
        if (entry.name.endsWith(".crt")) names.push(entry.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new RegistryConfigError(
        `Cannot read CA certificates in "${dir}": ${(error as Error).message}`,
      );
    }
    for (const name of names.sort()) {
      const path = joinPath(dir, name);
      try {
        certs.push(await Deno.readTextFile(path));
      } catch (error) {
        throw new RegistryConfigError(
          `Cannot read CA certificate "${path}": ${(error as Error).message}`,
        );
      }
    }
  }
  return certs;
}
