import assert from "node:assert/strict";
import { RegistryError } from "../../registry/distribution/registry_error.ts";
import { Transport } from "../../registry/distribution/transport.ts";

const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 2000 };

async function withServer(
  handler: (request: Request) => Response | Promise<Response>,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    await fn(server.addr.port);
  } finally {
    await server.shutdown();
  }
}

Deno.test("Transport retries 5xx answers and returns the first success", async () => {
  let calls = 0;
  await withServer(
    () => ++calls < 3 ? new Response("busy", { status: 503 }) : new Response("ok"),
    async (port) => {
      const transport = new Transport([], RETRY);
      try {
        const response = await transport.request(`http://127.0.0.1:${port}/x`, {});
        assert.equal(await response.text(), "ok");
        assert.equal(calls, 3);
      } finally {
        transport.close();
      }
    },
  );
});

Deno.test("Transport honours Retry-After on 429 and gives up when it asks too much", async () => {
  let calls = 0;
  await withServer((request) => {
    calls++;
    const wait = new URL(request.url).searchParams.get("wait")!;
    return calls % 2 === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": wait } })
      : new Response("ok");
  }, async (port) => {
    const transport = new Transport([], RETRY);
    try {
      const started = Date.now();
      const ok = await transport.request(`http://127.0.0.1:${port}/?wait=1`, {});
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.ok(Date.now() - started >= 900, "waited for Retry-After");
      const limited = await transport.request(`http://127.0.0.1:${port}/?wait=3600`, {});
      assert.equal(limited.status, 429);
      await limited.body?.cancel();
      assert.equal(calls, 3);
    } finally {
      transport.close();
    }
  });
});

Deno.test("Transport follows redirects but drops Authorization for another host", async () => {
  const seen: Record<string, string | null> = {};
  await withServer((request) => {
    const url = new URL(request.url);
    seen[`${url.hostname}${url.pathname}`] = request.headers.get("authorization");
    if (url.pathname === "/start") {
      return Response.redirect(`http://127.0.0.1:${url.port}/same`, 307);
    }
    if (url.pathname === "/same") return Response.redirect(`http://localhost:${url.port}/cdn`, 302);
    return new Response("blob");
  }, async (port) => {
    const transport = new Transport([], RETRY);
    try {
      const response = await transport.request(`http://127.0.0.1:${port}/start`, {
        headers: new Headers({ authorization: "Bearer secret" }),
      });
      assert.equal(await response.text(), "blob");
      assert.deepEqual(seen, {
        "127.0.0.1/start": "Bearer secret",
        "127.0.0.1/same": "Bearer secret",
        "localhost/cdn": null,
      });
    } finally {
      transport.close();
    }
  });
});

Deno.test("Transport reports an unreachable host as a RegistryError without status", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const transport = new Transport([], RETRY);
  try {
    await assert.rejects(() => transport.request(`http://127.0.0.1:${port}/`, {}), (error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.httpStatus, undefined);
      assert.match(error.message, new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port}: `));
      return true;
    });
  } finally {
    transport.close();
  }
});
