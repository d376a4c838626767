/**
 * The HTTP layer: sealed, failing, rate-limiting, redirecting, hanging and
 * refusing servers, and one deadline per store operation.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigSourceError, SourceUnavailableError } from "../../../errors.ts";
import { OpenBaoStore } from "../../../stores/openbao/mod.ts";
import {
  closedPortAddress,
  startFakeOpenBao,
} from "../../_helpers/openbao_server.ts";
import {
  addConfigPolicy,
  errorText,
  store,
} from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

describe("OpenBaoStore: an unreachable or failing server", () => {
  it("is unavailable when sealed", async () => {
    await using bao = await startFakeOpenBao();
    bao.seal();
    const error = await rejection(store(bao).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "sealed (503)");
  });

  it("is unavailable on a 5xx", async () => {
    await using bao = await startFakeOpenBao();
    bao.addFault({ status: 500, body: { errors: ["internal error"] } });
    const error = await rejection(store(bao).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "server error (500)");
  });

  it("retries a 429 after Retry-After, a bounded number of times", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const s = store(bao, { kvVersion: 2 });
    bao.addFault({
      path: "secret/data",
      status: 429,
      headers: { "Retry-After": "0" },
      times: 2,
    });
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(
      bao.requests.filter((r) => r.path === "secret/data/harmony/config/Db")
        .length,
      3,
    );
    bao.addFault({
      path: "secret/data",
      status: 429,
      headers: { "Retry-After": "0" },
    });
    const error = await rejection(s.get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.match(error.reason, /rate limited \(429\)/);
  });

  it("does not wait for a Retry-After longer than the timeout", async () => {
    await using bao = await startFakeOpenBao();
    bao.addFault({ status: 429, headers: { "Retry-After": "3600" } });
    const error = await rejection(store(bao, { kvVersion: 2 }).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "rate limited (429), retry after 3600 s");
  });

  it("follows a 307 from a standby to an allowed node, keeping the token", async () => {
    await using active = await startFakeOpenBao();
    await using standby = await startFakeOpenBao();
    standby.addFault({ redirectTo: active.address });
    active.putKv("harmony/config/Db", { host: "db" });
    const activeHost = new URL(active.address).host;
    const s = store(standby, {
      auth: { token: active.rootToken },
      redirectHosts: [activeHost],
    });
    assert.equal(await s.get("Db"), '{"host":"db"}');
    await s.set("Port", "1");
    assert.deepEqual(active.readKv("harmony/config/Port"), { value: 1 });
    assert.ok(
      active.requests.length > 0 && active.requests.every((r) => r.hasToken),
    );
    assert.deepEqual(
      s.permissions().filter((p) => p.name === "net"),
      [
        { name: "net", host: new URL(standby.address).host },
        { name: "net", host: activeHost },
      ],
    );
  });

  it("follows a 307 to its own origin without being told", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    bao.addFault({ redirectTo: bao.address, times: 1 });
    assert.equal(await store(bao).get("Db"), '{"host":"db"}');
  });

  it("sends neither the token nor a login's secret id to a host it was not told about", async () => {
    await using other = await startFakeOpenBao();
    await using bao = await startFakeOpenBao();
    const otherHost = new URL(other.address).host;
    bao.addFault({ redirectTo: other.address });
    const tokenError = await rejection(store(bao, { kvVersion: 2 }).get("Db"));
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: [addConfigPolicy(bao)],
    });
    const loginError = await rejection(
      store(bao, {
        auth: { appRole: { roleId, secretId } },
        sessionFile: false,
        // Another port of the same host is another origin.
        redirectHosts: ["bao-2.example.com"],
      }).get("Db"),
    );
    for (const error of [tokenError, loginError]) {
      assert.ok(error instanceof ConfigSourceError);
      assert.ok(!(error instanceof SourceUnavailableError), "no fall-through");
      assert.equal(error.key, "Db");
      assert.match(error.message, new RegExp(`redirected to ${otherHost},`));
      assert.ok(
        error.message.includes(`pass redirectHosts: ["${otherHost}"]`),
        error.message,
      );
      assert.ok(!errorText(error).includes(secretId));
    }
    assert.equal(other.requests.length, 0, "nothing reached the other host");
  });

  it("never follows a redirect from https down to http, nor to another scheme", async () => {
    for (
      const [location, pattern] of [
        [
          "http://bao.example.com/v1/secret/data/harmony/config/Db",
          /from https to http:\/\/bao\.example\.com/,
        ],
        ["file:///etc/passwd", /a file: URL, which is never followed/],
        // A Location whose scheme is the token the request carried.
        [
          "tok3n-never-shown:/x",
          /a <redacted>: URL, which is never followed/,
        ],
      ] as const
    ) {
      const seen: string[] = [];
      const s = new OpenBaoStore({
        address: "https://bao.example.com",
        auth: { token: "tok3n-never-shown" },
        env: {},
        kvVersion: 2,
        redirectHosts: ["bao.example.com"],
        // A stand-in for a misconfigured proxy: only the redirect matters.
        fetch: (input) => {
          seen.push(String(input));
          return Promise.resolve(
            new Response(null, { status: 307, headers: { location } }),
          );
        },
      });
      const error = await rejection(s.get("Db"));
      assert.ok(error instanceof ConfigSourceError, String(error));
      assert.ok(!(error instanceof SourceUnavailableError));
      assert.match(error.message, pattern);
      assert.ok(!errorText(error).includes("tok3n-never-shown"));
      assert.ok(
        seen.every((url) => url.startsWith("https://bao.example.com/")),
      );
    }
  });

  it("fails within the timeout when the server hangs", async () => {
    await using bao = await startFakeOpenBao();
    bao.addFault({ hang: true });
    const error = await rejection(store(bao, { timeoutMs: 150 }).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "timed out after 150 ms");
  });

  it("fails within the timeout when the body stalls after the headers", async () => {
    await using bao = await startFakeOpenBao();
    bao.addFault({ delayMs: 60_000 });
    const error = await rejection(store(bao, { timeoutMs: 150 }).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "timed out after 150 ms");
  });

  it("answers when a slow response arrives within the timeout", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    bao.addFault({ path: "secret/data", delayMs: 50, times: 1 });
    assert.equal(
      await store(bao, { timeoutMs: 2000 }).get("Db"),
      '{"host":"db"}',
    );
  });

  it("is unavailable when the connection is refused", async () => {
    const address = await closedPortAddress();
    const s = new OpenBaoStore({ address, auth: { token: "t" }, env: {} });
    const error = await rejection(s.get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "connection refused");
    assert.equal(error.source, `openbao:${address}`);
  });
});

describe("OpenBaoStore: one deadline per operation", () => {
  it("bounds a get() by timeoutMs in all, not per request", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    // Each of the three requests of a first get() (lookup-self, mount type,
    // read) fits in 250 ms; together they do not.
    bao.addFault({ delayMs: 150 });
    const error = await rejection(store(bao, { timeoutMs: 250 }).get("Db"));
    assert.ok(error instanceof SourceUnavailableError);
    assert.equal(error.reason, "timed out after 250 ms");
    assert.ok(bao.requests.length < 3, `${bao.requests.length} requests`);
  });
});
