/**
 * Zitadel login for command-line tools: the OAuth 2.0 device authorization
 * grant (RFC 8628) against any OpenID Connect provider, and an OpenBao store
 * that logs in with the resulting ID token.
 *
 * The flow: OIDC discovery → device authorization → the user opens the
 * verification URI and enters the code → polling → an ID token, which
 * OpenBao's JWT auth exchanges for a Vault token (cached in
 * `<data dir>/session.json` by the OpenBao store).
 *
 * ```ts ignore
 * import { deviceLogin } from "@harmony/config/zitadel";
 *
 * const tokens = await deviceLogin({
 *   issuer: "https://my-instance.zitadel.cloud",
 *   clientId: "283746529384756@harmony",
 * });
 * console.log(new Date(tokens.expiresAt)); // the ID token's expiry
 * ```
 *
 * Most programs only need {@linkcode openBaoWithZitadel}:
 *
 * ```ts ignore
 * import { openBaoWithZitadel } from "@harmony/config/zitadel";
 *
 * const store = openBaoWithZitadel({
 *   address: "https://bao.example.com", // or $OPENBAO_URL / $VAULT_ADDR
 *   issuer: "https://my-instance.zitadel.cloud",
 *   clientId: "283746529384756@harmony",
 *   role: "harmony-config",
 * });
 * console.log(await store.keys()); // a device login on the first run only
 * ```
 *
 * @module
 */
import { OpenBaoStore, type OpenBaoStoreOptions } from "../openbao/mod.ts";
import { runDeviceGrant } from "./_device_grant.ts";
import { idTokenSource } from "./_id_token.ts";
import { runRefreshGrant } from "./_refresh_grant.ts";

/**
 * The scopes asked for by default: an ID token, a profile and a refresh token.
 *
 * @example Add a scope to the defaults
 * ```ts
 * import { DEFAULT_SCOPES } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * const scopes = [...DEFAULT_SCOPES, "email"];
 * assert.equal(scopes.join(" "), "openid profile offline_access email");
 * ```
 */
export const DEFAULT_SCOPES: readonly string[] = [
  "openid",
  "profile",
  "offline_access",
];

/**
 * What the user must do to approve a device login.
 *
 * @example Show the code in your own words (pass it as `onPrompt`)
 * ```ts
 * import type { DevicePrompt } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * function describeLogin(prompt: DevicePrompt, now: number): string {
 *   const minutes = Math.round((prompt.expiresAt - now) / 60_000);
 *   const page = prompt.verificationUriComplete ?? prompt.verificationUri;
 *   return `Open ${page} and confirm ${prompt.userCode} within ${minutes} min`;
 * }
 *
 * const now = Date.now();
 * assert.equal(
 *   describeLogin({ verificationUri: "https://auth.example.com/device", userCode: "WDJB-MJHT", expiresAt: now + 300_000 }, now),
 *   "Open https://auth.example.com/device and confirm WDJB-MJHT within 5 min",
 * );
 * ```
 */
export interface DevicePrompt {
  /** The page to open, such as `https://my-instance.zitadel.cloud/device`. */
  readonly verificationUri: string;
  /** The same page with the code filled in, when the provider offers one. */
  readonly verificationUriComplete?: string;
  /** The code to enter on that page. */
  readonly userCode: string;
  /** When the code expires, in ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * The tokens of a finished login. Only the ID token is meant for OpenBao.
 *
 * @example Decide when to refresh
 * ```ts
 * import type { OidcTokens } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * // True when the ID token has less than a minute left: call refreshLogin
 * // with tokens.refreshToken, or deviceLogin when there is none.
 * function needsRefresh(tokens: OidcTokens, now: number = Date.now()): boolean {
 *   return tokens.expiresAt - 60_000 <= now;
 * }
 *
 * const now = Date.now();
 * const tokens: OidcTokens = { idToken: "eyJ…", refreshToken: "r1", expiresAt: now + 30_000 };
 * assert.ok(needsRefresh(tokens, now));
 * assert.ok(!needsRefresh({ ...tokens, expiresAt: now + 3_600_000 }, now));
 * ```
 */
export interface OidcTokens {
  /** The ID token (a JWT) whose `aud` holds the client id. */
  readonly idToken: string;
  /** The refresh token, when the provider issued one (scope `offline_access`). */
  readonly refreshToken?: string;
  /** When the ID token expires, in ms since the epoch. */
  readonly expiresAt: number;
}

/**
 * Options shared by {@linkcode deviceLogin} and {@linkcode refreshLogin}.
 *
 * @example An unreachable provider is unavailable, not a failed login
 * ```ts
 * import { SourceUnavailableError } from "@harmony/config";
 * import { type OidcClientOptions, refreshLogin } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * const client: OidcClientOptions = {
 *   issuer: "https://auth.example.com",
 *   clientId: "283746529384756@harmony",
 *   timeoutMs: 5_000,
 *   fetch: () => Promise.reject(new TypeError("network is down")), // what fetch does offline
 * };
 * await assert.rejects(refreshLogin({ ...client, refreshToken: "r1" }), SourceUnavailableError);
 * ```
 */
export interface OidcClientOptions {
  /** The issuer URL, such as `https://my-instance.zitadel.cloud`. */
  issuer: string;
  /** The client id of the native app with the device grant. */
  clientId: string;
  /** The fetch to use; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** The clock, in ms since the epoch; defaults to `Date.now`. */
  now?: () => number;
  /** The bound on each HTTP request, in ms. Default 10000. */
  timeoutMs?: number;
}

/**
 * Options for {@linkcode deviceLogin}.
 *
 * @example Drive the device flow against a stand-in provider, as a test would
 * ```ts
 * import { deviceLogin, type DeviceLoginOptions, type DevicePrompt } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * const issuer = "https://auth.example.com";
 * // The client reads iss, aud and exp; OpenBao checks the signature.
 * const claims = btoa(JSON.stringify({ iss: issuer, aud: "cli-app", exp: 2_000_000_000 }));
 * const answers: Record<string, object> = {
 *   "/.well-known/openid-configuration": {
 *     issuer,
 *     device_authorization_endpoint: `${issuer}/oauth/v2/device_authorization`,
 *     token_endpoint: `${issuer}/oauth/v2/token`,
 *   },
 *   "/oauth/v2/device_authorization": {
 *     device_code: "dc",
 *     user_code: "WDJB-MJHT",
 *     verification_uri: `${issuer}/device`,
 *     expires_in: 300,
 *   },
 *   "/oauth/v2/token": { id_token: `e30.${claims}.sig`, refresh_token: "r1" },
 * };
 * const shown: DevicePrompt[] = [];
 * const options: DeviceLoginOptions = {
 *   issuer,
 *   clientId: "cli-app",
 *   scopes: ["openid", "offline_access"],
 *   onPrompt: (prompt) => void shown.push(prompt),
 *   sleep: () => Promise.resolve(), // no waiting between polls
 *   fetch: (url) => Promise.resolve(Response.json(answers[new URL(String(url)).pathname])),
 * };
 * const tokens = await deviceLogin(options);
 * assert.equal(shown[0]?.userCode, "WDJB-MJHT");
 * assert.equal(tokens.refreshToken, "r1");
 * assert.equal(tokens.expiresAt, 2_000_000_000_000);
 * ```
 */
export interface DeviceLoginOptions extends OidcClientOptions {
  /** The scopes; default `openid profile offline_access`. */
  scopes?: readonly string[];
  /** Shows the URI and the code to the user; defaults to writing to stderr. */
  onPrompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Waits between polls; defaults to a timer. Tests pass their own. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Options for {@linkcode refreshLogin}.
 *
 * @example A refused refresh token means a new device login
 * ```ts
 * import { LoginError } from "@harmony/config";
 * import { refreshLogin, type RefreshLoginOptions } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * const issuer = "https://auth.example.com";
 * const options: RefreshLoginOptions = {
 *   issuer,
 *   clientId: "cli-app",
 *   refreshToken: "revoked",
 *   // A stand-in provider that has revoked the token, as Zitadel says it.
 *   fetch: (url) =>
 *     Promise.resolve(
 *       String(url).endsWith("/.well-known/openid-configuration")
 *         ? Response.json({ issuer, token_endpoint: `${issuer}/oauth/v2/token` })
 *         : Response.json(
 *           { error: "invalid_request", error_description: "Errors.OIDCSession.RefreshTokenInvalid" },
 *           { status: 400 },
 *         ),
 *     ),
 * };
 * await assert.rejects(
 *   refreshLogin(options),
 *   (error) => error instanceof LoginError && /log in again/.test(error.message),
 * );
 * ```
 */
export interface RefreshLoginOptions extends OidcClientOptions {
  /** The refresh token from an earlier login. */
  refreshToken: string;
}

/**
 * Logs in with the device flow: shows a URI and a code, waits for the user to
 * approve, and returns the ID token.
 *
 * @param options The issuer, the client id, and the seams for tests.
 * @returns The ID token, the refresh token if any, and the ID token's expiry.
 * @throws {LoginError} When the user denies, the code expires, or the
 * provider's answers are unusable.
 * @throws {SourceUnavailableError} When the provider cannot be reached or
 * answers 5xx before the user is asked, or keeps failing until the code
 * expires. While polling, a failure is retried with back-off: the user may
 * already have approved.
 * @throws {ConfigPermissionError} When Deno denies network access to the
 * provider (`--allow-net=<issuer host>`).
 *
 * @example Log in at Zitadel from a CLI
 * ```ts ignore
 * import { deviceLogin } from "@harmony/config/zitadel";
 *
 * const { idToken } = await deviceLogin({
 *   issuer: "https://my-instance.zitadel.cloud",
 *   clientId: "283746529384756@harmony",
 *   onPrompt: ({ verificationUri, userCode }) =>
 *     console.error(`Open ${verificationUri} and enter ${userCode}`),
 * });
 * ```
 */
export async function deviceLogin(
  options: DeviceLoginOptions,
): Promise<OidcTokens> {
  return await runDeviceGrant({
    ...options,
    scopes: options.scopes ?? DEFAULT_SCOPES,
  });
}

/**
 * Trades a refresh token for a fresh ID token, without asking the user.
 *
 * @param options The issuer, the client id and the refresh token.
 * @returns The new tokens; the refresh token is the rotated one when the
 * provider rotates, else the one passed in.
 * @throws {LoginError} When the provider refuses the refresh token: run
 * {@linkcode deviceLogin} again. Its `code` is the provider's:
 * `invalid_grant` (RFC 6749), or `invalid_request` from Zitadel, which
 * refuses an expired, revoked or already rotated refresh token that way
 * (description `Errors.OIDCSession.RefreshTokenInvalid`). Both mean "log in
 * again", and the message says so.
 * @throws {SourceUnavailableError} When the provider cannot be reached.
 * @throws {ConfigPermissionError} When Deno denies network access to the
 * provider (`--allow-net=<issuer host>`).
 *
 * @example Refresh before the ID token expires
 * ```ts ignore
 * import { deviceLogin, refreshLogin } from "@harmony/config/zitadel";
 *
 * const options = { issuer: "https://my-instance.zitadel.cloud", clientId: "2837@harmony" };
 * const first = await deviceLogin(options);
 * if (first.refreshToken) {
 *   const next = await refreshLogin({ ...options, refreshToken: first.refreshToken });
 *   console.log(new Date(next.expiresAt));
 * }
 * ```
 */
export async function refreshLogin(
  options: RefreshLoginOptions,
): Promise<OidcTokens> {
  return await runRefreshGrant(options);
}

/**
 * Options for {@linkcode openBaoWithZitadel}.
 *
 * @example Configure the store; nothing is sent until the first read
 * ```ts
 * import { openBaoWithZitadel, type OpenBaoWithZitadelOptions } from "@harmony/config/zitadel";
 * import assert from "node:assert/strict";
 *
 * const options: OpenBaoWithZitadelOptions = {
 *   address: "https://bao.example.com",
 *   issuer: "https://my-instance.zitadel.cloud",
 *   clientId: "283746529384756@harmony",
 *   role: "harmony-config",
 *   jwtMount: "zitadel",
 *   sessionFile: false, // keep the OpenBao token in memory only
 *   onPrompt: ({ verificationUri, userCode }) => console.error(`Open ${verificationUri}, code ${userCode}`),
 * };
 * const store = openBaoWithZitadel(options);
 * assert.equal(store.name, "openbao:https://bao.example.com");
 * assert.equal(store.sessionFile, undefined);
 * ```
 */
export interface OpenBaoWithZitadelOptions
  extends Omit<OpenBaoStoreOptions, "auth"> {
  /** The Zitadel instance URL, exactly as OpenBao's `bound_issuer`. */
  issuer: string;
  /**
   * The client id of the native app. OpenBao's role binds it twice:
   * `bound_audiences` (Zitadel's `aud` holds the client id of every app in
   * the project, and the project id) and `bound_claims={"azp":"<client id>"}`
   * (the app that asked).
   */
  clientId: string;
  /** The OpenBao JWT role (`role_type=jwt`). */
  role: string;
  /** Where OpenBao's JWT auth is mounted. Default `jwt`. */
  jwtMount?: string;
  /** The scopes of the device login; default `openid profile offline_access`. */
  scopes?: readonly string[];
  /** Shows the device login's URI and code; defaults to stderr. */
  onPrompt?: (prompt: DevicePrompt) => void | Promise<void>;
  /** Waits between device-login polls; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An {@linkcode OpenBaoStore} that logs in to OpenBao's JWT auth with the
 * ID token (never the access token) of a Zitadel device login.
 *
 * The OpenBao token is cached in `<data dir>/session.json` by the store, so
 * later runs reuse it and ask for no device login until it expires. Within
 * one process the OIDC tokens live in memory only: a new OpenBao login first
 * tries the refresh token, and falls back to a new device login.
 *
 * @param options The OpenBao store's options (address, mount, prefix, …),
 * the issuer, the client id and the OpenBao role.
 * @returns A store ready for `StoreSource`.
 *
 * @example Zitadel in front of OpenBao, SQLite as the fallback
 * ```ts ignore
 * import { ConfigManager, EnvSource, SqliteSource, StoreSource } from "@harmony/config";
 * import { openBaoWithZitadel } from "@harmony/config/zitadel";
 *
 * const store = openBaoWithZitadel({
 *   address: "https://bao.example.com",
 *   issuer: "https://my-instance.zitadel.cloud",
 *   clientId: "283746529384756@harmony",
 *   role: "harmony-config",
 * });
 * const manager = new ConfigManager([
 *   new EnvSource(),
 *   new StoreSource(store),
 *   await SqliteSource.open(),
 * ]);
 * ```
 */
export function openBaoWithZitadel(
  options: OpenBaoWithZitadelOptions,
): OpenBaoStore {
  const {
    issuer,
    clientId,
    role,
    jwtMount,
    scopes,
    onPrompt,
    sleep,
    ...storeOptions
  } = options;
  const now = options.now ?? Date.now;
  const oidc: OidcClientOptions = {
    issuer,
    clientId,
    now,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const idToken = idTokenSource({
    now,
    refresh: (refreshToken) => refreshLogin({ ...oidc, refreshToken }),
    login: () =>
      deviceLogin({
        ...oidc,
        ...(scopes ? { scopes } : {}),
        ...(onPrompt ? { onPrompt } : {}),
        ...(sleep ? { sleep } : {}),
      }),
  });

  return new OpenBaoStore({
    ...storeOptions,
    auth: {
      jwt: {
        role,
        ...(jwtMount ? { mount: jwtMount } : {}),
        token: idToken,
      },
    },
  });
}
