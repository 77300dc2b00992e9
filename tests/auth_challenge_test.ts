import assert from "node:assert/strict";
import { parseAuthChallenges } from "../registry/distribution/auth_challenge.ts";

Deno.test("parseAuthChallenges() reads a Docker Hub bearer challenge", () => {
  assert.deepEqual(
    parseAuthChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",' +
        'scope="repository:library/alpine:pull"',
    ),
    [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/alpine:pull",
      },
    }],
  );
});

Deno.test("parseAuthChallenges() keeps commas inside quotes and resolves escapes", () => {
  const [challenge] = parseAuthChallenges(
    'Bearer scope="repository:a:pull,push", error="say \\"hi\\"", realm=https://x/t',
  );
  assert.deepEqual(challenge?.params, {
    scope: "repository:a:pull,push",
    error: 'say "hi"',
    realm: "https://x/t",
  });
});

Deno.test("parseAuthChallenges() splits several challenges and lowercases schemes and keys", () => {
  assert.deepEqual(parseAuthChallenges('Basic Realm="registry", BEARER realm="r"'), [
    { scheme: "basic", params: { realm: "registry" } },
    { scheme: "bearer", params: { realm: "r" } },
  ]);
});

Deno.test("parseAuthChallenges() returns nothing for an empty header", () => {
  assert.deepEqual(parseAuthChallenges(""), []);
});
