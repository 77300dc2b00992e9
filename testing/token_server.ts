/**
 * A tiny Docker-registry token server (the `auth: token` protocol) for tests: anonymous callers
 * get pull access, callers with the harness's Basic credentials get whatever they ask for.
 * Tokens are ES256 JWTs whose `x5c` header carries the signing certificate, which the registry
 * trusts through its `rootcertbundle`.
 *
 * @module
 */

/** The user name and password that unlock push access. */
export interface PushCredentials {
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

/** A running token server. */
export interface TokenServer {
  /** The realm URL to put in the registry config. */
  realm: string;
  /** How many tokens were issued or refused so far. */
  requests(): number;
  /** Stops serving. */
  stop(): Promise<void>;
}

/** Settings for `startTokenServer()`. */
export interface TokenServerOptions {
  /** PEM PKCS#8 EC P-256 private key that signs tokens. */
  signingKey: string;
  /** PEM certificate of `signingKey` (also the registry's rootcertbundle). */
  signingCert: string;
  /** The tokens' `iss` claim (the registry's `auth.token.issuer`). */
  issuer: string;
  /** The tokens' `aud` claim when a request names no `service` (`auth.token.service`). */
  service: string;
  /** The Basic credentials that get push access. */
  credentials: PushCredentials;
  /** PEM certificate and key to serve HTTPS; plain HTTP when undefined. */
  tls: { cert: string; key: string } | undefined;
}

const TOKEN_LIFETIME_SECONDS = 300;

function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function base64Url(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Parses `type:name:actions` scopes; names may not contain `:` here (no registry hosts). */
function parseScopes(scopes: string[]): { type: string; name: string; actions: string[] }[] {
  return scopes.flatMap((s) => s.split(" ")).filter((s) => s !== "").map((scope) => {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    return {
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: scope.slice(last + 1).split(",").filter((a) => a !== ""),
    };
  });
}

/** Starts the token server on 127.0.0.1 with a free port. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pemToDer(options.signingKey),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const header = base64Url(JSON.stringify({
    typ: "JWT",
    alg: "ES256",
    x5c: [btoa(String.fromCharCode(...pemToDer(options.signingCert)))],
  }));
  const expectedAuth = "Basic " +
    btoa(`${options.credentials.username}:${options.credentials.password}`);
  let requests = 0;

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname !== "/token") return new Response("not found", { status: 404 });
    requests++;
    const authorization = request.headers.get("authorization");
    if (authorization !== null && authorization !== expectedAuth) {
      return Response.json(
        { errors: [{ code: "UNAUTHORIZED", message: "incorrect username or password" }] },
        { status: 401 },
      );
    }
    const privileged = authorization !== null;
    const access = parseScopes(url.searchParams.getAll("scope")).map((scope) => ({
      ...scope,
      actions: privileged ? scope.actions : scope.actions.filter((a) => a === "pull"),
    }));
    const now = Math.floor(Date.now() / 1000);
    const claims = base64Url(JSON.stringify({
      iss: options.issuer,
      sub: privileged ? options.credentials.username : "",
      aud: url.searchParams.get("service") ?? options.service,
      exp: now + TOKEN_LIFETIME_SECONDS,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    }));
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        key,
        new TextEncoder().encode(`${header}.${claims}`),
      ),
    );
    const token = `${header}.${claims}.${base64Url(signature)}`;
    return Response.json({
      token,
      access_token: token,
      expires_in: TOKEN_LIFETIME_SECONDS,
      issued_at: new Date(now * 1000).toISOString(),
    });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    ...(options.tls ?? {}),
  }, handler);
  const scheme = options.tls === undefined ? "http" : "https";
  return {
    realm: `${scheme}://127.0.0.1:${server.addr.port}/token`,
    requests: () => requests,
    stop: () => server.shutdown(),
  };
}
