/**
 * Static tokens: dead tokens and policy denials, renewal, and the address and
 * token from the env.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConfigError,
  ConfigSourceError,
  SourceUnavailableError,
} from "../../../errors.ts";
import { OpenBaoStore } from "../../../stores/openbao/mod.ts";
import { startFakeOpenBao } from "../../_helpers/openbao_server.ts";
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
