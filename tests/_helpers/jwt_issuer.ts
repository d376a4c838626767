/**
 * A small OIDC issuer for tests, shaped like Zitadel: discovery at
 * `/.well-known/openid-configuration` naming Zitadel's endpoints
 * (`/oauth/v2/device_authorization`, `/oauth/v2/token`, `/oauth/v2/keys`,
 * `/oidc/v1/userinfo`), a real RSA JWKS, and ID tokens signed with the
 * matching key (RS256, via `jose`).
 *
 * - {@linkcode JwtIssuer.sign} signs any claims, for OpenBao JWT-login tests.
 * - With `zitadel` options it is a Zitadel project: its ID tokens carry the
 *   client ids of every app in the project and the project id in `aud`, and
 *   the asking app's client id in `azp` (zitadel `auth_request.go`,
 *   `audienceFromProjectID`; zitadel/oidc `pkg/oidc/token.go`,
 *   `NewIDTokenClaims`), and it runs the device authorization grant
 *   (zitadel/oidc `pkg/op/device.go`) and the refresh token grant with
 *   rotation, refusing a dead refresh token as Zitadel does: 400
 *   `invalid_request`, `Errors.OIDCSession.RefreshTokenInvalid` (zitadel
 *   `internal/api/oidc/error.go`, `oidcError`, over
 *   `OIDCSessionWriteModel.CheckRefreshToken`'s precondition error), not the
 *   `invalid_grant` other providers send.
 *
 * The device flow is also tested against the real `oidc-provider`
 * (oidc_provider.ts); this issuer gives the client Zitadel's shapes.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** A Zitadel project: its id and the client ids of its apps. */
export interface ZitadelProject {
  /** The project id, which Zitadel adds to every ID token's `aud`. */
  readonly projectId: string;
  /** The client ids of every app in the project. */
  readonly clientIds: readonly string[];
  /** ID token lifetime in seconds. Default 3600. */
  readonly idTokenTtlSeconds?: number;
  /** Device code lifetime in seconds (Zitadel's default is 300). */
  readonly deviceCodeTtlSeconds?: number;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/** Options for {@linkcode startJwtIssuer}. */
export interface JwtIssuerOptions {
  /** Make it a Zitadel instance with this project (device and refresh grants). */
  readonly zitadel?: ZitadelProject;
}

/** A running issuer. */
export interface JwtIssuer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, with no trailing slash, as Zitadel's `iss`. */
  readonly issuer: string;
  /** Signs a JWT with `iss` set; `iat`/`exp` default to `now` and `now + 1 h`. */
  sign(
    claims: JWTPayload,
    options?: { nowMs?: number; expiresInSeconds?: number },
  ): Promise<string>;
  /**
   * A Zitadel ID token for `sub` issued to the app `clientId` of the
   * project: `aud` holds every app's client id and the project id, `azp`
   * and `client_id` the asking app.
   */
  zitadelIdToken(
    clientId: string,
    sub: string,
    options?: { nowMs?: number; expiresInSeconds?: number },
  ): Promise<string>;
  /** Approves a pending device login as `sub` (the user entered the code). Zitadel mode only. */
  approve(userCode: string, sub?: string): void;
  /** Denies a pending device login. Zitadel mode only. */
  deny(userCode: string): void;
  /** Ends every OIDC session: each refresh token is refused from now on. */
  endSessions(): void;
  /** The `grant_type` of every token request, in order. */
  readonly grants: readonly string[];
  close(): Promise<void>;
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

interface DeviceAuthorization {
  readonly clientId: string;
  readonly userCode: string;
  readonly expiresAt: number;
  state: "pending" | "approved" | "denied" | "done";
  sub?: string;
}

interface OidcSession {
  readonly clientId: string;
  readonly sub: string;
  refreshToken: string;
  active: boolean;
}

/** Starts an issuer with a fresh RSA key. */
export async function startJwtIssuer(
  options: JwtIssuerOptions = {},
): Promise<JwtIssuer> {
  const zitadel = options.zitadel;
  const now = zitadel?.now ?? Date.now;
  const { publicKey, privateKey } = await generateKeyPair("RS256", {
    extractable: true,
  });
  const jwk = {
    ...(await exportJWK(publicKey)),
    kid: "k1",
    alg: "RS256",
    use: "sig",
  };
  let issuer = "";
  const devices = new Map<string, DeviceAuthorization>(); // by device code
  const sessions: OidcSession[] = [];
  const grants: string[] = [];

  const sign = async (
    claims: JWTPayload,
    signOptions: { nowMs?: number; expiresInSeconds?: number } = {},
  ): Promise<string> => {
    const nowSeconds = Math.floor((signOptions.nowMs ?? now()) / 1000);
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(issuer)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + (signOptions.expiresInSeconds ?? 3600))
      .sign(privateKey);
  };

  const zitadelIdToken = (
    clientId: string,
    sub: string,
    signOptions: { nowMs?: number; expiresInSeconds?: number } = {},
  ): Promise<string> => {
    if (!zitadel) throw new Error("zitadelIdToken needs the zitadel option");
    // audienceFromProjectID: every app's client id, then the project id;
    // AppendClientIDToAudience makes sure the asking app is in it.
    const audience = [...zitadel.clientIds, zitadel.projectId];
    if (!audience.includes(clientId)) audience.push(clientId);
    return sign({
      sub,
      aud: audience,
      azp: clientId,
      client_id: clientId,
      auth_time: Math.floor((signOptions.nowMs ?? now()) / 1000),
      amr: ["pwd"],
    }, {
      expiresInSeconds: signOptions.expiresInSeconds ??
        zitadel.idTokenTtlSeconds ?? 3600,
      ...(signOptions.nowMs === undefined ? {} : { nowMs: signOptions.nowMs }),
    });
  };

  /** Zitadel's token response for a session (`accessTokenResponseFromSession`). */
  const tokenResponse = async (
    session: OidcSession,
  ): Promise<Record<string, unknown>> => {
    session.refreshToken = randomBytes(24).toString("base64url");
    return {
      access_token: randomBytes(24).toString("base64url"),
      token_type: "Bearer",
      expires_in: zitadel?.idTokenTtlSeconds ?? 3600,
      id_token: await zitadelIdToken(session.clientId, session.sub),
      refresh_token: session.refreshToken,
    };
  };

  const handleToken = async (
    form: URLSearchParams,
  ): Promise<[number, Record<string, unknown>]> => {
    const grant = form.get("grant_type") ?? "";
    grants.push(grant);
    const clientId = form.get("client_id") ?? "";
    // op/error.go, RequestError: invalid_client is a 401.
    if (!zitadel!.clientIds.includes(clientId)) {
      return [401, {
        error: "invalid_client",
        error_description: "Errors.App.NotFound",
      }];
    }
    if (grant === DEVICE_GRANT) {
      // op/device.go, CheckDeviceAuthorizationState.
      const device = devices.get(form.get("device_code") ?? "");
      if (!device || device.clientId !== clientId) {
        return [400, { error: "invalid_grant" }];
      }
      if (device.state === "denied") {
        return [400, {
          error: "access_denied",
          error_description: "The authorization request was denied.",
        }];
      }
      if (now() >= device.expiresAt) {
        return [400, {
          error: "expired_token",
          error_description: 'The "device_code" has expired.',
        }];
      }
      if (device.state !== "approved") {
        return [400, {
          error: "authorization_pending",
          error_description:
            "The client SHOULD repeat the access token request to the token endpoint, after interval from device authorization response.",
        }];
      }
      device.state = "done";
      const session: OidcSession = {
        clientId,
        sub: device.sub ?? "user-1",
        refreshToken: "",
        active: true,
      };
      sessions.push(session);
      return [200, await tokenResponse(session)];
    }
    if (grant === "refresh_token") {
      // token_refresh.go, RefreshToken, and CheckRefreshToken: an unknown,
      // rotated-away or ended session's token is a precondition failure,
      // which oidcError turns into invalid_request with the message key.
      const token = form.get("refresh_token") ?? "";
      const session = sessions.find((s) =>
        s.active && s.refreshToken === token && s.clientId === clientId
      );
      if (!session) {
        return [400, {
          error: "invalid_request",
          error_description: "Errors.OIDCSession.RefreshTokenInvalid",
        }];
      }
      return [200, await tokenResponse(session)];
    }
    return [400, { error: "unsupported_grant_type" }];
  };

  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
      }).end(JSON.stringify(body));
    };
    if (path === "/.well-known/openid-configuration") {
      json(200, {
        issuer,
        jwks_uri: `${issuer}/oauth/v2/keys`,
        id_token_signing_alg_values_supported: ["RS256"],
        ...(zitadel
          ? {
            authorization_endpoint: `${issuer}/oauth/v2/authorize`,
            token_endpoint: `${issuer}/oauth/v2/token`,
            device_authorization_endpoint:
              `${issuer}/oauth/v2/device_authorization`,
            userinfo_endpoint: `${issuer}/oidc/v1/userinfo`,
            grant_types_supported: [
              "authorization_code",
              "refresh_token",
              DEVICE_GRANT,
            ],
          }
          : {}),
      });
      return;
    }
    if (path === "/oauth/v2/keys") {
      json(200, { keys: [jwk] });
      return;
    }
    if (zitadel && req.method === "POST") {
      const form = new URLSearchParams(await readText(req));
      if (path === "/oauth/v2/device_authorization") {
        const clientId = form.get("client_id") ?? "";
        if (!zitadel.clientIds.includes(clientId)) {
          json(401, { error: "invalid_client" });
          return;
        }
        // op/device.go, createDeviceAuthorization, with Zitadel's
        // base-20 user code (UserCodeBase20) and 5 s poll interval.
        const deviceCode = randomBytes(16).toString("base64url");
        const userCode = userCodeBase20();
        const ttl = zitadel.deviceCodeTtlSeconds ?? 300;
        devices.set(deviceCode, {
          clientId,
          userCode,
          expiresAt: now() + ttl * 1000,
          state: "pending",
        });
        json(200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${issuer}/device`,
          verification_uri_complete: `${issuer}/device?user_code=${userCode}`,
          expires_in: ttl,
          interval: 5,
        });
        return;
      }
      if (path === "/oauth/v2/token") {
        const [status, body] = await handleToken(form);
        json(status, body);
        return;
      }
    }
    res.writeHead(404).end();
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json" }).end(
          JSON.stringify({
            error: "server_error",
            error_description: String(error),
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const pending = (userCode: string): DeviceAuthorization => {
    const device = [...devices.values()].find((d) =>
      d.userCode === userCode && d.state === "pending"
    );
    if (!device) throw new Error(`no pending device login for ${userCode}`);
    return device;
  };

  return {
    issuer,
    sign,
    zitadelIdToken,
    approve(userCode, sub = "user-1"): void {
      const device = pending(userCode);
      device.state = "approved";
      device.sub = sub;
    },
    deny(userCode): void {
      pending(userCode).state = "denied";
    },
    endSessions(): void {
      for (const session of sessions) session.active = false;
    },
    grants,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Eight base-20 letters with a dash after four, as `UserCodeBase20`. */
function userCodeBase20(): string {
  const charset = "BCDFGHJKLMNPQRSTVWXZ";
  const letters = [...randomBytes(8)].map((b) => charset[b % charset.length]);
  return `${letters.slice(0, 4).join("")}-${letters.slice(4).join("")}`;
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
