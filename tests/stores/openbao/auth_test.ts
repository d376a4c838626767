/**
 * Static and login tokens: dead tokens and policy denials, tokens without
 * the `default` policy (which may not look themselves up), renewal, and the
 * address, namespace and token from the env.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConfigError,
  ConfigSourceError,
  SourceUnavailableError,
} from "../../../errors.ts";
import { OpenBaoStore } from "../../../stores/openbao/mod.ts";
import { join } from "node:path";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "../../_helpers/openbao_server.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { errorText, store } from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

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
        /set OPENBAO_URL \(or BAO_ADDR, or VAULT_ADDR\)/.test(e.message),
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

  it("reads the bao CLI's BAO_ADDR after OPENBAO_URL and before VAULT_ADDR, and reports only the variables it read", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    const viaBaoAddr = new OpenBaoStore({
      env: {
        BAO_ADDR: bao.address,
        VAULT_ADDR: "http://wrong",
        BAO_TOKEN: "root",
      },
    });
    assert.equal(viaBaoAddr.address, bao.address);
    assert.equal(await viaBaoAddr.get("Db"), '{"host":"db"}');
    assert.deepEqual(
      viaBaoAddr.permissions().filter((p) => p.name === "env"),
      [
        "OPENBAO_URL",
        "BAO_ADDR",
        "BAO_NAMESPACE",
        "VAULT_NAMESPACE",
        "BAO_TOKEN",
      ]
        .map((variable) => ({ name: "env", variable })),
    );
    const ours = new OpenBaoStore({
      env: {
        OPENBAO_URL: bao.address,
        BAO_ADDR: "http://wrong",
        BAO_TOKEN: "root",
      },
    });
    assert.equal(ours.address, bao.address, "OPENBAO_URL wins over BAO_ADDR");
    const vault = new OpenBaoStore({
      env: { BAO_ADDR: "", VAULT_ADDR: bao.address, VAULT_TOKEN: "root" },
    });
    assert.equal(vault.address, bao.address, "an empty BAO_ADDR is unset");
  });

  it("sends the namespace from BAO_NAMESPACE, then VAULT_NAMESPACE, when the address comes from the env", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("secret", { namespace: "team-a/" });
    bao.enableKv("secret", { namespace: "team-b/" });
    bao.putKv("harmony/config/Db", { host: "a" }, { namespace: "team-a/" });
    bao.putKv("harmony/config/Db", { host: "b" }, { namespace: "team-b/" });
    bao.putKv("harmony/config/Db", { host: "root" });
    const env = { BAO_ADDR: bao.address, BAO_TOKEN: "root" };
    const bao1 = new OpenBaoStore({
      env: { ...env, BAO_NAMESPACE: "team-a", VAULT_NAMESPACE: "team-b" },
    });
    assert.equal(bao1.namespace, "team-a/");
    assert.equal(await bao1.get("Db"), '{"host":"a"}');
    const vault = new OpenBaoStore({
      env: { ...env, VAULT_NAMESPACE: "team-b" },
    });
    assert.equal(await vault.get("Db"), '{"host":"b"}');
    // An explicit namespace, even "" (root), is never looked up; nor is the
    // namespace when the program names the server in code.
    const root = new OpenBaoStore({
      namespace: "",
      env: { ...env, BAO_NAMESPACE: "team-a" },
    });
    assert.equal(root.namespace, undefined);
    assert.equal(await root.get("Db"), '{"host":"root"}');
    const explicit = new OpenBaoStore({
      address: bao.address,
      env: { BAO_TOKEN: "root", BAO_NAMESPACE: "team-a" },
    });
    assert.equal(explicit.namespace, undefined);
    assert.deepEqual(
      explicit.permissions().filter((p) => p.name === "env"),
      [{ name: "env", variable: "BAO_TOKEN" }],
    );
  });
});

describe("OpenBaoStore: tokens without the default policy", () => {
  /** A policy that may read one key only, as a narrow CI policy would. */
  function addReadOnePolicy(bao: FakeOpenBao): string {
    bao.addPolicy("read-db", [{
      path: "secret/data/harmony/config/Db",
      capabilities: ["read"],
    }]);
    return "read-db";
  }

  const count = (bao: FakeOpenBao, path: string): number =>
    bao.requests.filter((r) => r.path === path).length;

  it("uses a live static token that may not look itself up: it reads what its policy grants", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "db" });
    bao.putKv("harmony/config/Other", { host: "other" });
    const token = bao.createToken({
      policies: [addReadOnePolicy(bao)],
      noDefaultPolicy: true,
    });
    const s = store(bao, { auth: { token } });
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(await s.get("Db"), '{"host":"db"}');
    // What it may not read: a 403 that names both causes and how to tell.
    const error = await rejection(s.get("Other"));
    assert.ok(
      error instanceof ConfigSourceError &&
        !(error instanceof SourceUnavailableError),
    );
    assert.match(
      error.message,
      /either no policy grants "read" on secret\/data\/harmony\/config\/\*, or the token is expired or revoked/,
    );
    assert.match(error.message, /lacks the default policy/);
    assert.match(error.message, /bao token lookup -accessor/);
    assert.equal(count(bao, "auth/token/lookup-self"), 1, "looked up once");
    assert.equal(count(bao, "auth/token/renew-self"), 0);
    assert.ok(!errorText(error).includes(token));
  });

  it("keeps a login token without the default policy until its TTL ends: no renewal, no login after a denial", async () => {
    let clock = Date.UTC(2030, 0, 1);
    const now = (): number => clock;
    await using bao = await startFakeOpenBao({ now });
    bao.putKv("harmony/config/Db", { host: "db" });
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: [addReadOnePolicy(bao)],
      tokenNoDefaultPolicy: true,
      ttlSeconds: 60,
    });
    const s = store(bao, {
      auth: { appRole: { roleId, secretId } },
      sessionFile: false,
      kvVersion: 2,
      now,
    });
    const logins = (): number => count(bao, "auth/approle/login");
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(logins(), 1);
    // A policy denial: reported with both causes, never a new login.
    for (let i = 0; i < 3; i++) {
      const error = await rejection(s.get("Other"));
      assert.ok(error instanceof ConfigSourceError);
      assert.match(error.message, /or the token is expired or revoked/);
    }
    assert.equal(logins(), 1, "no login storm");
    // Past two thirds of the TTL: renew-self is not the token's to call.
    clock += 45_000;
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(count(bao, "auth/token/renew-self"), 0);
    assert.equal(count(bao, "auth/token/lookup-self"), 0);
    assert.equal(logins(), 1);
    // Past the TTL: one new login replaces it.
    clock += 20_000;
    assert.equal(await s.get("Db"), '{"host":"db"}');
    assert.equal(logins(), 2);
  });

  it("replaces a cached login token without the default policy once when it was revoked, then reports denials", async () => {
    await using bao = await startFakeOpenBao();
    await using dir = await tempDir();
    bao.putKv("harmony/config/Db", { host: "db" });
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: [addReadOnePolicy(bao)],
      tokenNoDefaultPolicy: true,
    });
    const options = {
      auth: { appRole: { roleId, secretId } },
      sessionFile: join(dir.path, "session.json"),
      kvVersion: 2 as const,
    };
    assert.equal(await store(bao, options).get("Db"), '{"host":"db"}');
    const logins = (): number => count(bao, "auth/approle/login");
    assert.equal(logins(), 1);
    for (const token of bao.liveTokens()) {
      if (token !== bao.rootToken) bao.revokeToken(token);
    }
    // Another process, the cached token, now revoked: one login settles it.
    const next = store(bao, options);
    assert.equal(await next.get("Db"), '{"host":"db"}');
    assert.equal(logins(), 2);
    await rejection(next.get("Other"));
    await rejection(next.get("Other"));
    assert.equal(logins(), 2, "the fresh token's denials log in no more");
    assert.equal(count(bao, "auth/token/lookup-self"), 0);
  });
});
