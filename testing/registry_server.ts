/**
 * Real registries for integration tests: Debian's `docker-registry` (distribution 2.8) on
 * 127.0.0.1, optionally behind TLS (a throw-away CA made with openssl) and token auth
 * (`token_server.ts`).
 *
 * @module
 */

import { join } from "node:path";
import { type PushCredentials, startTokenServer, type TokenServer } from "./token_server.ts";

/** What kind of registry to start. */
export interface RegistryOptions {
  /** Serve HTTPS with a certificate for 127.0.0.1 and localhost, signed by a fresh CA. */
  tls: boolean;
  /** Require bearer tokens from a token server (anonymous pull, push with `pushCredentials`). */
  tokenAuth: boolean;
}

/** A running test registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  host: string;
  /** `http(s)://127.0.0.1:<port>`. */
  url: string;
  /** Directory holding `config.json` and `certs.d/<host>/ca.crt` for mydocker. */
  configDir: string;
  /** mydocker's config file that trusts this registry (`MYDOCKER_CONFIG`). */
  configFile: string;
  /** Environment variables that make mydocker trust this registry. */
  env: Record<string, string>;
  /** PEM of the CA that signed the registry's certificate (TLS only). */
  caCert: string | undefined;
  /** Credentials the token server grants push access to (token auth only). */
  pushCredentials: PushCredentials | undefined;
  /** The registry's storage root (`docker/registry/v2/...` below it). */
  storageDir: string;
  /** The registry's log (including its access log). */
  logFile: string;
  /** How many requests the token server has answered (0 without token auth). */
  tokenRequests(): number;
  /** Rewrites the stored bytes of a blob (or manifest) behind the registry's back. */
  rewriteBlob(digest: string, transform: (bytes: Uint8Array) => Uint8Array): Promise<void>;
  /** Corrupts a stored blob, keeping its size, so it no longer matches its digest. */
  corruptBlob(digest: string): Promise<void>;
  /** Kills the registry and token server and removes every temporary file. */
  stop(): Promise<void>;
}

const REGISTRY_BIN = "/usr/bin/docker-registry";
const SERVICE = "mydocker-test-registry";
const ISSUER = "mydocker-test-issuer";
const STARTUP_TIMEOUT_MS = 15_000;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(command: string, args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `Cannot run ${command} ${args.join(" ")}: exit code ${output.code}: ` +
        new TextDecoder().decode(output.stderr).trim(),
    );
  }
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes `ca.crt`, `server.crt`/`server.key` (127.0.0.1, localhost) in `dir`. */
async function makeTlsFiles(dir: string): Promise<void> {
  // deno-fmt-ignore
  await run("openssl", [
    "req", "-x509", ...EC_KEY, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
    "-subj", "/CN=mydocker test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  // deno-fmt-ignore
  await run("openssl", [
    "req", ...EC_KEY, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
  ], dir);
  await Deno.writeTextFile(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  // deno-fmt-ignore
  await run("openssl", [
    "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext",
  ], dir);
}

/** Makes the token signing key and its self-signed certificate (the rootcertbundle). */
async function makeTokenKey(dir: string): Promise<void> {
  // deno-fmt-ignore
  await run("openssl", [
    "req", "-x509", ...EC_KEY, "-keyout", "token.key", "-out", "token.crt", "-days", "2",
    "-subj", "/CN=mydocker test token issuer",
  ], dir);
}

function registryYaml(o: {
  port: number;
  storage: string;
  dir: string;
  tls: boolean;
  realm: string | undefined;
}): string {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  formatter: text",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${o.storage}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${o.port}`,
    `  secret: ${crypto.randomUUID()}`,
  ];
  if (o.tls) {
    lines.push(
      "  tls:",
      `    certificate: ${join(o.dir, "server.crt")}`,
      `    key: ${join(o.dir, "server.key")}`,
    );
  }
  if (o.realm !== undefined) {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${o.realm}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${join(o.dir, "token.crt")}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Polls `/v2/` until the registry answers (200 or 401) or its process exits. */
async function waitUntilReady(
  url: string,
  client: Deno.HttpClient,
  status: Promise<Deno.CommandStatus>,
  logFile: string,
): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  status.then((s) => exited = s);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    try {
      const response = await fetch(`${url}/v2/`, { client });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = await Deno.readTextFile(logFile).catch(() => "");
  throw new Error(
    `Cannot start docker-registry at ${url}: ` +
      (exited === undefined ? "it did not answer in time" : `it exited with ${exited.code}`) +
      `\n${log}`,
  );
}

/**
 * Starts a registry (and token server) on 127.0.0.1 with free ports and temporary storage,
 * and writes a mydocker config that trusts it. Everything is cleaned up when startup fails.
 * @throws {Error} when openssl or docker-registry fail, with the registry's log.
 */
export async function startRegistry(options: RegistryOptions): Promise<TestRegistry> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-registry-" });
  const cleanups: (() => Promise<void> | void)[] = [
    () => Deno.remove(dir, { recursive: true }),
  ];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const port = freePort();
    const host = `127.0.0.1:${port}`;
    const scheme = options.tls ? "https" : "http";
    const url = `${scheme}://${host}`;
    const storageDir = join(dir, "storage");
    const configDir = join(dir, "mydocker");
    const configFile = join(configDir, "config.json");
    const logFile = join(dir, "registry.log");
    await Deno.mkdir(storageDir);
    await Deno.mkdir(configDir);
    // No default bridge: a test's containers stay off the host's network (see NO_BRIDGE_CONFIG).
    await Deno.writeTextFile(configFile, '{"bridge": "none"}\n');

    let caCert: string | undefined;
    if (options.tls) {
      await makeTlsFiles(dir);
      caCert = await Deno.readTextFile(join(dir, "ca.crt"));
      await Deno.mkdir(join(configDir, "certs.d", host), { recursive: true });
      await Deno.writeTextFile(join(configDir, "certs.d", host, "ca.crt"), caCert);
    }

    let tokenServer: TokenServer | undefined;
    let pushCredentials: PushCredentials | undefined;
    if (options.tokenAuth) {
      await makeTokenKey(dir);
      pushCredentials = { username: "pusher", password: crypto.randomUUID() };
      tokenServer = await startTokenServer({
        signingKey: await Deno.readTextFile(join(dir, "token.key")),
        signingCert: await Deno.readTextFile(join(dir, "token.crt")),
        issuer: ISSUER,
        service: SERVICE,
        credentials: pushCredentials,
        tls: options.tls
          ? {
            cert: await Deno.readTextFile(join(dir, "server.crt")),
            key: await Deno.readTextFile(join(dir, "server.key")),
          }
          : undefined,
      });
      const server = tokenServer;
      cleanups.push(() => server.stop());
    }

    const configYaml = join(dir, "registry.yml");
    await Deno.writeTextFile(
      configYaml,
      registryYaml({ port, storage: storageDir, dir, tls: options.tls, realm: tokenServer?.realm }),
    );
    const log = await Deno.open(logFile, { write: true, create: true, truncate: true });
    const child = new Deno.Command(REGISTRY_BIN, {
      args: ["serve", configYaml],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const logged = Promise.all([
      child.stdout.pipeTo(log.writable, { preventClose: true }),
      child.stderr.pipeTo(
        new WritableStream({ write: (chunk) => void log.writeSync(chunk) }),
      ),
    ]).finally(() => log.close());
    cleanups.push(async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
      await logged;
    });

    const client = Deno.createHttpClient({ caCerts: caCert === undefined ? [] : [caCert] });
    try {
      await waitUntilReady(url, client, child.status, logFile);
    } finally {
      client.close();
    }

    const blobPath = (digest: string) => {
      const hex = digest.replace(/^sha256:/, "");
      return join(storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    };
    const rewriteBlob = async (digest: string, transform: (b: Uint8Array) => Uint8Array) => {
      const path = blobPath(digest);
      await Deno.writeFile(path, transform(await Deno.readFile(path)));
    };
    return {
      host,
      url,
      configDir,
      configFile,
      env: { MYDOCKER_CONFIG: configFile },
      caCert,
      pushCredentials,
      storageDir,
      logFile,
      tokenRequests: () => tokenServer?.requests() ?? 0,
      rewriteBlob,
      corruptBlob: (digest) =>
        rewriteBlob(digest, (bytes) => {
          const copy = bytes.slice();
          const middle = Math.floor(copy.length / 2);
          copy[middle] = copy[middle]! ^ 0xff;
          return copy;
        }),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
