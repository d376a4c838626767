/**
 * The device flow (RFC 8628) end to end against a real OpenID Connect
 * provider (npm `oidc-provider`), approved or denied through its own pages.
 * Only the waits between polls are injected, so no test waits for 5 s.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import {
  ConfigError,
  LoginError,
  SourceUnavailableError,
} from "../../../errors.ts";
import {
  deviceLogin,
  type DevicePrompt,
  type OidcTokens,
  refreshLogin,
} from "../../../stores/zitadel/mod.ts";
import {
  type OidcProvider,
  startOidcProvider,
} from "../../_helpers/oidc_provider.ts";
import { baseEnv, isDeno, runFixture } from "../../_helpers/subprocess.ts";
import { startEndlessServer } from "../../_helpers/endless_server.ts";
import { startJwtIssuer } from "../../_helpers/jwt_issuer.ts";
import { everyChannel, leaks } from "../../_helpers/openbao_store.ts";
import { rejection } from "../../_helpers/rejection.ts";

/** A promise with its resolver, to wait on events instead of time. */
function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
} {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Verifies `idToken` against the provider's published JWKS. */
async function verifyIdToken(
  op: OidcProvider,
  idToken: string,
): Promise<Record<string, unknown>> {
  const discovery = await (await fetch(
    `${op.issuer}/.well-known/openid-configuration`,
  )).json() as { jwks_uri: string };
  const jwks = await (await fetch(discovery.jwks_uri)).json() as JSONWebKeySet;
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
    issuer: op.issuer,
    audience: op.clientId,
  });
  return payload;
}

/** A fetch that records the `error` of every token endpoint answer. */
function recordingFetch(errors: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith("/token") && response.status !== 200) {
      const body = await response.clone().json() as { error?: string };
      errors.push(body.error ?? `http_${response.status}`);
    }
    return response;
  };
}

describe("deviceLogin against oidc-provider", () => {
  it("returns a verifiable ID token once the user approves through the provider's pages", async () => {
    await using op = await startOidcProvider({ clientId: "harmony-cli" });
    const prompted = deferred<DevicePrompt>();
    const approved = deferred();
    const sleeps: number[] = [];
    const tokenErrors: string[] = [];

    const login = deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: recordingFetch(tokenErrors),
      onPrompt: (prompt) => prompted.resolve(prompt),
      // The first wait ends at once, so one poll sees authorization_pending;
      // the next wait ends when the user has approved.
      sleep: (ms) => {
        sleeps.push(ms);
        return sleeps.length === 1 ? Promise.resolve() : approved.promise;
      },
    });
    const prompt = await prompted.promise;
    assert.equal(prompt.verificationUri, `${op.issuer}/device`);
    assert.match(prompt.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.ok(prompt.verificationUriComplete?.includes("user_code="));
    await op.approve(prompt.userCode, { sub: "alice" });
    approved.resolve();
    const tokens = await login;

    assert.deepEqual(tokenErrors, ["authorization_pending"]);
    assert.deepEqual(sleeps, [5000, 5000], "the default interval is 5 s");
    const claims = await verifyIdToken(op, tokens.idToken);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.iss, op.issuer);
    assert.equal(tokens.expiresAt, (claims.exp as number) * 1000);
    assert.ok(tokens.refreshToken, "offline_access yields a refresh token");
  });

  it("stops with access_denied when the user aborts on the confirmation page", async () => {
    await using op = await startOidcProvider();
    const err = await rejection(deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      onPrompt: (prompt) => op.deny(prompt.userCode),
      sleep: () => Promise.resolve(),
    }));

    assert.ok(err instanceof LoginError);
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, "access_denied");
    assert.equal(err.source, `oidc:${op.issuer}`);
    assert.match(err.message, /approve the code/);
  });

  it("stops with expired_token when the provider says the code expired", async () => {
    await using op = await startOidcProvider({ deviceCodeTtlSeconds: 1 });
    const tokenErrors: string[] = [];
    let promptedAt = 0;
    const err = await rejection(deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: recordingFetch(tokenErrors),
      // A frozen client clock, so the client's own deadline never fires and
      // the provider's answer is what stops the loop.
      now: () => 0,
      onPrompt: () => {
        promptedAt = Date.now();
      },
      // The provider's clock is the wall clock in whole seconds: the code
      // (TTL 1 s) is expired once the next second has begun. This waits for
      // real time to pass, the thing under test, not for another actor.
      sleep: () =>
        new Promise((resolve) =>
          setTimeout(
            resolve,
            (Math.floor(promptedAt / 1000) + 1) * 1000 - Date.now() + 1,
          )
        ),
    }));

    assert.ok(err instanceof LoginError);
    assert.equal(err.code, "expired_token");
    assert.deepEqual(tokenErrors, ["expired_token"]);
  });

  it("stops polling by itself once expires_in has passed on its clock", async () => {
    await using op = await startOidcProvider({ deviceCodeTtlSeconds: 600 });
    const tokenErrors: string[] = [];
    let clock = 1_000_000;
    const expiresIn: number[] = [];
    const err = await rejection(deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: recordingFetch(tokenErrors),
      now: () => clock,
      onPrompt: (prompt) => void expiresIn.push(prompt.expiresAt - clock),
      sleep: (ms) => {
        clock += ms * 61; // 305 s per wait: one poll, then past the deadline
        return Promise.resolve();
      },
    }));

    assert.deepEqual(expiresIn, [600_000], "one prompt, expiring in 600 s");
    assert.ok(err instanceof LoginError);
    assert.equal(err.code, "expired_token");
    assert.deepEqual(tokenErrors, ["authorization_pending"]);
  });

  it("adds 5 s to the interval on every slow_down", async () => {
    await using op = await startOidcProvider({ slowDownPolls: 2 });
    const sleeps: number[] = [];
    const tokenErrors: string[] = [];
    const tokens = await deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: recordingFetch(tokenErrors),
      onPrompt: (prompt) => op.approve(prompt.userCode),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    assert.deepEqual(tokenErrors, ["slow_down", "slow_down"]);
    assert.deepEqual(sleeps, [5000, 10000, 15000]);
    assert.equal((await verifyIdToken(op, tokens.idToken)).sub, "user-1");
  });

  it("asks for the scopes it is given", async () => {
    await using op = await startOidcProvider();
    const tokens = await deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      scopes: ["openid"],
      onPrompt: (prompt) => op.approve(prompt.userCode),
      sleep: () => Promise.resolve(),
    });
    assert.equal(
      tokens.refreshToken,
      undefined,
      "no offline_access, no refresh token",
    );
    await verifyIdToken(op, tokens.idToken);
  });
});

/**
 * A fetch whose token-endpoint calls fail as `failures` says (one entry per
 * call: a status to answer without asking the provider, or "network" for a
 * refused connection); later calls reach the provider.
 */
function failingTokenFetch(failures: (number | "network")[]): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith("/token") && failures.length > 0) {
      const failure = failures.shift()!;
      return failure === "network"
        ? Promise.reject(
          new TypeError("error sending request: connection reset"),
        )
        : Promise.resolve(
          Response.json({ error: "server_error" }, { status: failure }),
        );
    }
    return fetch(input, init);
  };
}

describe("deviceLogin polling through a provider outage", () => {
  it("keeps polling with back-off after a 503 and a dropped connection, and keeps the approval", async () => {
    await using op = await startOidcProvider();
    const sleeps: number[] = [];
    const tokens = await deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: failingTokenFetch([503, "network"]),
      // The user approves at once; the first two polls fail in transit.
      onPrompt: (prompt) => op.approve(prompt.userCode, { sub: "dora" }),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    assert.deepEqual(sleeps, [5000, 10000, 20000], "doubling after failures");
    assert.equal((await verifyIdToken(op, tokens.idToken)).sub, "dora");
  });

  it("is unavailable, not denied, when the provider fails until the code expires", async () => {
    await using op = await startOidcProvider({ deviceCodeTtlSeconds: 60 });
    let clock = 1_000_000;
    const sleeps: number[] = [];
    const err = await rejection(deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      fetch: failingTokenFetch(Array.from({ length: 100 }, () => 502)),
      now: () => clock,
      onPrompt: () => {},
      sleep: (ms) => {
        sleeps.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    }));
    assert.ok(err instanceof SourceUnavailableError, String(err));
    assert.equal(err.source, `oidc:${op.issuer}`);
    assert.equal(
      err.reason,
      "the identity provider's /token answered HTTP 502, until the device code expired",
    );
    // 5 s, then doubling, the last wait cut to what was left of the 60 s.
    assert.deepEqual(sleeps, [5000, 10000, 20000, 25000]);
  });
});

describe("refreshLogin against oidc-provider", () => {
  async function login(op: OidcProvider, sub: string): Promise<OidcTokens> {
    return await deviceLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      onPrompt: (prompt) => op.approve(prompt.userCode, { sub }),
      sleep: () => Promise.resolve(),
    });
  }

  it("trades the refresh token for a new ID token, and the rotated one replaces it", async () => {
    await using op = await startOidcProvider();
    const first = await login(op, "bob");
    assert.ok(first.refreshToken);

    const second = await refreshLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      refreshToken: first.refreshToken,
    });
    const claims = await verifyIdToken(op, second.idToken);
    assert.equal(claims.sub, "bob");
    assert.ok(second.refreshToken);
    assert.notEqual(
      second.refreshToken,
      first.refreshToken,
      "public clients get rotated refresh tokens",
    );

    const third = await refreshLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      refreshToken: second.refreshToken,
    });
    assert.equal((await verifyIdToken(op, third.idToken)).sub, "bob");
  });

  it("fails with invalid_grant for a refresh token the provider does not know", async () => {
    await using op = await startOidcProvider();
    const err = await rejection(refreshLogin({
      issuer: op.issuer,
      clientId: op.clientId,
      refreshToken: "not-a-refresh-token",
    }));
    assert.ok(err instanceof LoginError);
    assert.equal(err.code, "invalid_grant");
    assert.match(err.message, /log in again/);
    assert.ok(
      !err.message.includes("not-a-refresh-token"),
      "no token in the message",
    );
  });
});

describe("deviceLogin failures before the user is asked", () => {
  it("names an unknown client", async () => {
    await using op = await startOidcProvider();
    let prompted = false;
    const err = await rejection(deviceLogin({
      issuer: op.issuer,
      clientId: "nobody",
      onPrompt: () => {
        prompted = true;
      },
      sleep: () => Promise.resolve(),
    }));
    assert.ok(err instanceof LoginError);
    assert.equal(err.code, "invalid_client");
    assert.equal(prompted, false);
  });

  it("says the provider is unavailable when nothing listens at the issuer", async () => {
    const op = await startOidcProvider();
    const issuer = op.issuer;
    await op.close();
    const err = await rejection(deviceLogin({
      issuer,
      clientId: "harmony-cli",
      sleep: () => Promise.resolve(),
    }));
    assert.ok(err instanceof SourceUnavailableError);
    assert.equal(err.source, `oidc:${issuer}`);
  });

  it(
    "names --allow-net=<issuer host> when Deno denies reaching the provider, instead of falling through",
    {
      skip: isDeno ? false : "needs Deno's permission model",
    },
    async () => {
      await using op = await startOidcProvider();
      const host = new URL(op.issuer).host;
      const result = await runFixture(
        new URL("../../_fixtures/zitadel_login.ts", import.meta.url),
        [op.issuer, op.clientId],
        { env: baseEnv(), denoFlags: [] },
      );
      assert.equal(result.code, 2, result.stderr);
      assert.equal(
        result.stdout.trim(),
        `ConfigPermissionError: oidc:${op.issuer} needs network access to ${host} (the identity provider): add --allow-net=${host}`,
      );
    },
  );

  it("refuses an issuer that discovery does not confirm", async () => {
    await using op = await startOidcProvider();
    // Another name for the same server, as a DNS alias would give.
    const alias = "http://idp.test";
    const err = await rejection(deviceLogin({
      issuer: alias,
      clientId: op.clientId,
      fetch: (input, init) =>
        fetch(String(input).replace(alias, op.issuer), init),
      sleep: () => Promise.resolve(),
    }));
    assert.ok(err instanceof LoginError);
    assert.equal(err.code, "discovery_failed");
    assert.match(err.message, /exactly as the provider publishes it/);
  });

  it("stops a discovery body that never ends at the cap, with a typed error, not at the timeout", async () => {
    await using server = await startEndlessServer();
    const err = await deviceLogin({
      issuer: server.address,
      clientId: "harmony-cli",
      timeoutMs: 20_000,
      sleep: () => Promise.resolve(),
    }).then(() => undefined, (error: unknown) => error);
    assert.ok(err instanceof LoginError, String(err));
    assert.equal(err.code, "invalid_response");
    assert.match(
      err.message,
      /openid-configuration answered with a body larger than 16 MiB, so it was not read/,
    );
    await server.connectionClosed;
    // What was read is bounded by the cap, plus what the sockets buffer.
    const sent = server.sent();
    assert.ok(sent < 48 * 1024 * 1024, `the server sent ${sent} bytes`);
  });
});

describe("against Zitadel's shapes", () => {
  const project = {
    projectId: "2837465293847",
    clientIds: ["app-cli", "app-web"],
  };

  it("accepts Zitadel's ID token, whose aud holds every app of the project and the project id", async () => {
    await using idp = await startJwtIssuer({ zitadel: project });
    const tokens = await deviceLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      onPrompt: (prompt) => idp.approve(prompt.userCode, "erin"),
      sleep: () => Promise.resolve(),
    });
    const claims = decode(tokens.idToken);
    assert.deepEqual(claims.aud, ["app-cli", "app-web", "2837465293847"]);
    assert.equal(claims.azp, "app-cli");
    assert.ok(tokens.refreshToken);
    assert.deepEqual(idp.grants, [
      "urn:ietf:params:oauth:grant-type:device_code",
    ]);
  });

  it("reads Zitadel's refusal of a dead refresh token (invalid_request) as: log in again", async () => {
    await using idp = await startJwtIssuer({ zitadel: project });
    const first = await deviceLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      onPrompt: (prompt) => idp.approve(prompt.userCode),
      sleep: () => Promise.resolve(),
    });
    // Rotation: the new refresh token replaces the old one, which is dead.
    const second = await refreshLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      refreshToken: first.refreshToken!,
    });
    assert.notEqual(second.refreshToken, first.refreshToken);
    for (const refreshToken of [first.refreshToken!, "never-issued"]) {
      const err = await rejection(refreshLogin({
        issuer: idp.issuer,
        clientId: "app-cli",
        refreshToken,
      }));
      assert.ok(err instanceof LoginError);
      assert.equal(err.code, "invalid_request");
      assert.match(err.message, /refused the refresh token .*: log in again/);
      assert.match(err.message, /Errors\.OIDCSession\.RefreshTokenInvalid/);
      assert.doesNotMatch(err.message, /check the client's settings/);
      assert.ok(!err.message.includes(refreshToken));
    }
  });

  it("never shows a refresh token, device code or ID token that the provider (or a proxy) echoes", async () => {
    await using idp = await startJwtIssuer({ zitadel: project });
    const tokens = await deviceLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      onPrompt: (prompt) => idp.approve(prompt.userCode),
      sleep: () => Promise.resolve(),
    });
    const refreshToken = tokens.refreshToken!;
    // A proxy in front of the provider that quotes the request in its error.
    const quoting: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/oauth/v2/token")) {
        const form = new URLSearchParams(String(init?.body ?? ""));
        return Response.json({
          error: `invalid_grant ${
            form.get("refresh_token") ?? form.get("device_code")
          }`,
          error_description: `refused ${
            String(init?.body)
          } for ${tokens.idToken}`,
        }, { status: 400 });
      }
      return await fetch(input, init);
    };
    const refused = await rejection(refreshLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      refreshToken,
      fetch: quoting,
    }));
    assert.ok(refused instanceof LoginError);
    assert.deepEqual(
      leaks(everyChannel(refused), [refreshToken, tokens.idToken]),
      [],
    );
    assert.ok(!refused.code.includes(refreshToken));

    let deviceCode = "";
    const prompts: DevicePrompt[] = [];
    const polled = await rejection(deviceLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      // The device code, quoted in the verification URI and the poll's error.
      fetch: async (input, init) => {
        const response = await quoting(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (!url.endsWith("/device_authorization")) return response;
        const body = await response.json();
        deviceCode = body.device_code;
        return Response.json({
          ...body,
          verification_uri: `${body.verification_uri}?d=${deviceCode}`,
        });
      },
      onPrompt: (prompt) => void prompts.push(prompt),
      sleep: () => Promise.resolve(),
    }));
    assert.ok(polled instanceof LoginError);
    assert.ok(deviceCode.length > 0);
    assert.deepEqual(leaks(everyChannel(polled), [deviceCode]), []);
    assert.ok(!JSON.stringify(prompts).includes(deviceCode));
  });

  it("passes no control character of the provider's to the prompt, which a terminal would run", async () => {
    await using idp = await startJwtIssuer({ zitadel: project });
    // OSC 8 (a hyperlink to elsewhere) and a clear-screen, in the answer of
    // a provider or proxy that means harm.
    const escape = "\u001b]8;;https://evil.example/\u0007\u001b[2J";
    const prompts: DevicePrompt[] = [];
    await deviceLogin({
      issuer: idp.issuer,
      clientId: "app-cli",
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (!url.endsWith("/device_authorization")) return response;
        const body = await response.json();
        return Response.json({
          ...body,
          verification_uri: `${body.verification_uri}${escape}`,
          verification_uri_complete:
            `${body.verification_uri_complete}${escape}`,
          user_code: `${body.user_code}${escape}`,
        });
      },
      onPrompt: (prompt) => {
        prompts.push(prompt);
        return idp.approve(prompt.userCode.replaceAll(/\?.*$/g, ""));
      },
      sleep: () => Promise.resolve(),
    });
    assert.equal(prompts.length, 1);
    const shown = [
      prompts[0]!.verificationUri,
      prompts[0]!.verificationUriComplete!,
      prompts[0]!.userCode,
    ];
    for (const text of shown) {
      const controls = [...text].filter((c) => {
        const code = c.charCodeAt(0);
        return code < 0x20 || (code >= 0x7f && code <= 0x9f);
      });
      assert.deepEqual(controls, [], JSON.stringify(text));
      assert.ok(text.includes("]8;;https://evil.example/"), "the rest is kept");
    }
  });
});

function decode(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(payload)) as Record<string, unknown>;
}
