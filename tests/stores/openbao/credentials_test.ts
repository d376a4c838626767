/**
 * No credential the store holds or sent reaches an error, `explain()` or a
 * log, whatever its shape and whatever the server (or a proxy in front of
 * it) echoes back: canary credentials are echoed in error bodies and
 * redirects, and every channel is searched for them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { defineConfig } from "../../../config.ts";
import { ConfigError } from "../../../errors.ts";
import { ConfigManager } from "../../../manager.ts";
import { StoreSource } from "../../../sources/store.ts";
import type { OpenBaoStore } from "../../../stores/openbao/mod.ts";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "../../_helpers/openbao_server.ts";
import {
  addConfigPolicy,
  everyChannel,
  leaks,
  store,
} from "../../_helpers/openbao_store.ts";
import { startJwtIssuer } from "../../_helpers/jwt_issuer.ts";
import { rejection } from "../../_helpers/rejection.ts";

const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });

/**
 * Runs `get` and `explain` through a manager over `s`, and returns every
 * channel the failure shows up in: the error's, and explain()'s JSON.
 */
async function failureChannels(
  s: OpenBaoStore,
): Promise<Record<string, string>> {
  const manager = new ConfigManager([new StoreSource(s)]);
  const error = await rejection(manager.get(Db));
  assert.ok(error instanceof ConfigError, String(error));
  const direct = await rejection(s.get("Db"));
  const explanation = await manager.explain(Db);
  await manager.close();
  return {
    ...everyChannel(error),
    ...Object.fromEntries(
      Object.entries(everyChannel(direct)).map(([k, v]) => [`store.${k}`, v]),
    ),
    explain: JSON.stringify(explanation),
  };
}

/** A fault that answers like a proxy quoting what the client sent. */
function echo(
  bao: FakeOpenBao,
  path: string,
  status: number,
): void {
  bao.addFault({
    path,
    status,
    body: (
      { headers, body }: { headers: Record<string, string>; body: string },
    ) => ({
      errors: [
        `upstream refused token ${
          headers["x-vault-token"] ?? "-"
        } with body ${body}`,
      ],
    }),
  });
}

describe("credentials in server text", () => {
  it("masks a static token of any shape that a proxy echoes, in every channel and explain()", async () => {
    await using bao = await startFakeOpenBao({
      rootToken: "dev-root-7c1e9a",
    });
    for (const status of [400, 404, 409]) {
      bao.clearFaults();
      echo(bao, "secret/data/harmony/config/Db", status);
      const channels = await failureChannels(store(bao, { kvVersion: 2 }));
      assert.deepEqual(
        leaks(channels, ["dev-root-7c1e9a"]),
        [],
        String(status),
      );
      assert.match(
        channels["error.message"]!,
        /upstream refused token <redacted>/,
      );
    }
  });

  it("masks a short token where it stands alone, without garbling the words around it", async () => {
    await using bao = await startFakeOpenBao({ rootToken: "root" });
    bao.addFault({
      path: "secret/data",
      status: 400,
      body: { errors: ['token "root" may not read the rootless folder'] },
    });
    const error = await rejection(store(bao, { kvVersion: 2 }).get("Db"));
    assert.match(
      (error as Error).message,
      /token "<redacted>" may not read the rootless folder/,
    );
  });

  it("masks the AppRole secret id that OpenBao itself echoes when a limited secret id is used up concurrently", async () => {
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    await using bao = await startFakeOpenBao({
      appRoleLockSwitch: () => {
        if (++arrived === 2) release();
        return both;
      },
    });
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: [addConfigPolicy(bao)],
      secretIdNumUses: 1,
    });
    bao.putKv("harmony/config/Db", { host: "db" });
    const options = {
      auth: { appRole: { roleId, secretId } },
      sessionFile: false as const,
      kvVersion: 2 as const,
    };
    const results = await Promise.allSettled([
      store(bao, options).get("Db"),
      store(bao, options).get("Db"),
    ]);
    const failed = results.find((r) => r.status === "rejected");
    assert.ok(
      failed && failed.status === "rejected",
      "one login lost the race",
    );
    const channels = everyChannel(failed.reason);
    assert.match(channels["error.message"]!, /invalid secret_id "<redacted>"/);
    assert.deepEqual(leaks(channels, [secretId, roleId]), []);
  });

  it("masks the role id, the secret id and a login's JWT that a proxy echoes at login", async () => {
    await using bao = await startFakeOpenBao();
    await using idp = await startJwtIssuer();
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: [addConfigPolicy(bao)],
    });
    echo(bao, "auth/approle/login", 400);
    const appRole = await failureChannels(
      store(bao, {
        auth: { appRole: { roleId, secretId } },
        sessionFile: false,
        kvVersion: 2,
      }),
    );
    assert.deepEqual(leaks(appRole, [roleId, secretId]), []);
    assert.match(
      appRole["error.message"]!,
      /OpenBao rejected the AppRole login/,
    );

    // An opaque JWT-like credential, of no JWT shape.
    const jwt = "opaque-identity-4f6d1b2e";
    bao.clearFaults();
    bao.addFault({
      path: "auth/jwt/login",
      status: 400,
      body: ({ body }: { body: string }) => ({
        errors: [`bad request ${body}`],
      }),
    });
    await bao.configureJwtAuth({
      issuer: idp.issuer,
      role: "cli",
      roleType: "jwt",
      boundAudiences: ["x"],
      policies: [],
    });
    const channels = await failureChannels(
      store(bao, {
        auth: { jwt: { role: "cli", token: () => Promise.resolve(jwt) } },
        sessionFile: false,
        kvVersion: 2,
      }),
    );
    assert.deepEqual(leaks(channels, [jwt]), []);
  });

  it("masks a token echoed in a redirect's Location", async () => {
    await using bao = await startFakeOpenBao({
      rootToken: "tok-9d2c4e7f1a",
    });
    bao.addFault({
      status: 307,
      body: null,
      headers: { Location: "http://tok-9d2c4e7f1a.evil.test/v1/x" },
    });
    const channels = await failureChannels(store(bao, { kvVersion: 2 }));
    assert.deepEqual(leaks(channels, ["tok-9d2c4e7f1a"]), []);
    assert.match(
      channels["error.message"]!,
      /redirected to <redacted>\.evil\.test/,
    );
  });

  it("masks a login's OpenBao token when a later answer echoes it", async () => {
    await using bao = await startFakeOpenBao();
    const { roleId, secretId } = bao.configureAppRole({
      role: "ci",
      policies: [addConfigPolicy(bao)],
    });
    echo(bao, "secret/data/harmony/config/Db", 400);
    const s = store(bao, {
      auth: { appRole: { roleId, secretId } },
      sessionFile: false,
      kvVersion: 2,
    });
    const channels = await failureChannels(s);
    const issued = bao.liveTokens().filter((t) => t !== bao.rootToken);
    assert.ok(issued.length > 0);
    assert.deepEqual(leaks(channels, issued), []);
  });
});
