import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CredentialsError,
  dockerConfigPath,
  loadCredentials,
  normaliseAuthKey,
  parseDockerConfig,
} from "../registry/distribution/credentials.ts";

Deno.test("parseDockerConfig() decodes auth and maps the Docker Hub v1 key to docker.io", () => {
  const store = parseDockerConfig(
    JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: btoa("hubuser:hub:pass") },
        "registry.example.com:5000": { username: "u", password: "p" },
        "https://ghcr.io": { identitytoken: "refresh-me" },
        "empty.example.com": {},
      },
    }),
    "/c.json",
  );
  assert.deepEqual(store.lookup("docker.io"), {
    kind: "basic",
    username: "hubuser",
    password: "hub:pass",
  });
  assert.deepEqual(store.lookup("registry.example.com:5000"), {
    kind: "basic",
    username: "u",
    password: "p",
  });
  assert.deepEqual(store.lookup("ghcr.io"), {
    kind: "identityToken",
    username: undefined,
    token: "refresh-me",
  });
  assert.equal(store.lookup("empty.example.com"), undefined);
  assert.equal(store.lookup("quay.io"), undefined);
});

Deno.test("normaliseAuthKey() strips scheme and path and folds Docker Hub names", () => {
  assert.equal(normaliseAuthKey("https://index.docker.io/v1/"), "docker.io");
  assert.equal(normaliseAuthKey("registry-1.docker.io"), "docker.io");
  assert.equal(normaliseAuthKey("http://Host:5000/v2/"), "host:5000");
});

Deno.test("parseDockerConfig() explains malformed files and auth entries", () => {
  assert.throws(() => parseDockerConfig("{", "/c.json"), {
    name: "CredentialsError",
    message: /^Cannot read credentials from "\/c\.json": /,
  });
  assert.throws(
    () => parseDockerConfig(JSON.stringify({ auths: { h: { auth: btoa("nocolon") } } }), "/c"),
    (error: unknown) =>
      error instanceof CredentialsError && error.message.includes('auths["h"].auth'),
  );
  assert.throws(
    () => parseDockerConfig(JSON.stringify({ auths: { h: { auth: "!!" } } }), "/c"),
    /not valid base64/,
  );
});

Deno.test("dockerConfigPath() prefers $DOCKER_CONFIG over ~/.docker", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(dockerConfigPath(env({ DOCKER_CONFIG: "/d", HOME: "/h" })), "/d/config.json");
  assert.equal(dockerConfigPath(env({ HOME: "/h" })), "/h/.docker/config.json");
  assert.equal(dockerConfigPath(env({})), undefined);
});

Deno.test("loadCredentials() is anonymous without a config file and reads one when present", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = (name: string) => name === "DOCKER_CONFIG" ? dir : undefined;
    assert.equal((await loadCredentials(env)).lookup("docker.io"), undefined);
    await Deno.writeTextFile(
      join(dir, "config.json"),
      JSON.stringify({ auths: { "127.0.0.1:5000": { auth: btoa("a:b") } } }),
    );
    assert.deepEqual((await loadCredentials(env)).lookup("127.0.0.1:5000"), {
      kind: "basic",
      username: "a",
      password: "b",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
