/**
 * The in-process OpenBao server answers as the real one does, read from
 * OpenBao's source: one test per behaviour of docs/openbao-compatibility.md,
 * over raw HTTP, so the client tests stand on a faithful server. The
 * Zitadel-shaped issuer is checked here too.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "../../_helpers/openbao_server.ts";
import { startJwtIssuer } from "../../_helpers/jwt_issuer.ts";

interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** One raw request, as `curl` would send it. */
async function raw(
  bao: FakeOpenBao,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<Answer> {
  const token = options.token === undefined ? bao.rootToken : options.token;
  const response = await fetch(`${bao.address}/v1/${path}`, {
    method,
    headers: {
      "X-Vault-Request": "true",
      ...(token === null ? {} : { "X-Vault-Token": token }),
    },
    ...(options.body === undefined
      ? {}
      : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

const DENIED = { errors: ["1 error occurred:\n\t* permission denied\n\n"] };

describe("test server: tokens and the default policy (policy_store.go DefaultPolicy)", () => {
  it("grants lookup-self and renew-self through the default policy only", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("reader", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["read"],
    }]);
    bao.putKv("harmony/config/Db", { host: "db" });
    const withDefault = bao.createToken({ policies: ["reader"] });
    const without = bao.createToken({
      policies: ["reader"],
      noDefaultPolicy: true,
    });
    assert.deepEqual(bao.tokenInfo(withDefault)?.policies, [
      "default",
      "reader",
    ]);
    assert.deepEqual(bao.tokenInfo(without)?.policies, ["reader"]);
    for (const [token, status] of [[withDefault, 200], [without, 403]]) {
      const lookup = await raw(bao, "GET", "auth/token/lookup-self", {
        token: token as string,
      });
      assert.equal(lookup.status, status);
      const renew = await raw(bao, "POST", "auth/token/renew-self", {
        token: token as string,
        body: { increment: "1h" },
      });
      assert.equal(renew.status, status);
      // Both read what "reader" grants.
      const read = await raw(bao, "GET", "secret/data/harmony/config/Db", {
        token: token as string,
      });
      assert.equal(read.status, 200);
    }
    assert.deepEqual(
      (await raw(bao, "GET", "auth/token/lookup-self", { token: without }))
        .body,
      DENIED,
    );
    // The default policy is an ordinary, editable policy.
    bao.addPolicy("default", []);
    assert.equal(
      (await raw(bao, "GET", "auth/token/lookup-self", { token: withDefault }))
        .status,
      403,
    );
  });

  it("gives a login's token the default policy unless the role says token_no_default_policy, and never root", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("app", []);
    const plain = bao.configureAppRole({ role: "a", policies: ["app"] });
    const bare = bao.configureAppRole({
      role: "b",
      policies: ["app"],
      tokenNoDefaultPolicy: true,
    });
    const root = bao.configureAppRole({ role: "c", policies: ["root"] });
    const login = (creds: { roleId: string; secretId: string }) =>
      raw(bao, "POST", "auth/approle/login", {
        token: null,
        body: { role_id: creds.roleId, secret_id: creds.secretId },
      });
    const auth = (answer: Answer) =>
      answer.body?.auth as { policies: string[]; token_policies: string[] };
    assert.deepEqual(auth(await login(plain)).policies, ["app", "default"]);
    assert.deepEqual(auth(await login(bare)).token_policies, ["app"]);
    assert.deepEqual(await login(root), {
      status: 400,
      body: { errors: ["auth methods cannot create root tokens"] },
    });
  });

  it("answers a dead token and a policy denial both with 403: bare for the token, the multierror for the policy", async () => {
    await using bao = await startFakeOpenBao();
    const token = bao.createToken({ policies: [] });
    // request_handling.go: CheckToken wraps an ACL denial in a go-multierror
    // ...
    assert.deepEqual(
      await raw(bao, "GET", "secret/data/harmony/config/Db", { token }),
      { status: 403, body: DENIED },
    );
    // ...but passes fetchACLTokenEntryAndEntity's bare ErrPermissionDenied
    // for a missing, expired or revoked token.
    bao.revokeToken(token);
    for (const dead of [token, "s.unknown00000000", null]) {
      assert.deepEqual(
        await raw(bao, "GET", "secret/data/harmony/config/Db", {
          token: dead,
        }),
        { status: 403, body: { errors: ["permission denied"] } },
      );
    }
    assert.equal(
      (await raw(bao, "GET", "auth/token/lookup-self", { token })).status,
      403,
    );
  });
});

describe("test server: ACLs (policy/acl.go NewACL, AllowOperation, CheckAllowedFromNonExactPaths)", () => {
  async function can(
    bao: FakeOpenBao,
    policies: string[],
    path: string,
  ): Promise<boolean> {
    const token = bao.createToken({ policies });
    const answer = await raw(bao, "GET", path, { token });
    assert.ok([200, 403, 404].includes(answer.status), String(answer.status));
    return answer.status !== 403;
  }

  it("lets an exact rule beat every glob, the longest prefix beat shorter ones, and + match one segment", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("p", [
      { path: "secret/data/*", capabilities: ["read"] },
      { path: "secret/data/harmony/*", capabilities: ["deny"] },
      { path: "secret/data/harmony/config/*", capabilities: ["read"] },
      { path: "secret/data/harmony/config/Locked", capabilities: ["list"] },
      { path: "secret/data/team/+/Db", capabilities: ["read"] },
    ]);
    assert.equal(await can(bao, ["p"], "secret/data/other"), true);
    assert.equal(await can(bao, ["p"], "secret/data/harmony/x"), false);
    assert.equal(
      await can(bao, ["p"], "secret/data/harmony/config/Db"),
      true,
      "the longest prefix wins",
    );
    assert.equal(
      await can(bao, ["p"], "secret/data/harmony/config/Locked"),
      false,
      "the exact rule wins, and it grants no read",
    );
    assert.equal(await can(bao, ["p"], "secret/data/team/a/Db"), true);
    assert.equal(
      await can(bao, ["p"], "secret/data/team/a/b/Db"),
      true,
      "no + match: the prefix secret/data/* decides",
    );
  });

  it("unions the same path across policies, and lets deny in any of them win", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("read", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["read"],
    }]);
    bao.addPolicy("write", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["create", "update"],
    }]);
    bao.addPolicy("deny", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["deny"],
    }]);
    const both = bao.createToken({ policies: ["read", "write"] });
    assert.equal(
      (await raw(bao, "POST", "secret/data/harmony/config/Db", {
        token: both,
        body: { data: { a: 1 } },
      })).status,
      200,
    );
    assert.equal(
      await can(bao, ["read", "write"], "secret/data/harmony/config/Db"),
      true,
    );
    assert.equal(
      await can(bao, ["read", "deny"], "secret/data/harmony/config/Db"),
      false,
    );
  });

  it("counts glob rules for mount access at sys/internal/ui/mounts (logical_system.go hasMountAccess)", async () => {
    await using bao = await startFakeOpenBao();
    bao.addPolicy("everything", [{ path: "*", capabilities: ["read"] }]);
    bao.addPolicy("deep", [{
      path: "secret/data/harmony/config/*",
      capabilities: ["read"],
    }]);
    bao.addPolicy("segment", [{
      path: "secret/data/+/Db",
      capabilities: ["read"],
    }]);
    bao.addPolicy("elsewhere", [{ path: "kv/*", capabilities: ["read"] }]);
    for (
      const [policy, status] of [
        ["everything", 200],
        ["deep", 200],
        ["segment", 200],
        ["elsewhere", 403],
      ] as const
    ) {
      const token = bao.createToken({ policies: [policy] });
      const answer = await raw(bao, "GET", "sys/internal/ui/mounts/secret", {
        token,
      });
      assert.equal(answer.status, status, policy);
    }
  });
});

describe("test server: mounts", () => {
  it("answers sys/internal/ui/mounts for a missing mount with the preflight 403, even to root (pathInternalUIMountRead)", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("kv1", { version: 1 });
    assert.deepEqual(await raw(bao, "GET", "sys/internal/ui/mounts/nope"), {
      status: 403,
      body: {
        errors: [
          'preflight capability check returned 403, please ensure client\'s policies grant access to path "nope/"',
        ],
      },
    });
    const v2 = await raw(bao, "GET", "sys/internal/ui/mounts/secret");
    assert.deepEqual(
      (v2.body?.data as { options: unknown }).options,
      { version: "2" },
    );
    // `bao secrets enable kv` stores no options.
    const v1 = await raw(bao, "GET", "sys/internal/ui/mounts/kv1");
    assert.equal((v1.body?.data as { options: unknown }).options, null);
  });

  it("routes an allowed path under no mount to 404 `no handler for route`, a forbidden one to 403 first (CheckToken)", async () => {
    await using bao = await startFakeOpenBao();
    assert.equal(
      (await raw(bao, "GET", "nope/data/harmony/config/Db")).status,
      404,
    );
    const token = bao.createToken({ policies: [] });
    assert.equal(
      (await raw(bao, "GET", "nope/data/harmony/config/Db", { token })).status,
      403,
    );
  });
});

describe("test server: KV", () => {
  it("has a mount-wide <mount>/config whose cas_required and max_versions apply to every key (path_config.go, validateCheckAndSetOption, AddVersion)", async () => {
    await using bao = await startFakeOpenBao();
    assert.equal(
      (await raw(bao, "POST", "secret/config", {
        body: { cas_required: true, max_versions: 2 },
      })).status,
      204,
    );
    const config = await raw(bao, "GET", "secret/config");
    assert.deepEqual(config.body?.data, {
      max_versions: 2,
      cas_required: true,
      metadata_cas_required: false,
      delete_version_after: "0s",
    });
    const path = "secret/data/harmony/config/Db";
    assert.deepEqual(
      await raw(bao, "POST", path, { body: { data: { v: 1 } } }),
      {
        status: 400,
        body: { errors: ["check-and-set parameter required for this call"] },
      },
    );
    for (let cas = 0; cas < 3; cas++) {
      const write = await raw(bao, "POST", path, {
        body: { data: { v: cas }, options: { cas } },
      });
      assert.equal(write.status, 200);
    }
    const metadata = await raw(bao, "GET", "secret/metadata/harmony/config/Db");
    const data = metadata.body?.data as {
      current_version: number;
      oldest_version: number;
      versions: Record<string, unknown>;
    };
    assert.equal(data.current_version, 3);
    assert.deepEqual(Object.keys(data.versions).sort(), ["2", "3"]);
  });

  it("keeps a version whose deletion_time is in the future live (path_data.go pathDataRead, delete_version_after.go)", async () => {
    let clock = Date.UTC(2030, 0, 1);
    await using bao = await startFakeOpenBao({ now: () => clock });
    await raw(bao, "POST", "secret/config", {
      body: { delete_version_after: "1h" },
    });
    await raw(bao, "POST", "secret/metadata/harmony/config/Db", {
      body: { delete_version_after: "60s" },
    });
    const path = "secret/data/harmony/config/Db";
    const written = await raw(bao, "POST", path, { body: { data: { a: 1 } } });
    const deletion = (written.body?.data as { deletion_time: string })
      .deletion_time;
    assert.equal(
      deletion,
      new Date(clock + 60_000).toISOString(),
      "the shorter of the mount's and the key's",
    );
    const before = await raw(bao, "GET", path);
    assert.equal(before.status, 200);
    assert.deepEqual((before.body?.data as { data: unknown }).data, { a: 1 });
    clock += 61_000;
    const after = await raw(bao, "GET", path);
    assert.equal(after.status, 404);
    assert.equal((after.body?.data as { data: unknown }).data, null);
  });

  it("refuses an empty write to KV v1 with 400 `missing data fields` (passthrough.go handleWrite)", async () => {
    await using bao = await startFakeOpenBao();
    bao.enableKv("kv", { version: 1 });
    assert.deepEqual(
      await raw(bao, "POST", "kv/harmony/config/Empty", { body: {} }),
      { status: 400, body: { errors: ["missing data fields"] } },
    );
    assert.equal(
      (await raw(bao, "POST", "kv/harmony/config/One", { body: { a: 1 } }))
        .status,
      204,
    );
  });

  it("lists soft-deleted and destroyed keys, which still have metadata (path_metadata.go pathMetadataList)", async () => {
    await using bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Live", { a: 1 });
    bao.putKv("harmony/config/Gone", { a: 1 });
    await raw(bao, "DELETE", "secret/data/harmony/config/Gone");
    const list = await raw(
      bao,
      "GET",
      "secret/metadata/harmony/config/?list=true",
    );
    assert.deepEqual((list.body?.data as { keys: string[] }).keys, [
      "Gone",
      "Live",
    ]);
  });

  it("shows current_version and each version's created_time in the metadata, the created_time a data read carries; a key whose metadata is deleted starts again at version 1 (path_metadata.go pathMetadataRead, pathMetadataDelete; path_data.go pathDataRead)", async () => {
    let clock = Date.UTC(2030, 0, 1);
    await using bao = await startFakeOpenBao({ now: () => clock });
    const path = "secret/metadata/harmony/config/Db";
    const write = (host: string): Promise<Answer> =>
      raw(bao, "POST", "secret/data/harmony/config/Db", {
        body: { data: { host } },
      });
    const metadata = async (): Promise<Record<string, unknown>> =>
      (await raw(bao, "GET", path)).body?.data as Record<string, unknown>;
    await write("a");
    clock += 1000;
    await write("b");
    const before = await metadata();
    assert.equal(before.current_version, 2);
    const versions = before.versions as Record<
      string,
      { created_time: string }
    >;
    const read = await raw(bao, "GET", "secret/data/harmony/config/Db");
    const readMeta = (read.body?.data as { metadata: Record<string, unknown> })
      .metadata;
    assert.equal(readMeta.version, 2);
    assert.equal(readMeta.created_time, versions["2"]?.created_time);
    assert.notEqual(versions["1"]?.created_time, versions["2"]?.created_time);
    assert.equal((await raw(bao, "DELETE", path)).status, 204);
    assert.equal((await raw(bao, "GET", path)).status, 404);
    clock += 1000;
    await write("c");
    const after = await metadata();
    assert.equal(after.current_version, 1);
    const again = after.versions as Record<string, { created_time: string }>;
    assert.notEqual(again["1"]?.created_time, versions["1"]?.created_time);
  });
});

describe("test server: auth methods", () => {
  it("refuses a JWT role written without role_type (so oidc) and without allowed_redirect_uris (jwt/path_role.go pathRoleCreateUpdate)", async () => {
    await using bao = await startFakeOpenBao();
    await using idp = await startJwtIssuer();
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "ok",
      roleType: "jwt",
      boundAudiences: ["app"],
      policies: [],
    });
    const write = (body: Record<string, unknown>) =>
      raw(bao, "POST", "auth/jwt/role/r", { body });
    assert.deepEqual(
      await write({ bound_audiences: "app", user_claim: "sub" }),
      {
        status: 400,
        body: {
          errors: [
            "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
          ],
        },
      },
    );
    assert.deepEqual(await write({ role_type: "jwt", user_claim: "sub" }), {
      status: 400,
      body: {
        errors: [
          "must have at least one bound constraint when creating/updating a role",
        ],
      },
    });
    assert.equal(
      (await write({
        role_type: "jwt",
        bound_audiences: "app",
        user_claim: "sub",
      })).status,
      204,
    );
    await assert.rejects(
      bao.configureJwtAuth({
        issuer: idp.issuer,
        role: "web",
        boundAudiences: ["app"],
        policies: [],
      }),
      /'allowed_redirect_uris' must be set/,
    );
  });

  it("checks bound_claims at JWT login (jwt/claims.go validateBoundClaims)", async () => {
    await using bao = await startFakeOpenBao();
    await using idp = await startJwtIssuer();
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "cli",
      roleType: "jwt",
      boundAudiences: ["app-1"],
      boundClaims: { azp: "app-1" },
      policies: [],
    });
    const login = async (claims: Record<string, unknown>) =>
      await raw(bao, "POST", "auth/jwt/login", {
        token: null,
        body: { role: "cli", jwt: await idp.sign({ sub: "u", ...claims }) },
      });
    assert.equal(
      (await login({ aud: ["app-1", "p"], azp: "app-1" })).status,
      200,
    );
    const other = await login({ aud: ["app-1", "app-2", "p"], azp: "app-2" });
    assert.deepEqual(other, {
      status: 400,
      body: {
        errors: [
          'error validating claims: claim "azp" does not match any associated bound claim values',
        ],
      },
    });
  });

  it("echoes a limited secret id when another login took its last use meanwhile (approle/path_login.go pathLoginUpdate)", async () => {
    let arrived = 0;
    let release!: () => void;
    const bothArrived = new Promise<void>((resolve) => (release = resolve));
    await using bao = await startFakeOpenBao({
      // Both logins reach the lock switch before either goes on.
      appRoleLockSwitch: () => {
        if (++arrived === 2) release();
        return bothArrived;
      },
    });
    bao.addPolicy("app", []);
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: ["app"],
      secretIdNumUses: 1,
    });
    const login = () =>
      raw(bao, "POST", "auth/approle/login", {
        token: null,
        body: { role_id: roleId, secret_id: secretId },
      });
    const answers = await Promise.all([login(), login()]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400]);
    assert.deepEqual(answers.find((a) => a.status === 400)?.body, {
      errors: [`invalid secret_id "${secretId}"`],
    });
    // The use is gone: the next login is the plain refusal.
    assert.deepEqual((await login()).body, {
      errors: ["invalid role or secret ID"],
    });
  });
});

describe("test issuer: Zitadel's shapes", () => {
  it("issues ID tokens whose aud holds every app of the project and the project id, and azp the asking app", async () => {
    await using idp = await startJwtIssuer({
      zitadel: { projectId: "p-1", clientIds: ["app-1", "app-2"] },
    });
    const jwt = await idp.zitadelIdToken("app-2", "alice");
    const claims = JSON.parse(
      atob(jwt.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/")),
    );
    assert.equal(claims.iss, idp.issuer);
    assert.deepEqual(claims.aud, ["app-1", "app-2", "p-1"]);
    assert.equal(claims.azp, "app-2");
    const discovery = await (await fetch(
      `${idp.issuer}/.well-known/openid-configuration`,
    )).json();
    assert.equal(discovery.token_endpoint, `${idp.issuer}/oauth/v2/token`);
    assert.equal(
      discovery.device_authorization_endpoint,
      `${idp.issuer}/oauth/v2/device_authorization`,
    );
  });

  it("refuses a dead refresh token with 400 invalid_request, Errors.OIDCSession.RefreshTokenInvalid (internal/api/oidc/error.go oidcError)", async () => {
    await using idp = await startJwtIssuer({
      zitadel: { projectId: "p-1", clientIds: ["app-1"] },
    });
    const response = await fetch(`${idp.issuer}/oauth/v2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: "unknown",
        client_id: "app-1",
      }),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: "invalid_request",
      error_description: "Errors.OIDCSession.RefreshTokenInvalid",
    });
  });
});
