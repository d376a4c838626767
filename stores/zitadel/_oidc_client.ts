/**
 * The OIDC client under both grants: discovery of one provider's endpoints,
 * form posts to them bounded in time, the checks on a token answer, and the
 * mapping of every failure to a typed error (`LoginError`,
 * `SourceUnavailableError`, `ConfigPermissionError`) that never carries a
 * token.
 *
 * @module
 */
import {
  ConfigPermissionError,
  LoginError,
  SourceUnavailableError,
} from "../../errors.ts";
import { isPermissionDenied } from "../../_internal/runtime.ts";
import { networkReason } from "../../_internal/net.ts";
import {
  DEFAULT_MAX_VALUE_BYTES,
  formatSize,
} from "../../_internal/bounded_read.ts";
import { CredentialMask, maskedServerText } from "../_credential_mask.ts";
import { boundedText } from "../_response_text.ts";
import { decodeClaims } from "./_jwt_claims.ts";

/** What the client needs to reach one provider (the public `OidcClientOptions`). */
export interface OidcClientSettings {
  /** The issuer URL. */
  readonly issuer: string;
  /** The client id. */
  readonly clientId: string;
  /** The fetch to use; defaults to `globalThis.fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** The clock, in ms since the epoch; defaults to `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** The bound on each HTTP request, in ms. Default 10000. */
  readonly timeoutMs?: number | undefined;
}

/** The tokens of a finished grant (the public `OidcTokens`). */
export interface OidcTokenSet {
  /** The ID token. */
  readonly idToken: string;
  /** The refresh token, when the provider issued one. */
  readonly refreshToken?: string;
  /** When the ID token expires, in ms since the epoch. */
  readonly expiresAt: number;
}

/** The endpoints discovery found. */
export interface Endpoints {
  readonly deviceAuthorization: string | undefined;
  readonly token: string;
}

/** A provider's answer: its status and its JSON object body (`{}` when it has none). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * What an error code means to a user, and what to do. A grant may add its
 * own meanings (the refresh grant does, for `invalid_request`).
 */
export type ErrorFixes = Readonly<Record<string, string>>;

/**
 * Talks to one provider: discovery, form posts, and error mapping. Every
 * credential it sends or receives (device code, refresh, access and ID
 * tokens) is remembered, so that no text from the provider shows one.
 */
export class OidcClient {
  readonly #options: OidcClientSettings;
  readonly #issuer: string;
  readonly #source: string;
  /** The credentials this client holds or sent. */
  readonly mask: CredentialMask = new CredentialMask();

  /** @param options The issuer, the client id, and the seams for tests. */
  constructor(options: OidcClientSettings) {
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
          this.#shown(JSON.stringify(issuer) ?? "none")
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

  tokensFrom(body: Record<string, unknown>): OidcTokenSet {
    this.mask.add(
      stringField(body, "id_token"),
      stringField(body, "access_token"),
      stringField(body, "refresh_token"),
    );
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
          this.#shown(JSON.stringify(claims.iss) ?? "nobody")
        }, not ${this.#issuer}: use the issuer exactly as the provider publishes it`,
      );
    }
    // Zitadel puts the client id of every app in the project (and the
    // project id) in aud: OpenBao's bound_claims on azp tells the apps apart.
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

  /**
   * The error a refused request becomes: the provider's code (masked, as
   * all its text), what it means and what to do, and its description.
   */
  errorFrom(answer: HttpAnswer, fixes: ErrorFixes = {}): LoginError {
    const raw = stringField(answer.body, "error");
    const code = raw === undefined
      ? `http_${answer.status}`
      : this.#shown(raw).slice(0, 64);
    const fix = fixes[code] ?? FIXES[code] ??
      "check the client's settings at the provider";
    const description = stringField(answer.body, "error_description");
    return this.loginError(
      code,
      description === undefined
        ? fix
        : `${fix} (the provider said: ${this.#shown(description)})`,
    );
  }

  /** Text from the provider, safe to show. */
  #shown(text: string): string {
    return maskedServerText(text, this.mask);
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
    let text: string | undefined;
    try {
      const response = await fetchFn(url, {
        ...init,
        signal: controller.signal,
      });
      status = response.status;
      // Never past the cap: a body that does not end stops there.
      text = await boundedText(response, DEFAULT_MAX_VALUE_BYTES);
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
          this.#shown(new URL(url).pathname)
        } answered HTTP ${status}`,
      );
    }
    if (text === undefined) {
      throw this.loginError(
        "invalid_response",
        `${
          this.#shown(new URL(url).pathname)
        } answered with a body larger than ${
          formatSize(DEFAULT_MAX_VALUE_BYTES)
        }, so it was not read: check that the issuer URL points at the identity provider`,
      );
    }
    return { status, body: parseObject(text) };
  }
}

/** What each OAuth error code means, whatever the grant. */
const FIXES: ErrorFixes = {
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

/** A non-empty string field of a provider's answer. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A finite, non-negative number field of a provider's answer. */
export function numberField(
  body: Record<string, unknown>,
  name: string,
): number | undefined {
  const value = body[name];
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : undefined;
}
