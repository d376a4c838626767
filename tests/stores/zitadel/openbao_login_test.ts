/**
 * The whole team flow: a device login at a real OpenID Connect provider
 * (npm `oidc-provider`) → its ID token → JWT login at the in-process OpenBao
 * (which checks the token against the provider's real JWKS) → KV v2 reads and
 * writes through `ConfigManager([EnvSource, StoreSource, SqliteSource])`, and
 * the cached OpenBao session reused by a second run.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { z } from "zod";
import { defineConfig } from "../../../config.ts";
import { LoginError } from "../../../errors.ts";
import { ConfigManager } from "../../../manager.ts";
import { EnvSource } from "../../../sources/env.ts";
import { SqliteSource } from "../../../sources/sqlite.ts";
import { StoreSource } from "../../../sources/store.ts";
import {
  type DevicePrompt,
  openBaoWithZitadel,
} from "../../../stores/zitadel/mod.ts";
import {
  type OidcProvider,
  startOidcProvider,
} from "../../_helpers/oidc_provider.ts";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "../../_helpers/openbao_server.ts";
import { tempDir } from "../../_helpers/temp.ts";
import { startJwtIssuer } from "../../_helpers/jwt_issuer.ts";
import { OpenBaoStore } from "../../../stores/openbao/mod.ts";
import { rejection } from "../../_helpers/rejection.ts";

const Database = defineConfig({
  key: "Database",
  schema: z.object({ host: z.string(), port: z.number().int() }),
});

const ROLE = "harmony-config";

/** OpenBao set up as the ADR says: kv-v2 at secret/, a jwt role bound to the provider. */
async function configure(bao: FakeOpenBao, op: OidcProvider): Promise<void> {
  bao.addPolicy(ROLE, [
    {
      path: "secret/data/harmony/config/*",
      capabilities: ["create", "read", "update", "delete"],
    },
    {
      path: "secret/metadata/harmony/config/*",
      capabilities: ["read", "delete", "list"],
    },
  ]);
  await bao.configureJwtAuth({
    issuer: op.issuer,
    role: ROLE,
    roleType: "jwt",
    boundAudiences: [op.clientId],
    userClaim: "sub",
    policies: [ROLE],
    ttlSeconds: 3600,
  });
}

/** A fetch that records the JWTs sent to OpenBao's JWT login. */
function recordingLogins(jwts: string[]): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith("/v1/auth/jwt/login") && typeof init?.body === "string") {
      jwts.push((JSON.parse(init.body) as { jwt: string }).jwt);
    }
    return await fetch(input, init);
  };
}

function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(payload)) as Record<string, unknown>;
}

describe("Zitadel device login in front of OpenBao", () => {
  it("logs in with the ID token, writes and reads KV v2, and a second run reuses the session", async () => {
    await using dir = await tempDir();
    await using op = await startOidcProvider({ clientId: "harmony-cli" });
    await using bao = await startFakeOpenBao();
    await configure(bao, op);
    const env = { HARMONY_DATA_DIR: dir.path };
    const prompts: DevicePrompt[] = [];
    const loginJwts: string[] = [];

    const openManager = async (): Promise<ConfigManager> =>
      new ConfigManager([
        new EnvSource({ env: {} }),
        new StoreSource(
          openBaoWithZitadel({
            address: bao.address,
            issuer: op.issuer,
            clientId: op.clientId,
            role: ROLE,
            env,
            fetch: recordingLogins(loginJwts),
            onPrompt: async (prompt) => {
              prompts.push(prompt);
              await op.approve(prompt.userCode, { sub: "carol" });
            },
            sleep: () => Promise.resolve(),
          }),
        ),
        await SqliteSource.open(join(dir.path, "config.db")),
      ]);

    // First run: one device login, one JWT login, the value lands in OpenBao.
    {
      await using manager = await openManager();
      await manager.set(Database, { host: "db.internal", port: 5432 });
      assert.deepEqual(await manager.get(Database), {
        host: "db.internal",
        port: 5432,
      });
      const explanation = await manager.explain(Database);
      assert.match(explanation.answeredBy ?? "", /openbao/);
    }
    assert.equal(prompts.length, 1);
    assert.deepEqual(bao.readKv("harmony/config/Database"), {
      host: "db.internal",
      port: 5432,
    });
    assert.equal(loginJwts.length, 1);
    const sent = claimsOf(loginJwts[0]!);
    assert.equal(sent.iss, op.issuer);
    assert.equal(
      sent.aud,
      op.clientId,
      "the ID token, whose aud is the client",
    );
    assert.equal(sent.sub, "carol");

    const sessionFile = join(dir.path, "session.json");
    if (process.platform !== "win32") {
      assert.equal((await stat(sessionFile)).mode & 0o777, 0o600);
    }
    const cached = await readFile(sessionFile, "utf8");
    assert.ok(!cached.includes(loginJwts[0]!), "the ID token is never cached");

    // Second run, a new process in effect: the cached OpenBao session answers.
    bao.putKv("harmony/config/Database", { host: "db2.internal", port: 6432 });
    const loginsBefore = bao.requests.filter((r) => r.path === "auth/jwt/login")
      .length;
    {
      await using manager = await openManager();
      assert.deepEqual(await manager.get(Database), {
        host: "db2.internal",
        port: 6432,
      });
    }
    assert.equal(prompts.length, 1, "no second device login");
    assert.equal(
      bao.requests.filter((r) => r.path === "auth/jwt/login").length,
      loginsBefore,
      "no second JWT login",
    );
  });

  it("when the OpenBao session expires, the refresh token buys a new ID token without a device login", async () => {
    await using dir = await tempDir();
    await using op = await startOidcProvider();
    await using bao = await startFakeOpenBao();
    await configure(bao, op);
    bao.putKv("harmony/config/Database", { host: "db", port: 5432 });
    let offsetMs = 0;
    let prompts = 0;
    const grants: string[] = [];
    const loginJwts: string[] = [];
    const recordLogins = recordingLogins(loginJwts);
    const store = openBaoWithZitadel({
      address: bao.address,
      issuer: op.issuer,
      clientId: op.clientId,
      role: ROLE,
      env: { HARMONY_DATA_DIR: dir.path },
      now: () => Date.now() + offsetMs,
      fetch: (input, init) => {
        if (
          String(input).endsWith("/token") && typeof init?.body === "string"
        ) {
          grants.push(new URLSearchParams(init.body).get("grant_type") ?? "");
        }
        return recordLogins(input, init);
      },
      onPrompt: async (prompt) => {
        prompts++;
        await op.approve(prompt.userCode);
      },
      sleep: () => Promise.resolve(),
    });
    await using manager = new ConfigManager([new StoreSource(store)]);
    assert.equal((await manager.get(Database)).host, "db");

    // Two hours later on the client's clock: the OpenBao token (1 h) and the
    // ID token (1 h) have both expired; the provider still honours the
    // refresh token (1 day).
    offsetMs = 2 * 3600_000;
    assert.equal((await manager.get(Database)).host, "db");
    assert.equal(prompts, 1, "no second device login");
    assert.deepEqual(grants, [
      "urn:ietf:params:oauth:grant-type:device_code",
      "refresh_token",
    ]);
    assert.equal(loginJwts.length, 2, "a second JWT login");
    assert.equal(claimsOf(loginJwts[1]!).aud, op.clientId);
  });

  it("an identity-provider outage falls through to SQLite, and explain() blames the provider, not OpenBao", async () => {
    await using dir = await tempDir();
    await using down = await startOidcProvider();
    const issuer = down.issuer;
    await using bao = await startFakeOpenBao();
    await configure(bao, down);
    await down.close();
    await using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    await sqlite.set("Database", { host: "local", port: 1 });
    await using manager = new ConfigManager([
      new StoreSource(
        openBaoWithZitadel({
          address: bao.address,
          issuer,
          clientId: "harmony-cli",
          role: ROLE,
          sessionFile: false,
          kvVersion: 2,
          sleep: () => Promise.resolve(),
        }),
      ),
      sqlite,
    ]);
    assert.equal((await manager.get(Database)).host, "local");
    const step = (await manager.explain(Database)).steps[0];
    assert.equal(step?.source, `openbao:${bao.address}`);
    assert.equal(step?.status, "unavailable");
    // explain() asked again within the 5 s: the remembered reason still
    // names the identity provider.
    assert.match(
      step?.reason ?? "",
      new RegExp(
        `^the identity provider ${
          issuer.replaceAll(".", "\\.")
        } cannot be reached \\(connection refused\\) \\(remembered: not retried for [1-5] s\\)$`,
      ),
    );
    assert.equal(bao.requests.length, 0, "OpenBao itself was never asked");
  });

  it("a denied device login is an error, never a fall-through to SQLite", async () => {
    await using dir = await tempDir();
    await using op = await startOidcProvider();
    await using bao = await startFakeOpenBao();
    await configure(bao, op);
    await using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    await sqlite.set("Database", { host: "local", port: 1 });

    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      new StoreSource(
        openBaoWithZitadel({
          address: bao.address,
          issuer: op.issuer,
          clientId: op.clientId,
          role: ROLE,
          env: { HARMONY_DATA_DIR: dir.path },
          onPrompt: (prompt) => op.deny(prompt.userCode),
          sleep: () => Promise.resolve(),
        }),
      ),
      sqlite,
    ]);
    await assert.rejects(
      manager.get(Database),
      (error: unknown) =>
        error instanceof LoginError && error.code === "access_denied",
    );
  });

  it(
    "OpenBao refuses an ID token from an issuer it is not bound to",
    async () => {
      await using dir = await tempDir();
      await using op = await startOidcProvider();
      await using other = await startOidcProvider();
      await using bao = await startFakeOpenBao();
      await configure(bao, other); // bound to the other provider
      await using manager = new ConfigManager([
        new StoreSource(
          openBaoWithZitadel({
            address: bao.address,
            issuer: op.issuer,
            clientId: op.clientId,
            role: ROLE,
            env: { HARMONY_DATA_DIR: dir.path },
            onPrompt: (prompt) => op.approve(prompt.userCode),
            sleep: () => Promise.resolve(),
          }),
        ),
      ]);
      await assert.rejects(
        manager.get(Database),
        (error: unknown) => error instanceof LoginError,
      );
    },
  );
});

describe("Zitadel's shapes in front of OpenBao", () => {
  const project = {
    projectId: "2837465293847",
    clientIds: ["app-cli", "app-web"],
  };

  /** The README's role: the audience and the app (azp) bound. */
  async function bindApp(bao: FakeOpenBao, issuer: string): Promise<void> {
    bao.addPolicy(ROLE, [{
      path: "secret/data/harmony/config/*",
      capabilities: ["create", "read", "update"],
    }]);
    await bao.configureJwtAuth({
      issuer,
      role: ROLE,
      roleType: "jwt",
      boundAudiences: ["app-cli"],
      boundClaims: { azp: "app-cli" },
      userClaim: "sub",
      policies: [ROLE],
      ttlSeconds: 3600,
    });
  }

  it("binds the app, not only the audience: another app of the project cannot log in with its ID token", async () => {
    await using idp = await startJwtIssuer({ zitadel: project });
    await using bao = await startFakeOpenBao();
    await bindApp(bao, idp.issuer);
    bao.putKv("harmony/config/Database", { host: "db", port: 5432 });
    const read = (jwt: string) =>
      new OpenBaoStore({
        address: bao.address,
        env: {},
        sessionFile: false,
        kvVersion: 2,
        auth: { jwt: { role: ROLE, token: () => Promise.resolve(jwt) } },
      }).get("Database");
    assert.equal(
      await read(await idp.zitadelIdToken("app-cli", "carol")),
      '{"host":"db","port":5432}',
    );
    // The web app's token has app-cli in aud too: bound_audiences alone
    // would let it in; bound_claims on azp does not.
    const web = await idp.zitadelIdToken("app-web", "carol");
    assert.ok((claimsOf(web).aud as string[]).includes("app-cli"));
    const error = await rejection(read(web));
    assert.ok(error instanceof LoginError);
    assert.match(error.message, /claim "azp" does not match/);
  });

  it("after Zitadel refuses the refresh token (invalid_request), logs in once more with the device flow, and no more", async () => {
    await using dir = await tempDir();
    let offsetMs = 0;
    const now = (): number => Date.now() + offsetMs;
    await using idp = await startJwtIssuer({ zitadel: { ...project, now } });
    await using bao = await startFakeOpenBao({ now });
    await bindApp(bao, idp.issuer);
    bao.putKv("harmony/config/Database", { host: "db", port: 5432 });
    let prompts = 0;
    const store = openBaoWithZitadel({
      address: bao.address,
      issuer: idp.issuer,
      clientId: "app-cli",
      role: ROLE,
      env: { HARMONY_DATA_DIR: dir.path },
      now,
      onPrompt: (prompt) => {
        prompts++;
        idp.approve(prompt.userCode, "carol");
      },
      sleep: () => Promise.resolve(),
    });
    await using manager = new ConfigManager([new StoreSource(store)]);
    const jwtLogins = (): number =>
      bao.requests.filter((r) => r.path === "auth/jwt/login").length;
    assert.equal((await manager.get(Database)).host, "db");
    assert.equal(prompts, 1);
    assert.equal(jwtLogins(), 1);
    // Two hours on: the OpenBao token and the ID token have expired, and
    // the Zitadel session has ended, so the refresh token is refused.
    idp.endSessions();
    offsetMs = 2 * 3600_000;
    assert.equal((await manager.get(Database)).host, "db");
    assert.deepEqual(idp.grants, [
      "urn:ietf:params:oauth:grant-type:device_code",
      "refresh_token",
      "urn:ietf:params:oauth:grant-type:device_code",
    ]);
    assert.equal(prompts, 2, "one new device login");
    assert.equal(jwtLogins(), 2);
    for (let i = 0; i < 3; i++) await manager.get(Database);
    assert.equal(prompts, 2);
    assert.equal(jwtLogins(), 2, "no login storm");
  });
});
