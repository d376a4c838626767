import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  ConfigError,
  ConfigSourceError,
  LoginError,
  SourceUnavailableError,
} from "../errors.ts";
import {
  OpenBaoStore,
  type OpenBaoStoreOptions,
} from "../stores/openbao/mod.ts";
import { SessionCache } from "../stores/openbao/_session_cache.ts";
import {
  closedPortAddress,
  type FakeOpenBao,
  startFakeOpenBao,
} from "./_helpers/openbao_server.ts";
import { startJwtIssuer } from "./_helpers/jwt_issuer.ts";
import { tempDir } from "./_helpers/temp.ts";
import { baseEnv, isDeno, runFixture } from "./_helpers/subprocess.ts";
import { rejection } from "./_helpers/rejection.ts";

const isWindows =
  (globalThis as { process?: { platform?: string } }).process?.platform ===
    "win32";

function store(
  bao: FakeOpenBao,
  options: OpenBaoStoreOptions = {},
): OpenBaoStore {
  return new OpenBaoStore({
    address: bao.address,
    auth: { token: bao.rootToken },
    env: {},
    ...options,
  });
}

/** Every string reachable from an error: message, cause chain, own properties. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e && depth < 10;
    e = (e as Error).cause, depth++
  ) {
    parts.push(String((e as Error).message), JSON.stringify(e));
  }
  return parts.join("\n");
}

describe("OpenBaoStore: KV v2", () => {
  it("round-trips every kind of JSON value, storing objects as-is and wrapping the rest", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    const values: Record<string, unknown> = {
      Str: "text",
      Num: 42.5,
      Bool: false,
      Nil: null,
      Arr: [1, "two", { three: 3 }],
      Obj: { host: "db", port: 5432, nested: { a: [true] } },
      Empty: {},
      LooksWrapped: { value: 7 },
    };
    for (const [key, value] of Object.entries(values)) {
      await s.set(key, JSON.stringify(value));
      assert.deepEqual(JSON.parse((await s.get(key))!), value, key);
    }
    assert.deepEqual(bao.readKv("harmony/config/Obj"), {
      host: "db",
      nested: { a: [true] },
      port: 5432,
    });
    assert.deepEqual(bao.readKv("harmony/config/Str"), { value: "text" });
    assert.deepEqual(bao.readKv("harmony/config/LooksWrapped"), {
      value: { value: 7 },
    });
  });

  it("reads what `bao kv put` wrote, and reports the version and write time", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "a" });
    bao.putKv("harmony/config/Db", { host: "b" });
    const entry = await store(bao).entry("Db");
    assert.equal(entry?.value, '{"host":"b"}');
    assert.equal(entry?.version, 2);
    assert.match(entry?.updatedAt ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(
      entry?.locator,
      `${bao.address}/v1/secret/data/harmony/config/Db`,
    );
  });

  it("treats a missing key, a soft-deleted version and a destroyed version as absent", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    assert.equal(await s.get("Missing"), undefined);
    await s.set("Gone", '"x"');
    const headers = {
      "X-Vault-Token": bao.rootToken,
      "X-Vault-Request": "true",
    };
    const soft = await fetch(
      `${bao.address}/v1/secret/data/harmony/config/Gone`,
      { method: "DELETE", headers },
    );
    await soft.body?.cancel();
    const read = await fetch(
      `${bao.address}/v1/secret/data/harmony/config/Gone`,
      { headers },
    );
    const envelope = await read.json();
    assert.equal(read.status, 404);
    assert.equal(envelope.data.data, null, "the soft-deleted envelope");
    assert.equal(await s.get("Gone"), undefined);
    await s.set("Burnt", '"y"');
    const destroy = await fetch(
      `${bao.address}/v1/secret/destroy/harmony/config/Burnt`,
      {
        method: "PUT",
        headers,
        body: JSON.stringify({ versions: [1] }),
      },
    );
    await destroy.body?.cancel();
    assert.equal(await s.get("Burnt"), undefined);
    // A soft-deleted key still has a current version: the next write follows it.
    await s.set("Gone", '"z"');
    assert.equal((await s.entry("Gone"))?.version, 2);
  });

  it("deletes the metadata (every version), and lists keys with LIST semantics", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    assert.deepEqual(await s.keys(), [], "an empty folder answers 404");
    await s.set("B", "1");
    await s.set("A", "2");
    bao.putKv("harmony/config/sub/Nested", { x: 1 });
    assert.deepEqual(await s.keys(), ["A", "B"]);
    assert.equal(await s.delete("A"), true);
    assert.equal(await s.delete("A"), false);
    assert.equal(bao.readKv("harmony/config/A"), undefined);
    const list = bao.requests.filter((r) => r.query === "?list=true");
    assert.ok(list.every((r) => r.path === "secret/metadata/harmony/config/"));
    const deletes = bao.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), [
      "secret/metadata/harmony/config/A",
    ]);
  });

  it("sends X-Vault-Request on every request and X-Vault-Namespace when set", async () => {
    await using bao = await startFakeOpenBao({ requireRequestHeader: true });
    bao.enableKv("secret", { namespace: "team1/" });
    const s = store(bao, { namespace: "team1" });
    await s.set("Db", '{"host":"db"}');
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.deepEqual(bao.readKv("harmony/config/Db", { namespace: "team1/" }), {
      host: "db",
    });
    assert.equal(
      bao.readKv("harmony/config/Db"),
      undefined,
      "the root namespace is untouched",
    );
    assert.ok(
      bao.requests.every((r) => r.requestHeader && r.namespace === "team1/"),
    );
  });

  it("uses the current version as CAS when the key requires it, and reports a lost race", async () => {
    await using bao = await startFakeOpenBao();
    const s = store(bao);
    await s.set("Db", '{"v":1}');
    bao.setKvMetadata("harmony/config/Db", { casRequired: true });
    await s.set("Db", '{"v":2}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 2 });
    // Another writer slips in between our metadata read and our CAS write.
    // Our write: POST (400 cas required), GET metadata (version 2), POST
    // with cas 2: the other write lands just before that last POST.
    bao.addFault({
      method: "POST",
      path: "secret/data/harmony/config/Db",
      before: () => {
        if (bao.requests.filter((r) => r.method === "POST").length === 5) {
          bao.putKv("harmony/config/Db", { v: "theirs-7f3a" });
        }
      },
    });
    const error = await rejection(s.set("Db", '{"v":"mine-9b1c"}'));
    assert.ok(error instanceof ConfigSourceError);
    assert.ok(!(error instanceof SourceUnavailableError));
    assert.match(error.message, /check-and-set failed; it is now at version 3/);
    assert.ok(
      !errorText(error).includes("mine-9b1c") &&
        !errorText(error).includes("theirs-7f3a"),
    );
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: "theirs-7f3a" });
  });

  it("checks a required CAS against the version it read, so it never overwrites a change it has not seen", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { v: 1 });
    bao.setKvMetadata("harmony/config/Db", { casRequired: true });
    const s = store(bao);
    assert.equal(await s.get("Db"), '{"v":1}');
    bao.putKv("harmony/config/Db", { v: "theirs-51d0" }); // version 2
    const error = await rejection(s.set("Db", '{"v":"mine-0c2e"}'));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /check-and-set failed; it is now at version 2/);
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: "theirs-51d0" });
    // Reading again sees version 2, so the next write goes through, and the
    // one after it uses the version that write created.
    await s.get("Db");
    await s.set("Db", '{"v":3}');
    await s.set("Db", '{"v":4}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 4 });
    // A store that never read the key writes over the current version.
    await store(bao).set("Db", '{"v":5}');
    assert.deepEqual(bao.readKv("harmony/config/Db"), { v: 5 });
  });
});

describe("OpenBaoStore: KV v1", () => {
  it("detects a v1 mount and reads, writes, lists and deletes flat secrets", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("kv", { version: 1 });
    const s = store(bao, { mount: "kv" });
    await s.set("Db", '{"host":"db"}');
    await s.set("Port", "5432");
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(await s.get("Port"), "5432");
    assert.deepEqual(await s.keys(), ["Db", "Port"]);
    assert.equal(await s.delete("Port"), true);
    assert.equal(await s.get("Port"), undefined);
    assert.ok(bao.requests.some((r) => r.path === "sys/internal/ui/mounts/kv"));
    assert.ok(bao.requests.every((r) => !r.path.includes("/data/")));
  });

  it("says so when KV v1 paths reach a KV v2 mount, instead of reading absent", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const error = await rejection(store(bao, { kvVersion: 1 }).get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(
      error.message,
      /is KV version 2, but KV v1 paths were used: pass kvVersion: 2/,
    );
  });

  it("names the command to run when the mount does not exist", async () => {
    await using bao = await startFakeOpenBao();
    const error = await rejection(store(bao, { mount: "nope" }).get("Db"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(error.message, /bao secrets enable -path=nope kv-v2/);
  });
});

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
      policies: ["root"],
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
      ] as const
    ) {
      const seen: string[] = [];
      const s = new OpenBaoStore({
        address: "https://bao.example.com",
        auth: { token: "t" },
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

describe("OpenBaoStore: remembering an outage", () => {
  it("fails at once for a while after a timeout, then tries the server again", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    bao.putKv("harmony/config/Db", { host: "db" });
    const removeHang = bao.addFault({ hang: true });
    const s = store(bao, { timeoutMs: 100, now, kvVersion: 2 });
    const first = await rejection(s.get("Db"));
    assert.ok(first instanceof SourceUnavailableError);
    assert.equal(first.reason, "timed out after 100 ms");
    const second = await rejection(s.get("Db"));
    assert.ok(second instanceof SourceUnavailableError);
    assert.equal(
      second.reason,
      "timed out after 100 ms (remembered: not retried for 5 s)",
    );
    assert.equal(bao.requests.length, 1, "the second call sent nothing");
    removeHang();
    clock += 5_000;
    assert.equal(await s.get("Db"), '{"host":"db"}');
  });

  it("retries every call with unavailableRetryMs: 0", async () => {
    await using bao = await startFakeOpenBao();
    bao.seal();
    const s = store(bao, { unavailableRetryMs: 0, kvVersion: 2 });
    await rejection(s.get("Db"));
    bao.unseal();
    bao.putKv("harmony/config/Db", { host: "db" });
    assert.equal(await s.get("Db"), '{"host":"db"}');
  });
});

describe("OpenBaoStore: tokens", () => {
  it("tells a policy denial (final) from a dead token, with lookup-self", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("other", [{
      path: "secret/data/other/*",
      capabilities: ["read"],
    }]);
    const token = bao.createToken({ policies: ["other"] });
    const error = await rejection(
      store(bao, { auth: { token }, kvVersion: 2 }).get("Db"),
    );
    assert.ok(
      error instanceof ConfigSourceError &&
        !(error instanceof SourceUnavailableError),
    );
    assert.match(
      error.message,
      /no policy grants "read" on secret\/data\/harmony\/config\/\*/,
    );
    const paths = bao.requests.map((r) => r.path);
    assert.deepEqual(paths.slice(-2), [
      "secret/data/harmony/config/Db",
      "auth/token/lookup-self",
    ]);
    assert.ok(!errorText(error).includes(token));
  });

  it("reports a revoked static token without retrying a login", async () => {
    await using bao = await startFakeOpenBao();
    const token = bao.createToken({ policies: ["root"] });
    const s = store(bao, { auth: { token } });
    await s.set("Db", "1");
    bao.revokeToken(token);
    const error = await rejection(s.get("Db"));
    assert.ok(
      error instanceof ConfigSourceError &&
        !(error instanceof SourceUnavailableError),
    );
    assert.match(error.message, /expired, revoked or unknown.*set BAO_TOKEN/);
    assert.ok(!errorText(error).includes(token));
  });

  it("renews a token at two thirds of its TTL, under the injected clock", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    const token = bao.createToken({ policies: ["root"], ttlSeconds: 300 });
    const s = store(bao, { auth: { token }, now });
    await s.set("Db", "1");
    const renewals = (): number =>
      bao.requests.filter((r) => r.path === "auth/token/renew-self").length;
    clock += 150_000;
    await s.get("Db");
    assert.equal(renewals(), 0, "half the TTL: too early");
    clock += 60_000;
    await s.get("Db");
    assert.equal(renewals(), 1, "at 210 s of 300 s");
    assert.equal(bao.tokenInfo(token)?.expireAt, clock + 300_000);
    clock += 250_000; // past the original expiry, within the renewed one
    assert.equal(await s.get("Db"), "1");
  });

  it("takes the token from BAO_TOKEN, then VAULT_TOKEN, and the address from OPENBAO_URL, then VAULT_ADDR", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const viaBao = new OpenBaoStore({
      env: {
        OPENBAO_URL: bao.address,
        VAULT_ADDR: "http://wrong",
        BAO_TOKEN: "root",
      },
    });
    assert.equal(await viaBao.get("Db"), '{"host":"db"}');
    const viaVault = new OpenBaoStore({
      env: { VAULT_ADDR: `${bao.address}/`, VAULT_TOKEN: "root" },
    });
    assert.equal(viaVault.address, bao.address);
    assert.equal(await viaVault.get("Db"), '{"host":"db"}');
  });

  it("says what to set when there is no address or no token", () => {
    assert.throws(
      () => new OpenBaoStore({ env: {} }),
      (e: Error) =>
        e instanceof ConfigError &&
        /OPENBAO_URL \(or VAULT_ADDR\)/.test(e.message),
    );
    assert.throws(
      () => new OpenBaoStore({ env: { OPENBAO_URL: "http://127.0.0.1:1" } }),
      /set BAO_TOKEN \(or VAULT_TOKEN\)/,
    );
    assert.throws(
      () =>
        new OpenBaoStore({
          env: { OPENBAO_URL: "ftp://x" },
          auth: { token: "t" },
        }),
      /not an http\(s\) URL/,
    );
  });
});

describe("OpenBaoStore: logins and the session cache", () => {
  it("logs in with AppRole, caches the session 0600 in a 0700 dir, and reuses it in a new store", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.addPolicy("config", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["create", "read", "update"],
    }, {
      path: "secret/metadata/harmony/config/*",
      capabilities: ["read", "list", "delete"],
    }]);
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["config"],
    });
    const env = { HARMONY_DATA_DIR: join(dir.path, "data") };
    const first = store(bao, { auth: { appRole: { roleId, secretId } }, env });
    await first.set("Db", '{"host":"db"}');
    const logins = (): number =>
      bao.requests.filter((r) => r.path === "auth/approle/login").length;
    assert.equal(logins(), 1);
    const file = join(dir.path, "data", "session.json");
    assert.equal(first.sessionFile, file);
    const text = await readFile(file, "utf8");
    assert.ok(!text.includes(secretId), "the secret id is never cached");
    if (!isWindows) {
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir.path, "data"))).mode & 0o777, 0o700);
    }
    const second = store(bao, { auth: { appRole: { roleId, secretId } }, env });
    assert.equal(await second.get("Db"), '{"host":"db"}');
    assert.deepEqual(
      await second.keys(),
      ["Db"],
      "the documented policy allows listing",
    );
    assert.equal(logins(), 1, "the second run reuses the cached session");
  });

  it(
    "still answers when the session cache cannot be written; the next store logs in again",
    {
      skip: process.platform === "linux"
        ? false
        : "needs /proc, a directory where no file can be created",
    },
    async () => {
      await using bao = await startFakeOpenBao();
      bao.putKv("harmony/config/Db", { host: "db" });
      const { roleId, secretId } = bao.configureAppRole({
        role: "app",
        policies: ["root"],
      });
      const options = {
        auth: { appRole: { roleId, secretId } },
        sessionFile: "/proc/self/harmony-session.json",
      };
      assert.equal(await store(bao, options).get("Db"), '{"host":"db"}');
      assert.equal(await store(bao, options).get("Db"), '{"host":"db"}');
      assert.equal(
        bao.requests.filter((r) => r.path === "auth/approle/login").length,
        2,
      );
    },
  );

  it("names the session file and the fix when it cannot be read, never a raw fs error", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    const sessionFile = join(dir.path, "session.json");
    await mkdir(sessionFile);
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
    });
    const error = await rejection(
      store(bao, { auth: { appRole: { roleId, secretId } }, sessionFile })
        .get("Db"),
    );
    assert.ok(error instanceof ConfigSourceError, String(error));
    assert.ok(!(error instanceof SourceUnavailableError));
    assert.equal(
      error.message,
      `Cannot read the OpenBao session cache ${sessionFile} (EISDIR): it is a directory: move it away, or pass sessionFile: false to OpenBaoStore`,
    );
  });

  it("keeps every entry when many stores save to one session file at once", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "session.json");
    const caches = Array.from({ length: 12 }, () => new SessionCache(file));
    const failures = await Promise.all(
      caches.map((cache, i) =>
        cache.save(`id-${i}`, {
          token: `t-${i}`,
          expiresAt: null,
          ttlSeconds: 0,
          renewable: false,
          obtainedAt: i,
        })
      ),
    );
    assert.deepEqual(failures, caches.map(() => undefined));
    for (const [i, cache] of caches.entries()) {
      assert.equal((await cache.load(`id-${i}`))?.token, `t-${i}`);
    }
    // remove() forgets only the token it was given: a fresher login that
    // another process stored under the same id stays.
    assert.equal(await caches[0]!.remove("id-1", "an-older-token"), undefined);
    assert.equal((await caches[0]!.load("id-1"))?.token, "t-1");
    await caches[0]!.remove("id-1", "t-1");
    assert.equal(await caches[0]!.load("id-1"), undefined);
  });

  it("logs in again once when the cached token died, then retries", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
    });
    const options = {
      auth: { appRole: { roleId, secretId } },
      sessionFile: join(dir.path, "s.json"),
    };
    const s = store(bao, options);
    await s.set("Db", "1");
    const cached = JSON.parse(await readFile(join(dir.path, "s.json"), "utf8"));
    const oldToken =
      Object.values(cached.openbao as Record<string, { token: string }>)[0]!
        .token;
    bao.revokeToken(oldToken);
    assert.equal(await s.get("Db"), "1");
    const paths = bao.requests.map((r) => r.path);
    assert.equal(paths.filter((p) => p === "auth/approle/login").length, 2);
    assert.deepEqual(paths.slice(-4), [
      "secret/data/harmony/config/Db",
      "auth/token/lookup-self",
      "auth/approle/login",
      "secret/data/harmony/config/Db",
    ]);
    const recached = await readFile(join(dir.path, "s.json"), "utf8");
    assert.ok(!recached.includes(oldToken));
  });

  it("logs in only once when concurrent requests find the token dead", async () => {
    await using bao = await startFakeOpenBao();
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
    });
    const s = store(bao, {
      auth: { appRole: { roleId, secretId } },
      sessionFile: false,
    });
    await s.set("A", "1");
    await s.set("B", "2");
    const first = bao.requests.find((r) => r.path === "auth/approle/login");
    assert.ok(first);
    for (const token of bao.liveTokens()) {
      if (token !== bao.rootToken) bao.revokeToken(token);
    }
    assert.deepEqual(await Promise.all([s.get("A"), s.get("B"), s.get("A")]), [
      "1",
      "2",
      "1",
    ]);
    assert.equal(
      bao.requests.filter((r) => r.path === "auth/approle/login").length,
      2,
    );
  });

  it("logs in again when the clock passes the session's expiry or a renewal is capped", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
      ttlSeconds: 60,
      maxTtlSeconds: 130,
    });
    const s = store(bao, {
      auth: { appRole: { roleId, secretId } },
      sessionFile: false,
      now,
    });
    const count = (path: string): number =>
      bao.requests.filter((r) => r.path === path).length;
    await s.set("Db", "1");
    clock += 61_000; // past the expiry: log in again, no renewal
    await s.get("Db");
    assert.equal(count("auth/approle/login"), 2);
    assert.equal(count("auth/token/renew-self"), 0);
    clock += 45_000; // two thirds of 60 s: renewed in full (45 + 60 < 130)
    await s.get("Db");
    assert.equal(count("auth/token/renew-self"), 1);
    assert.equal(count("auth/approle/login"), 2);
    clock += 45_000; // due again; the max TTL caps it (90 + 60 > 130): log in again
    await s.get("Db");
    assert.equal(count("auth/token/renew-self"), 2);
    assert.equal(count("auth/approle/login"), 3);
  });

  it("reports a rejected AppRole login as a LoginError, never as unavailable", async () => {
    await using bao = await startFakeOpenBao();
    const { roleId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
    });
    const s = store(bao, {
      auth: { appRole: { roleId, secretId: "wrong-secret-id" } },
      sessionFile: false,
    });
    const error = await rejection(s.get("Db"));
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /invalid role or secret ID/);
    assert.ok(!errorText(error).includes("wrong-secret-id"));
  });

  it("logs in with a JWT checked against the issuer's JWKS, and rejects a bad audience", async () => {
    await using bao = await startFakeOpenBao();
    await using idp = await startJwtIssuer();
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "cli",
      boundAudiences: ["harmony"],
      policies: ["root"],
    });
    bao.putKv("harmony/config/Db", { host: "db" });
    let calls = 0;
    const good = store(bao, {
      auth: {
        jwt: {
          role: "cli",
          token: () => (calls++, idp.sign({ sub: "alice", aud: "harmony" })),
        },
      },
      sessionFile: false,
    });
    assert.equal(await good.get("Db"), '{"host":"db"}');
    assert.equal(await good.get("Db"), '{"host":"db"}');
    assert.equal(calls, 1, "one login per session");
    const badJwt = await idp.sign({ sub: "alice", aud: "someone-else" });
    const bad = store(bao, {
      auth: { jwt: { role: "cli", token: () => Promise.resolve(badJwt) } },
      sessionFile: false,
    });
    const error = await rejection(bad.get("Db"));
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /error validating token/);
    assert.ok(!errorText(error).includes(badJwt));
  });

  it("rejects a JWT login on a role whose role_type is oidc", async () => {
    await using bao = await startFakeOpenBao();
    await using idp = await startJwtIssuer();
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "web",
      boundAudiences: ["h"],
      policies: [],
      roleType: "oidc",
    });
    const jwt = await idp.sign({ sub: "a", aud: "h" });
    const error = await rejection(
      store(bao, {
        auth: { jwt: { role: "web", token: () => Promise.resolve(jwt) } },
        sessionFile: false,
      }).get("Db"),
    );
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /role with oidc role_type is not allowed/);
  });
});

describe("OpenBaoStore: cost", () => {
  it("sends one HTTP request per warm get(), three on the first (lookup-self, mount type, read)", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const s = store(bao);
    await s.get("Db");
    assert.deepEqual(bao.requests.map((r) => r.path), [
      "auth/token/lookup-self",
      "sys/internal/ui/mounts/secret",
      "secret/data/harmony/config/Db",
    ]);
    const before = bao.requests.length;
    await s.get("Db");
    assert.equal(bao.requests.length - before, 1);
  });
});

describe("examples/openbao.ts", () => {
  it(
    "stores in OpenBao, reads it back in a second run, and reports OpenBao as unavailable once it is gone",
    async () => {
      await using dir = await tempDir();
      // `deno run` under Deno; under Node, the example compiled beside the
      // tests, importing the packed build.
      const example = new URL("../examples/openbao.ts", import.meta.url);
      const bao = await startFakeOpenBao();
      const run = (address: string): ReturnType<typeof runFixture> =>
        runFixture(example, [], {
          denoFlags: [
            "--allow-env",
            "--allow-net=127.0.0.1",
            `--allow-read=${dir.path}`,
            `--allow-write=${dir.path}`,
          ],
          env: baseEnv({
            OPENBAO_URL: address,
            BAO_TOKEN: bao.rootToken,
            HARMONY_DATA_DIR: dir.path,
          }),
        });
      try {
        const first = await run(bao.address);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /stored a new value in OpenBao/);
        assert.equal(
          bao.readKv("harmony/config/PostgresConfig")?.host,
          "db.internal",
        );
        const second = await run(bao.address);
        assert.match(
          second.stdout,
          /PostgresConfig host=db\.internal port=5432/,
        );
        assert.match(
          second.stdout,
          new RegExp(`answered by: openbao:${bao.address}`),
        );
        assert.ok(
          !second.stdout.includes(
            String(bao.readKv("harmony/config/PostgresConfig")?.password),
          ),
        );
      } finally {
        await bao.close();
      }
      const down = await run(bao.address);
      assert.equal(down.code, 1);
      assert.match(
        down.stdout,
        /unavailable +openbao:http:\/\/127\.0\.0\.1:\d+: connection refused/,
      );
    },
  );
});

describe("OpenBaoStore in child processes", () => {
  const fixture = new URL("./_fixtures/openbao_get.ts", import.meta.url);

  it("reuses a login cached by a previous run", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.putKv("harmony/config/Db", { host: "db" });
    const { roleId, secretId } = bao.configureAppRole({
      role: "app",
      policies: ["root"],
    });
    const options = {
      env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
      denoFlags: [
        "--allow-net=127.0.0.1",
        "--allow-env",
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
      ],
    };
    for (let run = 0; run < 2; run++) {
      const result = await runFixture(fixture, [
        bao.address,
        "Db",
        roleId,
        secretId,
      ], options);
      assert.equal(result.stdout.trim(), '{"host":"db"}', result.stderr);
    }
    assert.equal(
      bao.requests.filter((r) => r.path === "auth/approle/login").length,
      1,
    );
  });

  it(
    "answers, and logs in again next run, when Deno denies writing the session cache",
    {
      skip: isDeno ? false : "needs Deno's permission model",
    },
    async () => {
      await using bao = await startFakeOpenBao();
      await using dir = await tempDir();
      bao.putKv("harmony/config/Db", { host: "db" });
      const { roleId, secretId } = bao.configureAppRole({
        role: "app",
        policies: ["root"],
      });
      for (let run = 0; run < 2; run++) {
        const result = await runFixture(fixture, [
          bao.address,
          "Db",
          roleId,
          secretId,
        ], {
          env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
          denoFlags: [
            "--allow-net=127.0.0.1",
            "--allow-env",
            `--allow-read=${dir.path}`,
          ],
        });
        assert.equal(result.stdout.trim(), '{"host":"db"}', result.stderr);
        assert.equal(result.code, 0);
      }
      assert.equal(
        bao.requests.filter((r) => r.path === "auth/approle/login").length,
        2,
      );
    },
  );

  it("names --allow-net=<host:port> when Deno denies the network", {
    skip: isDeno ? false : "needs Deno's permission model",
  }, async () => {
    await using bao = await startFakeOpenBao();
    const host = new URL(bao.address).host;
    const result = await runFixture(fixture, [bao.address, "Db"], {
      env: baseEnv({ BAO_TOKEN: bao.rootToken }),
      denoFlags: ["--allow-env"],
    });
    assert.equal(result.code, 2);
    assert.match(
      result.stdout,
      new RegExp(
        `ConfigPermissionError: .*add --allow-net=${host.replace(".", "\\.")}`,
      ),
    );
    assert.ok(!result.stdout.includes(bao.rootToken + " "));
    assert.equal(bao.requests.length, 0);
  });
});
