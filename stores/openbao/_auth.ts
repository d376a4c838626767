/**
 * OpenBao authentication: a static token, AppRole or JWT login, and the
 * token's lifecycle (lookup, renewal at two thirds of its TTL, one new login
 * and one retry when a 403 turns out to come from a dead token, the cached
 * session).
 *
 * @module
 */
import { ConfigSourceError, LoginError } from "../../errors.ts";
import {
  type BaoHttp,
  type BaoResponse,
  type Deadline,
  serverMessage,
} from "./_http.ts";
import type { CachedSession, SessionCache } from "./_session_cache.ts";

/**
 * How {@linkcode OpenBaoStore} authenticates.
 *
 * - `{ token }`: a static token; without `token`, `BAO_TOKEN` then `VAULT_TOKEN`.
 * - `{ appRole: { roleId, secretId, mount = "approle" } }`: AppRole login.
 * - `{ jwt: { role, mount = "jwt", token } }`: JWT login with the JWT that
 *   `token()` returns, such as an OIDC ID token from a device login.
 *
 * @example The three kinds
 * ```ts
 * import type { OpenBaoAuth } from "@harmony/config/openbao";
 *
 * const fromEnv: OpenBaoAuth = {}; // BAO_TOKEN, then VAULT_TOKEN
 * const appRole: OpenBaoAuth = { appRole: { roleId: "r", secretId: "s" } };
 * const jwt: OpenBaoAuth = {
 *   jwt: { role: "harmony-config", token: () => Promise.resolve("<an ID token>") },
 * };
 * ```
 */
export type OpenBaoAuth =
  | { readonly token?: string | undefined }
  | {
    readonly appRole: {
      readonly roleId: string;
      readonly secretId: string;
      readonly mount?: string;
    };
  }
  | {
    readonly jwt: {
      readonly role: string;
      readonly mount?: string;
      readonly token: () => Promise<string>;
    };
  };

/** What a login or a lookup told us about the token in use. */
interface Session extends CachedSession {
  /** Whether the token came from a login (and can be replaced by another). */
  readonly fromLogin: boolean;
}

/** Options for {@linkcode TokenKeeper}. */
export interface TokenKeeperOptions {
  /** The auth method. A static token must already be resolved from the env. */
  readonly auth: OpenBaoAuth;
  /** The HTTP layer. */
  readonly http: BaoHttp;
  /** The clock, in ms. */
  readonly now: () => number;
  /** Where login sessions are cached, if anywhere. */
  readonly cache: SessionCache | undefined;
  /** The cache entry's id: server, namespace and login identity. */
  readonly cacheId: string;
  /** The locator used in errors. */
  readonly source: string;
}

/** Renew once this fraction of the TTL has passed. */
const RENEW_AT = 2 / 3;

/**
 * Holds the current token and keeps it alive. Concurrent callers share one
 * login or renewal.
 */
export class TokenKeeper {
  readonly #options: TokenKeeperOptions;
  #session: Session | undefined;
  #pending: Promise<Session> | undefined;

  /** @param options The auth method, HTTP layer, clock and cache. */
  constructor(options: TokenKeeperOptions) {
    this.#options = options;
  }

  /**
   * Returns a token to use now, logging in or renewing first when due.
   * Concurrent callers share one login, bounded by the first one's deadline.
   */
  async token(key?: string, deadline?: Deadline): Promise<string> {
    const session = this.#session;
    if (session !== undefined && !this.#renewDue(session)) return session.token;
    this.#pending ??= this.#refresh(session, key, deadline).finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).token;
  }

  /**
   * Decides what a 403 meant, by asking `lookup-self` with the same token.
   *
   * @param usedToken The token the refused request carried.
   * @param key The key the request was for, named in errors.
   * @param deadline The deadline of the operation the request belongs to.
   * @returns `true` when the token was dead and a new login succeeded (retry
   * the request once); `false` when the token is alive, so the 403 is a policy
   * denial.
   * @throws {ConfigSourceError} When a static token is dead.
   */
  async recoverFromForbidden(
    usedToken: string,
    key?: string,
    deadline?: Deadline,
  ): Promise<boolean> {
    // Another caller may already be replacing, or have replaced, the token
    // this request was sent with: then retrying is enough.
    if (this.#pending !== undefined) {
      await this.#pending;
      return true;
    }
    const session = this.#session;
    if (session === undefined) return false;
    if (session.token !== usedToken) return true;
    const lookup = await this.#options.http.request(
      "GET",
      "auth/token/lookup-self",
      { token: session.token, key, deadline },
    );
    if (lookup.status === 200) return false;
    if (!session.fromLogin) throw this.#deadStaticToken(key);
    await this.#options.cache?.remove(this.#options.cacheId, session.token);
    this.#session = undefined;
    this.#pending ??= this.#login(key, deadline).finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
    return true;
  }

  /**
   * Sends `method /v1/<path>` with the current token. On a 403, tells a dead
   * token (log in again, retry once) from a policy denial, which is returned
   * as it is.
   */
  async send(
    method: string,
    path: string,
    key: string | undefined,
    deadline: Deadline,
    body?: unknown,
  ): Promise<BaoResponse> {
    let token = "";
    const send = async (): Promise<BaoResponse> => {
      token = await this.token(key, deadline);
      return await this.#options.http.request(method, path, {
        token,
        body,
        key,
        deadline,
      });
    };
    let response = await send();
    if (response.status !== 403) return response;
    if (await this.recoverFromForbidden(token, key, deadline)) {
      response = await send();
      if (response.status !== 403) return response;
    }
    return response;
  }

  #renewDue(session: Session): boolean {
    if (session.expiresAt === null) return false;
    const now = this.#options.now();
    if (now >= session.expiresAt) return true;
    return session.renewable &&
      now >= session.obtainedAt + session.ttlSeconds * 1000 * RENEW_AT;
  }

  async #refresh(
    session: Session | undefined,
    key: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<Session> {
    const auth = this.#options.auth;
    if (session === undefined) {
      if (isStatic(auth)) {
        return this.#session = await this.#lookupStatic(
          auth.token,
          key,
          deadline,
        );
      }
      const cached = await this.#options.cache?.load(this.#options.cacheId);
      if (
        cached !== undefined &&
        (cached.expiresAt === null || cached.expiresAt > this.#options.now())
      ) {
        this.#session = { ...cached, fromLogin: true };
        if (!this.#renewDue(this.#session)) return this.#session;
        return await this.#renew(this.#session, key, deadline);
      }
      return await this.#login(key, deadline);
    }
    if (
      session.expiresAt !== null && this.#options.now() >= session.expiresAt
    ) {
      if (!session.fromLogin) throw this.#deadStaticToken(key);
      return await this.#login(key, deadline);
    }
    return await this.#renew(session, key, deadline);
  }

  async #lookupStatic(
    token: string,
    key: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<Session> {
    const response = await this.#options.http.request(
      "GET",
      "auth/token/lookup-self",
      { token, key, deadline },
    );
    if (response.status === 403) throw this.#deadStaticToken(key);
    if (response.status !== 200) {
      throw new ConfigSourceError(
        `${this.#options.source} could not look up the token (${response.status}${
          detail(response)
        }): check BAO_TOKEN`,
        keyOptions(this.#options.source, key),
      );
    }
    const data = (response.body?.data ?? {}) as {
      ttl?: unknown;
      renewable?: unknown;
    };
    const ttl = typeof data.ttl === "number" ? data.ttl : 0;
    const now = this.#options.now();
    return {
      token,
      ttlSeconds: ttl,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      renewable: data.renewable === true,
      obtainedAt: now,
      fromLogin: false,
    };
  }

  async #renew(
    session: Session,
    key: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<Session> {
    const increment = Math.max(1, session.ttlSeconds);
    const response = await this.#options.http.request(
      "POST",
      "auth/token/renew-self",
      {
        token: session.token,
        body: { increment: `${increment}s` },
        key,
        deadline,
      },
    );
    const granted = response.body?.auth?.lease_duration;
    const ok = response.status === 200 && typeof granted === "number" &&
      granted > 0;
    if (ok && granted >= increment) {
      return await this.#keep({ ...session, ttlSeconds: granted }, granted);
    }
    // Refused or capped: a login replaces the token; a static token is used
    // as it is until it dies.
    if (session.fromLogin) return await this.#login(key, deadline);
    if (response.status === 403) throw this.#deadStaticToken(key);
    if (ok) {
      return await this.#keep({
        ...session,
        ttlSeconds: granted,
        renewable: false,
      }, granted);
    }
    return this.#session = { ...session, renewable: false };
  }

  async #keep(session: Session, ttlSeconds: number): Promise<Session> {
    const now = this.#options.now();
    const renewed: Session = {
      ...session,
      obtainedAt: now,
      expiresAt: now + ttlSeconds * 1000,
    };
    this.#session = renewed;
    if (renewed.fromLogin) {
      // Best effort: an unwritable cache costs the next process a login.
      await this.#options.cache?.save(this.#options.cacheId, toCached(renewed));
    }
    return renewed;
  }

  async #login(
    key: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<Session> {
    const auth = this.#options.auth;
    let path: string;
    let body: Record<string, string>;
    let what: string;
    if ("appRole" in auth) {
      const mount = auth.appRole.mount ?? "approle";
      path = `auth/${mount}/login`;
      body = { role_id: auth.appRole.roleId, secret_id: auth.appRole.secretId };
      what = `AppRole login at auth/${mount}`;
    } else if ("jwt" in auth) {
      const mount = auth.jwt.mount ?? "jwt";
      path = `auth/${mount}/login`;
      // The JWT is fetched only now, used once, and never stored.
      // A device login waits for a person: that time is not OpenBao's.
      const jwt = deadline === undefined
        ? await auth.jwt.token()
        : await deadline.excluding(auth.jwt.token);
      body = { role: auth.jwt.role, jwt };
      what = `JWT login at auth/${mount} for role "${auth.jwt.role}"`;
    } else {
      throw this.#deadStaticToken(key);
    }
    const response = await this.#options.http.request("POST", path, {
      body,
      key,
      deadline,
    });
    const login = response.body?.auth;
    if (response.status !== 200 || typeof login?.client_token !== "string") {
      throw new LoginError(
        this.#options.source,
        response.status === 400
          ? "invalid_credentials"
          : `http_${response.status}`,
        `OpenBao rejected the ${what}${
          detail(response)
        }: check the role, its bound claims and the credentials`,
        key === undefined ? {} : { key },
      );
    }
    const ttl = typeof login.lease_duration === "number"
      ? login.lease_duration
      : 0;
    const now = this.#options.now();
    const session: Session = {
      token: login.client_token,
      ttlSeconds: ttl,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      renewable: login.renewable === true,
      obtainedAt: now,
      fromLogin: true,
    };
    this.#session = session;
    // Best effort: the login succeeded whether or not the cache is writable.
    await this.#options.cache?.save(this.#options.cacheId, toCached(session));
    return session;
  }

  #deadStaticToken(key: string | undefined): ConfigSourceError {
    return new ConfigSourceError(
      `${this.#options.source} rejected the token as expired, revoked or unknown (403): set BAO_TOKEN (or VAULT_TOKEN) to a valid token, or use AppRole or JWT auth`,
      keyOptions(this.#options.source, key),
    );
  }
}

function isStatic(auth: OpenBaoAuth): auth is { token: string } {
  return "token" in auth && typeof auth.token === "string";
}

function toCached(session: Session): CachedSession {
  const { token, expiresAt, ttlSeconds, renewable, obtainedAt } = session;
  return { token, expiresAt, ttlSeconds, renewable, obtainedAt };
}

function detail(response: BaoResponse): string {
  const message = serverMessage(response.body);
  return message === "" ? "" : `: ${message}`;
}

function keyOptions(
  source: string,
  key: string | undefined,
): { source: string; key?: string } {
  return { source, ...(key === undefined ? {} : { key }) };
}
