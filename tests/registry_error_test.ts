import assert from "node:assert/strict";
import {
  errorFromResponse,
  RegistryError,
  retryAfterSeconds,
} from "../registry/distribution/registry_error.ts";

Deno.test("errorFromResponse() uses the registry's error code and message", async () => {
  const body = { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] };
  const error = await errorFromResponse(
    Response.json(body, { status: 404 }),
    "r",
    "manifest",
  );
  assert.ok(error instanceof RegistryError);
  assert.equal(error.message, "manifest unknown");
  assert.equal(error.httpStatus, 404);
  assert.equal(error.code, "MANIFEST_UNKNOWN");
  const auth = await errorFromResponse(
    Response.json({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }, {
      status: 401,
    }),
    "r",
    "manifest",
  );
  assert.equal(auth.message, "unauthorized: authentication required");
});

Deno.test("errorFromResponse() falls back to status-based messages", async () => {
  const message = async (status: number, headers?: HeadersInit) =>
    (await errorFromResponse(new Response("", { status, headers: headers ?? {} }), "reg", "blob"))
      .message;
  assert.equal(await message(401), "unauthorized: authentication required");
  assert.equal(await message(404), "blob unknown");
  assert.equal(
    await message(429, { "retry-after": "30" }),
    "toomanyrequests: rate limit reached (registry reg, try again in 30s)",
  );
  assert.match(await message(502), /^unexpected HTTP status 502 .*from registry reg$/);
});

Deno.test("retryAfterSeconds() reads seconds and HTTP dates", () => {
  assert.equal(retryAfterSeconds("7"), 7);
  assert.equal(retryAfterSeconds(new Date(10_000).toUTCString(), 0), 10);
  assert.equal(retryAfterSeconds(null), undefined);
  assert.equal(retryAfterSeconds("soon"), undefined);
});
