/**
 * OpenBao authentication: a static token, AppRole or JWT login, and the
 * token's lifecycle (lookup, renewal at two thirds of its TTL, one new login
 * and one retry when a 403 turns out to come from a dead token, the cached
 * session).
 *
 * A 403 alone never proves a token dead: OpenBao answers a policy denial
 * with the same status, and `lookup-self` and `renew-self` are granted by
 * the `default` policy only (`policy_store.go`, `DefaultPolicy`). So:
 *
 * - a token with the `default` policy is asked with `lookup-self` after a
 *   403: alive means a policy denial (final), refused means dead (a login
 *   token logs in again once and retries);
 * - a token without it (`-no-default-policy`, `token_no_default_policy`) is
 *   never looked up or renewed: it is used as it is, a login token is
 *   replaced by a new login when its TTL runs out, and a 403 is reported
 *   with both possible causes. The one exception is a session read from the
 *   cache, which another process obtained and may since have been revoked:
 *   it is replaced by one login, once.
 *
 * No 403 ever leads to more than one login per token, so there are no
 * login storms.
 *
 * @module
 */
import { ConfigSourceError, LoginError } from "../../errors.ts";
import type { CredentialMask } from "../_credential_mask.ts";
import {
  type BaoEnvelope,
  type BaoHttp,
  type BaoResponse,
  type Deadline,
  type ForbiddenCause,
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
  /** Whether this process's own login obtained it (not the session cache). */
  readonly ownLogin: boolean;
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
  /** Learns every credential this keeper holds or sends, to mask server text. */
  readonly mask: CredentialMask;
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
    const auth = options.auth;
    if ("appRole" in auth) {
      options.mask.add(auth.appRole.roleId, auth.appRole.secretId);
    } else if ("token" in auth) {
      options.mask.add(auth.token);
    }
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
   * Decides what a 403 meant.
   *
   * @param usedToken The token the refused request carried.
   * @param key The key the request was for, named in errors.
   * @param deadline The deadline of the operation the request belongs to.
   * @returns `retry` when another token is now in use (a new login, or
   * another caller's): send the request once more; `denied` when the token
   * is alive, so the 403 is a policy denial; `unverified` when the token
   * cannot look itself up, so it may be either.
   * @throws {ConfigSourceError} When a static token that could look itself
   * up no longer can: it is dead.
   */
  async recoverFromForbidden(
    usedToken: string,
    key?: string,
    deadline?: Deadline,
  ): Promise<"retry" | ForbiddenCause> {
    // Another caller may already be replacing, or have replaced, the token
    // this request was sent with: then retrying is enough.
    if (this.#pending !== undefined) {
      await this.#pending;
      return "retry";
    }
    const session = this.#session;
    if (session === undefined) return "unverified";
    if (session.token !== usedToken) return "retry";
    if (session.selfLookup === false) {
      // lookup-self would answer 403 whatever the token's state. A token
      // from this process's own login is alive within its TTL; one another
      // process cached may have been revoked since: one login settles it.
      if (!session.fromLogin || session.ownLogin) return "unverified";
      await this.#relogin(session, key, deadline);
      return "retry";
    }
    const lookup = await this.#options.http.request(
      "GET",
      "auth/token/lookup-self",
      { token: session.token, key, deadline },
    );
    if (lookup.status === 200) return "denied";
    if (lookup.status !== 403) return "unverified";
    // The token could look itself up (or might have): refused now, it is dead.
    if (!session.fromLogin) throw this.#deadStaticToken(key);
    await this.#relogin(session, key, deadline);
    return "retry";
  }

  /**
   * Sends `method /v1/<path>` with the current token. On a 403, tells a dead
   * token (log in again, retry once) from a policy denial; a 403 that is
   * returned carries `forbidden`, what it meant.
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
    const response = await send();
    if (response.status !== 403) return response;
    const verdict = await this.recoverFromForbidden(token, key, deadline);
    if (verdict !== "retry") return { ...response, forbidden: verdict };
    const retried = await send();
    if (retried.status !== 403) return retried;
    // The token in use now was just obtained (or just replaced by another
    // caller): alive, so this is a policy denial. Never a second login.
    return { ...retried, forbidden: "denied" };
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
        this.#options.mask.add(cached.token);
        this.#session = {
          ...cached,
          // A token that cannot renew itself is replaced at its expiry.
          renewable: cached.renewable && cached.selfLookup !== false,
          fromLogin: true,
          ownLogin: false,
        };
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

  /**
   * Looks a static token up for its TTL. A 403 does not mean it is dead: a
   * token without the `default` policy may not look itself up, yet may
   * read what its own policies grant. It is then used as it is, never
   * renewed, and each 403 names both causes.
   */
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
    const now = this.#options.now();
    if (response.status === 403) {
      return {
        token,
        ttlSeconds: 0,
        expiresAt: null,
        renewable: false,
        obtainedAt: now,
        selfLookup: false,
        fromLogin: false,
        ownLogin: false,
      };
    }
    if (response.status !== 200) {
      throw new ConfigSourceError(
        `${this.#options.source} could not look up the token (${response.status}${
          this.#detail(response.body)
        }): check BAO_TOKEN`,
        keyOptions(this.#options.source, key),
      );
    }
    const data = (response.body?.data ?? {}) as {
      ttl?: unknown;
      renewable?: unknown;
    };
    const ttl = typeof data.ttl === "number" ? data.ttl : 0;
    return {
      token,
      ttlSeconds: ttl,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      renewable: data.renewable === true,
      obtainedAt: now,
      selfLookup: true,
      fromLogin: false,
      ownLogin: false,
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

  /** Forgets a dead login token and logs in again, once for all callers. */
  async #relogin(
    session: Session,
    key: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<void> {
    await this.#options.cache?.remove(this.#options.cacheId, session.token);
    this.#session = undefined;
    this.#pending ??= this.#login(key, deadline).finally(() => {
      this.#pending = undefined;
    });
    await this.#pending;
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
      this.#options.mask.add(jwt);
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
          this.#detail(response.body)
        }: check the role, its bound claims and the credentials`,
        key === undefined ? {} : { key },
      );
    }
    this.#options.mask.add(login.client_token);
    const ttl = typeof login.lease_duration === "number"
      ? login.lease_duration
      : 0;
    const now = this.#options.now();
    const selfLookup = hasDefaultPolicy(login);
    const session: Session = {
      token: login.client_token,
      ttlSeconds: ttl,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      // renew-self needs the default policy too: without it, the token is
      // replaced by a new login when it expires.
      renewable: login.renewable === true && selfLookup !== false,
      obtainedAt: now,
      ...(selfLookup === undefined ? {} : { selfLookup }),
      fromLogin: true,
      ownLogin: true,
    };
    this.#session = session;
    // Best effort: the login succeeded whether or not the cache is writable.
    await this.#options.cache?.save(this.#options.cacheId, toCached(session));
    return session;
  }

  #detail(body: BaoEnvelope | undefined): string {
    const message = serverMessage(body, this.#options.mask);
    return message === "" ? "" : `: ${message}`;
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

/**
 * Whether a login's token has the `default` (or `root`) policy, from the
 * policies the login answered with; `undefined` when it named none.
 */
function hasDefaultPolicy(
  login: NonNullable<BaoEnvelope["auth"]>,
): boolean | undefined {
  const lists = [login.token_policies, login.policies].filter(Array.isArray);
  if (lists.length === 0) return undefined;
  return lists.some((list) =>
    list.includes("default") || list.includes("root")
  );
}

function toCached(session: Session): CachedSession {
  const { token, expiresAt, ttlSeconds, renewable, obtainedAt, selfLookup } =
    session;
  return {
    token,
    expiresAt,
    ttlSeconds,
    renewable,
    obtainedAt,
    ...(selfLookup === undefined ? {} : { selfLookup }),
  };
}

function keyOptions(
  source: string,
  key: string | undefined,
): { source: string; key?: string } {
  return { source, ...(key === undefined ? {} : { key }) };
}
