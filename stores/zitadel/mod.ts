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
import {
  ConfigPermissionError,
  LoginError,
  SourceUnavailableError,
} from "../../errors.ts";
import { isPermissionDenied } from "../../permissions.ts";
import { OpenBaoStore, type OpenBaoStoreOptions } from "../openbao/mod.ts";
import { delay, networkReason } from "../../_internal/net.ts";

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

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** RFC 8628 §3.5: the interval when the server names none, and the slow_down step. */
const DEFAULT_INTERVAL_MS = 5_000;
const SLOW_DOWN_STEP_MS = 5_000;
/** The longest wait between polls while the provider fails (RFC 8628 §3.5 back-off). */
const MAX_BACKOFF_MS = 60_000;

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
 *   // A stand-in provider that has revoked the token.
 *   fetch: (url) =>
 *     Promise.resolve(
 *       String(url).endsWith("/.well-known/openid-configuration")
 *         ? Response.json({ issuer, token_endpoint: `${issuer}/oauth/v2/token` })
 *         : Response.json({ error: "invalid_grant" }, { status: 400 }),
 *     ),
 * };
 * await assert.rejects(refreshLogin(options), (error) => error instanceof LoginError && error.code === "invalid_grant");
 * ```
 */
export interface RefreshLoginOptions extends OidcClientOptions {
  /** The refresh token from an earlier login. */
  refreshToken: string;
}

interface Endpoints {
  readonly deviceAuthorization: string | undefined;
  readonly token: string;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
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
  const client = new OidcClient(options);
  const endpoints = await client.discover();
  if (!endpoints.deviceAuthorization) {
    throw client.loginError(
      "unsupported_grant_type",
      "discovery lists no device_authorization_endpoint: enable the device authorization grant on the provider",
    );
  }
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const started = await client.post(endpoints.deviceAuthorization, {
    client_id: options.clientId,
    scope: scopes.join(" "),
  });
  if (started.status !== 200) throw client.errorFrom(started);
  const deviceCode = stringField(started.body, "device_code");
  const userCode = stringField(started.body, "user_code");
  const verificationUri = stringField(started.body, "verification_uri");
  const expiresIn = numberField(started.body, "expires_in");
  if (!deviceCode || !userCode || !verificationUri || expiresIn === undefined) {
    throw client.loginError(
      "invalid_response",
      "the device authorization answer lacks device_code, user_code, verification_uri or expires_in: check the issuer URL",
    );
  }
  const now = options.now ?? Date.now;
  const expiresAt = now() + expiresIn * 1000;
  const onPrompt = options.onPrompt ??
    ((prompt: DevicePrompt) => promptOnStderr(prompt, expiresIn));
  const complete = stringField(started.body, "verification_uri_complete");
  await onPrompt({
    verificationUri,
    ...(complete ? { verificationUriComplete: complete } : {}),
    userCode,
    expiresAt,
  });

  const sleep = options.sleep ?? delay;
  let intervalMs = (numberField(started.body, "interval") ?? 0) * 1000 ||
    DEFAULT_INTERVAL_MS;
  let failures = 0;
  let outage: SourceUnavailableError | undefined;
  while (true) {
    await sleep(
      failures === 0 ? intervalMs : Math.max(
        0,
        Math.min(
          intervalMs * 2 ** failures,
          MAX_BACKOFF_MS,
          expiresAt - now(),
        ),
      ),
    );
    // RFC 8628 §3.5: stop polling once the code has expired, whatever the
    // server would say.
    if (now() >= expiresAt) {
      if (outage === undefined) throw client.expired();
      throw new SourceUnavailableError(
        outage.source ?? options.issuer,
        `${outage.reason}, until the device code expired`,
        { cause: outage },
      );
    }
    let answer: HttpAnswer;
    try {
      answer = await client.post(endpoints.token, {
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
        client_id: options.clientId,
      });
    } catch (error) {
      // RFC 8628 §3.5: back off on a timeout or a server error and keep
      // polling; the user may already have approved, and stopping now
      // would throw that approval away.
      if (!(error instanceof SourceUnavailableError)) throw error;
      failures++;
      outage = error;
      continue;
    }
    failures = 0;
    outage = undefined;
    if (answer.status === 200) return client.tokensFrom(answer.body);
    const error = stringField(answer.body, "error");
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      intervalMs += SLOW_DOWN_STEP_MS;
      continue;
    }
    if (error === "expired_token") throw client.expired();
    throw client.errorFrom(answer);
  }
}

/**
 * Trades a refresh token for a fresh ID token, without asking the user.
 *
 * @param options The issuer, the client id and the refresh token.
 * @returns The new tokens; the refresh token is the rotated one when the
 * provider rotates, else the one passed in.
 * @throws {LoginError} When the provider refuses the refresh token
 * (`invalid_grant`): run {@linkcode deviceLogin} again.
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
  const client = new OidcClient(options);
  const endpoints = await client.discover();
  const answer = await client.post(endpoints.token, {
    grant_type: "refresh_token",
    refresh_token: options.refreshToken,
    client_id: options.clientId,
  });
  if (answer.status !== 200) throw client.errorFrom(answer);
  const tokens = client.tokensFrom(answer.body);
  return tokens.refreshToken
    ? tokens
    : { ...tokens, refreshToken: options.refreshToken };
}

/** Talks to one provider: discovery, form posts, and error mapping. */
class OidcClient {
  readonly #options: OidcClientOptions;
  readonly #issuer: string;
  readonly #source: string;

  constructor(options: OidcClientOptions) {
    this.#options = options;
    this.#issuer = options.issuer.replace(/\/+$/, "");
    this.#source = `oidc:${this.#issuer}`;
  }

  async discover(): Promise<Endpoints> {
    const url = `${this.#issuer}/.well-known/openid-configuration`;
    const answer = await this.#request(url, { method: "GET" });
    if (answer.status !== 200) {
      throw this.loginError(
        "discovery_failed",
        `${url} answered HTTP ${answer.status}: check the issuer URL`,
      );
    }
    const issuer = stringField(answer.body, "issuer");
    if (issuer?.replace(/\/+$/, "") !== this.#issuer) {
      // OIDC Discovery §4.3: a mismatch means the wrong URL, and OpenBao's
      // exact bound_issuer check would reject the tokens anyway.
      throw this.loginError(
        "discovery_failed",
        `discovery names issuer ${
          JSON.stringify(issuer)
        }, not ${this.#issuer}: use the issuer exactly as the provider publishes it`,
      );
    }
    const token = stringField(answer.body, "token_endpoint");
    if (!token) {
      throw this.loginError(
        "discovery_failed",
        "discovery lists no token_endpoint: check the issuer URL",
      );
    }
    return {
      deviceAuthorization: stringField(
        answer.body,
        "device_authorization_endpoint",
      ),
      token,
    };
  }

  post(url: string, form: Record<string, string>): Promise<HttpAnswer> {
    return this.#request(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams(form).toString(),
    });
  }

  tokensFrom(body: Record<string, unknown>): OidcTokens {
    const idToken = stringField(body, "id_token");
    if (!idToken) {
      throw this.loginError(
        "invalid_response",
        "the token answer has no id_token: request the openid scope",
      );
    }
    const claims = decodeClaims(idToken);
    if (!claims) {
      throw this.loginError(
        "invalid_response",
        "the id_token is not a JWT: check the app's token settings",
      );
    }
    // The signature is OpenBao's to check against the JWKS; these checks
    // only catch a misconfigured client early with a clear message.
    if (claims.iss !== this.#issuer) {
      throw this.loginError(
        "invalid_response",
        `the id_token was issued by ${
          JSON.stringify(claims.iss)
        }, not ${this.#issuer}: use the issuer exactly as the provider publishes it`,
      );
    }
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audience.includes(this.#options.clientId)) {
      throw this.loginError(
        "invalid_response",
        `the id_token's audience does not include client ${this.#options.clientId}: check the client id`,
      );
    }
    const now = this.#options.now ?? Date.now;
    const expiresIn = numberField(body, "expires_in");
    const expiresAt = typeof claims.exp === "number"
      ? claims.exp * 1000
      : now() + (expiresIn ?? 0) * 1000;
    const refreshToken = stringField(body, "refresh_token");
    return { idToken, ...(refreshToken ? { refreshToken } : {}), expiresAt };
  }

  expired(): LoginError {
    return this.loginError(
      "expired_token",
      "the device code expired before it was approved: run the login again and enter the new code in time",
    );
  }

  errorFrom(answer: HttpAnswer): LoginError {
    const code = stringField(answer.body, "error") ?? `http_${answer.status}`;
    const fix = FIXES[code] ?? "check the client's settings at the provider";
    return this.loginError(code, fix);
  }

  loginError(code: string, detail: string): LoginError {
    return new LoginError(this.#source, code, detail);
  }

  async #request(url: string, init: RequestInit): Promise<HttpAnswer> {
    const fetchFn = this.#options.fetch ?? globalThis.fetch;
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await fetchFn(url, {
        ...init,
        signal: controller.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (cause) {
      const target = new URL(url);
      if (isPermissionDenied(cause)) {
        // Not "unavailable": falling through to the next source would hide
        // a missing flag behind a value from elsewhere.
        throw new ConfigPermissionError(
          this.#source,
          `network access to ${target.host} (the identity provider)`,
          `--allow-net=${target.host}`,
        );
      }
      // The reason says "identity provider": an OpenBao store that needed
      // this login reports it under its own name.
      const reason = controller.signal.aborted
        ? `the identity provider ${target.origin} timed out after ${timeoutMs} ms`
        : `the identity provider ${target.origin} cannot be reached (${
          networkReason(cause)
        })`;
      throw new SourceUnavailableError(this.#source, reason, { cause });
    } finally {
      clearTimeout(timer);
    }
    if (status >= 500) {
      throw new SourceUnavailableError(
        this.#source,
        `the identity provider's ${
          new URL(url).pathname
        } answered HTTP ${status}`,
      );
    }
    return { status, body: parseObject(text) };
  }
}

const FIXES: Record<string, string> = {
  access_denied:
    "the device login was denied: run the command again and approve the code",
  invalid_grant:
    "the provider refused the grant (an expired or revoked refresh token): log in again",
  invalid_client:
    "the provider does not know this client: check the client id and that the app is a native app",
  unauthorized_client:
    "the app may not use this grant: enable the device code and refresh token grants on the app",
  invalid_scope:
    "the provider refused the scopes: allow openid, profile and offline_access on the app",
};

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : {};
  } catch {
    return {};
  }
}

function stringField(
  body: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function numberField(
  body: Record<string, unknown>,
  name: string,
): number | undefined {
  const value = body[name];
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
}

function decodeClaims(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null
      ? claims as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

function promptOnStderr(prompt: DevicePrompt, expiresIn: number): void {
  const minutes = Math.max(1, Math.round(expiresIn / 60));
  console.error(
    `To sign in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}` +
      ` (it expires in about ${minutes} min)` +
      (prompt.verificationUriComplete
        ? `\nor open ${prompt.verificationUriComplete}`
        : ""),
  );
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
  /** The client id of the native app; OpenBao's `bound_audiences` holds it. */
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

/** Refresh the ID token when it has less than this left. */
const ID_TOKEN_MARGIN_MS = 30_000;

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
  let tokens: OidcTokens | undefined;

  const idToken = async (): Promise<string> => {
    if (tokens && tokens.expiresAt - ID_TOKEN_MARGIN_MS > now()) {
      return tokens.idToken;
    }
    if (tokens?.refreshToken) {
      try {
        tokens = await refreshLogin({
          ...oidc,
          refreshToken: tokens.refreshToken,
        });
        return tokens.idToken;
      } catch (error) {
        // A refused refresh token only means a new device login is due.
        if (!(error instanceof LoginError)) throw error;
        tokens = undefined;
      }
    }
    tokens = await deviceLogin({
      ...oidc,
      ...(scopes ? { scopes } : {}),
      ...(onPrompt ? { onPrompt } : {}),
      ...(sleep ? { sleep } : {}),
    });
    return tokens.idToken;
  };

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
