/** AppRole and JWT logins, and the session cache they fill. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  ConfigSourceError,
  LoginError,
  SourceUnavailableError,
} from "../../../errors.ts";
import { SessionCache } from "../../../stores/openbao/_session_cache.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
import {
  addConfigPolicy,
  errorText,
  store,
} from "../../_helpers/openbao_store.ts";
import { startJwtIssuer } from "../../_helpers/jwt_issuer.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { rejection } from "../../_helpers/rejection.ts";

const isWindows =
  (globalThis as { process?: { platform?: string } }).process?.platform ===
    "win32";

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
        policies: [addConfigPolicy(bao)],
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
      policies: [addConfigPolicy(bao)],
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
      policies: [addConfigPolicy(bao)],
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
      policies: [addConfigPolicy(bao)],
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
      policies: [addConfigPolicy(bao)],
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
      policies: [addConfigPolicy(bao)],
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
      roleType: "jwt",
      boundAudiences: ["harmony"],
      policies: [addConfigPolicy(bao)],
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
    // An oidc role can only be written with redirect URIs (path_role.go).
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "web",
      boundAudiences: ["h"],
      policies: [],
      roleType: "oidc",
      allowedRedirectUris: ["http://localhost:8250/oidc/callback"],
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
