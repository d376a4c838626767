/**
 * An in-process OpenBao server for tests, written from OpenBao's source
 * (openbao/openbao, `internal/vault`, `internal/http`, `sdk/logical`,
 * `internal/builtin/logical/kv`, `internal/builtin/credential`) and
 * /work/shared/docs/openbao-wire.md: the response envelope, the ACL of a
 * token's policies (the built-in `default` policy included), KV v2
 * (versions, soft delete, destroy, CAS, `cas_required`, `delete_version_after`
 * and `max_versions` per key and per mount, metadata, list), KV v1 mounts,
 * tokens with a TTL under an injected clock, JWT login verified against the
 * issuer's real JWKS (found through OIDC discovery, checked with `jose`),
 * AppRole, userpass, namespaces, seal, and injected faults (429 with
 * `Retry-After`, 5xx, slow or hung responses, 307 to another node).
 *
 * Each behaviour names the OpenBao file and function it follows;
 * docs/openbao-compatibility.md lists them with the tests that cover them.
 *
 * It uses `node:http`, so the same helper runs under Deno and Node. It binds
 * 127.0.0.1 on port 0 and closes every connection on `close()`.
 *
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { createLocalJWKSet, jwtVerify } from "jose";
import {
  type Acl,
  type AclOperation,
  allows,
  buildAcl,
  DEFAULT_POLICY,
  hasMountAccess,
  type PolicyRule,
  sanitizePolicies,
} from "./openbao_acl.ts";

export type { PolicyRule } from "./openbao_acl.ts";

/** Options for {@linkcode startFakeOpenBao}. */
export interface FakeOpenBaoOptions {
  /** The clock, in ms since the epoch, used for token TTLs, JWT checks and KV times. */
  now?: () => number;
  /** The root token. Default `root`. */
  rootToken?: string;
  /** Answer 412 to requests without `X-Vault-Request`, as an agent or proxy may. Default false. */
  requireRequestHeader?: boolean;
  /**
   * Awaited by an AppRole login of a secret id with a use limit, where
   * OpenBao swaps its read lock for a write lock and reads the secret id
   * again (`approle/path_login.go`, `pathLoginUpdate`). Another login can
   * consume the last use in that window; a test makes two logins meet here.
   * Default: one macrotask.
   */
  appRoleLockSwitch?: () => Promise<void>;
}

/** One request the server saw. Tokens are never recorded. */
export interface LoggedRequest {
  readonly method: string;
  /** The path after `/v1/`, without the query. */
  readonly path: string;
  readonly query: string;
  /** The `X-Vault-Namespace` header, if sent. */
  readonly namespace: string | undefined;
  /** Whether an `X-Vault-Token` (or bearer token) was sent. */
  readonly hasToken: boolean;
  /** Whether `X-Vault-Request: true` was sent. */
  readonly requestHeader: boolean;
}

/** A fault injected in front of the normal handling of matching requests. */
export interface Fault {
  /** Only requests with this method (`GET`, `POST`, `LIST`, …). */
  method?: string;
  /** Only requests whose path after `/v1/` matches (a string is a prefix). */
  path?: string | RegExp;
  /** How many requests it applies to; default every one. */
  times?: number;
  /** Answer with this status (and `body`, `headers`) instead of handling. */
  status?: number;
  /**
   * The JSON body of the injected answer; default `{"errors":[]}`. A
   * function builds it from the request's headers and body, as a proxy that
   * echoes the request would.
   */
  body?:
    | unknown
    | ((request: { headers: Record<string, string>; body: string }) => unknown);
  /** Headers of the injected answer, such as `Retry-After`. */
  headers?: Record<string, string>;
  /** Wait this long (server-side) before handling or answering. */
  delayMs?: number;
  /** Never answer; the connection is dropped at `close()` or when the client gives up. */
  hang?: boolean;
  /** Answer 307 to the same path and query on this address (a standby pointing at the active node). */
  redirectTo?: string;
  /** Run this before handling the request normally (to race another writer, for example). */
  before?: () => void;
}

/** A token the server knows. */
export interface TokenInfo {
  policies: string[];
  /** Null for a token that never expires (root). */
  expireAt: number | null;
  ttlSeconds: number;
  maxExpireAt: number | null;
  renewable: boolean;
  issuedAt: number;
  revoked: boolean;
  accessor: string;
  meta: Record<string, string>;
}

/** Options for {@linkcode FakeOpenBao.createToken}. */
export interface CreateTokenOptions {
  policies?: string[];
  /** Default 3600. */
  ttlSeconds?: number;
  /** Renewals never pass issue time + this. Default 24 h. */
  maxTtlSeconds?: number;
  /** Default true. */
  renewable?: boolean;
  /** `bao token create -no-default-policy`: no `default` policy, so no lookup-self or renew-self. */
  noDefaultPolicy?: boolean;
}

/** Options for {@linkcode FakeOpenBao.configureJwtAuth}: the `auth/<mount>/config` and one role. */
export interface JwtAuthOptions {
  /** Default `jwt`. */
  mount?: string;
  /** `oidc_discovery_url` and `bound_issuer`. */
  issuer: string;
  role: string;
  /** `role_type`; as in OpenBao, a role written without it is an `oidc` role. */
  roleType?: "jwt" | "oidc";
  boundAudiences?: string[];
  /** `bound_claims`: every claim must hold one of the values. */
  boundClaims?: Record<string, string | string[]>;
  boundSubject?: string;
  /** `allowed_redirect_uris`, which an `oidc` role must have. */
  allowedRedirectUris?: string[];
  /** Default `sub`. */
  userClaim?: string;
  policies: string[];
  /** `token_no_default_policy`. */
  tokenNoDefaultPolicy?: boolean;
  ttlSeconds?: number;
}

/** The in-process server. */
export interface FakeOpenBao extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** The root token. */
  readonly rootToken: string;
  /** Every request seen, in order. */
  readonly requests: LoggedRequest[];
  /**
   * Enables JWT auth at `auth/<mount>` with one role, as an operator's
   * `bao write auth/<mount>/config` and `bao write auth/<mount>/role/<role>`
   * would; a role write OpenBao refuses rejects with its message.
   */
  configureJwtAuth(options: JwtAuthOptions): Promise<void>;
  /** Enables AppRole auth with one role; returns its role id and a secret id. */
  configureAppRole(options: {
    role: string;
    policies: string[];
    ttlSeconds?: number;
    /** Renewals never pass login time + this. Default 24 h. */
    maxTtlSeconds?: number;
    /** `token_no_default_policy`. */
    tokenNoDefaultPolicy?: boolean;
    /** `secret_id_num_uses`; default 0 (unlimited). */
    secretIdNumUses?: number;
  }): { roleId: string; secretId: string };
  /** Enables userpass auth with one user. */
  configureUserpass(options: {
    username: string;
    password: string;
    policies: string[];
    ttlSeconds?: number;
  }): void;
  /** Adds (or replaces) a policy; `default` may be replaced too, as in OpenBao. */
  addPolicy(name: string, rules: PolicyRule[]): void;
  /** Issues a token. */
  createToken(options?: CreateTokenOptions): string;
  /** Revokes a token. */
  revokeToken(token: string): void;
  /** Every token that is neither revoked nor expired. */
  liveTokens(): string[];
  /** What the server knows of a token, for assertions. */
  tokenInfo(token: string): Readonly<TokenInfo> | undefined;
  /**
   * Mounts a KV engine (default version 2) at `path`, optionally in a
   * namespace such as `ns1/`. A version 1 mount made without `-version`
   * stores no options, as `bao secrets enable kv` does.
   */
  enableKv(
    path: string,
    options?: {
      version?: 1 | 2;
      namespace?: string;
      explicitVersion?: boolean;
    },
  ): void;
  /** Writes a KV v2 value directly, as another writer would. Returns the new version. */
  putKv(
    path: string,
    data: Record<string, unknown>,
    options?: { mount?: string; namespace?: string },
  ): number;
  /** Reads a KV v2 key's latest live data directly, or undefined. */
  readKv(
    path: string,
    options?: { mount?: string; namespace?: string },
  ): Record<string, unknown> | undefined;
  /** Sets `cas_required`, `max_versions` or `delete_version_after` on a KV v2 key's metadata. */
  setKvMetadata(
    path: string,
    meta: {
      casRequired?: boolean;
      maxVersions?: number;
      deleteVersionAfterSeconds?: number;
    },
    options?: { mount?: string },
  ): void;
  /** Sets the mount-wide `<mount>/config` of a KV v2 mount. */
  configureKvMount(
    mount: string,
    config: {
      casRequired?: boolean;
      maxVersions?: number;
      deleteVersionAfterSeconds?: number;
    },
  ): void;
  /** Seals: every request but health answers 503. */
  seal(): void;
  /** Unseals. */
  unseal(): void;
  /** Injects a fault; returns a function that removes it. */
  addFault(fault: Fault): () => void;
  /** Removes every fault. */
  clearFaults(): void;
  /** Stops listening and drops every connection, including hung ones. */
  close(): Promise<void>;
}

interface KvVersion {
  data: Record<string, unknown> | null;
  created_time: string;
  /** ISO time, or "" when the version is not (to be) deleted. */
  deletion_time: string;
  destroyed: boolean;
}

interface KvKey {
  versions: Map<number, KvVersion>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 when unset. */
  delete_version_after: number;
  created_time: string;
  updated_time: string;
  custom_metadata: Record<string, string> | null;
}

interface KvConfig {
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 unset, negative disabled. */
  delete_version_after: number;
}

interface Mount {
  version: 1 | 2;
  /** The mount's `options`, as `sys/internal/ui/mounts` shows them. */
  options: Record<string, string> | null;
  config: KvConfig;
  v2: Map<string, KvKey>;
  v1: Map<string, Record<string, unknown>>;
}

interface JwtRole {
  roleType: "jwt" | "oidc";
  boundAudiences: string[];
  boundClaims: Record<string, string | string[]>;
  boundSubject: string;
  userClaim: string;
  policies: string[];
  noDefaultPolicy: boolean;
  ttlSeconds: number;
}

interface JwtMount {
  issuer: string;
  jwksUri: string;
  roles: Map<string, JwtRole>;
}

interface AppRole {
  roleId: string;
  policies: string[];
  ttlSeconds: number;
  maxTtlSeconds: number;
  noDefaultPolicy: boolean;
  /** Secret id → remaining uses (0: unlimited). */
  secretIds: Map<string, number>;
}

interface ActiveFault extends Fault {
  remaining: number;
}

class HttpError {
  constructor(
    readonly status: number,
    readonly errors: string[] | null,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * The body of a policy denial: `CheckToken` appends `ErrPermissionDenied` to
 * a go-multierror (`internal/vault/request_handling.go`), and `handleRequest`
 * answers `ErrorResponse(ctErr.Error())`, that multierror's text.
 */
const POLICY_DENIED = "1 error occurred:\n\t* permission denied\n\n";
/**
 * The body for a missing, expired or revoked token:
 * `fetchACLTokenEntryAndEntity` returns the bare `ErrPermissionDenied`
 * (`request_handling.go`), which `handleRequest` passes to `ErrorResponse`
 * as it is, and `RespondErrorCommon` (`sdk/logical/response_util.go`) shows
 * the error response's text. Both are 403: a client cannot tell a dead token
 * from a denial by the status, and must not by the wording (Vault ≥ 1.17
 * words it `permission denied` + `invalid token`).
 */
const TOKEN_DENIED = "permission denied";
const MAX_BODY = 32 * 1024 * 1024;
/** `kv` `defaultMaxVersions` (`path_data.go`, `AddVersion`). */
const DEFAULT_MAX_VERSIONS = 10;

/** Starts a fake OpenBao on 127.0.0.1, a random port. */
export async function startFakeOpenBao(
  options: FakeOpenBaoOptions = {},
): Promise<FakeOpenBao> {
  const now = options.now ?? (() => Date.now());
  const rootToken = options.rootToken ?? "root";
  const iso = (ms: number = now()): string => new Date(ms).toISOString();
  const lockSwitch = options.appRoleLockSwitch ??
    (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

  const tokens = new Map<string, TokenInfo>();
  const policies = new Map<string, PolicyRule[]>([
    ["default", [...DEFAULT_POLICY]],
  ]);
  const mounts = new Map<string, Mount>(); // key: `${namespace}|${path}`
  const jwtMounts = new Map<string, JwtMount>();
  const appRoles = new Map<string, AppRole>();
  const users = new Map<
    string,
    { password: string; policies: string[]; ttlSeconds: number }
  >();
  const faults: ActiveFault[] = [];
  const requests: LoggedRequest[] = [];
  const pendingTimers = new Set<ReturnType<typeof setTimeout>>();
  const hung = new Set<ServerResponse>();
  let sealed = false;

  tokens.set(rootToken, {
    policies: ["root"],
    expireAt: null,
    ttlSeconds: 0,
    maxExpireAt: null,
    renewable: false,
    issuedAt: now(),
    revoked: false,
    accessor: randomUUID(),
    meta: {},
  });

  const enableKv = (
    path: string,
    opts: { version?: 1 | 2; namespace?: string; explicitVersion?: boolean } =
      {},
  ): void => {
    const version = opts.version ?? 2;
    mounts.set(`${normaliseNs(opts.namespace)}|${trimSlashes(path)}`, {
      version,
      // `bao secrets enable kv` stores no options; `-version=2` (or
      // `kv-v2`) stores {"version":"2"} (`mountInfo`, logical_system.go).
      options: version === 2 || opts.explicitVersion
        ? { version: String(version) }
        : null,
      config: { max_versions: 0, cas_required: false, delete_version_after: 0 },
      v2: new Map(),
      v1: new Map(),
    });
  };
  enableKv("secret");

  function issue(
    policyNames: string[],
    ttlSeconds: number,
    opts: {
      maxTtlSeconds?: number;
      renewable?: boolean;
      meta?: Record<string, string>;
      noDefaultPolicy?: boolean;
    } = {},
  ): { token: string; info: TokenInfo } {
    const token = `s.${randomUUID().replaceAll("-", "")}`;
    const issuedAt = now();
    const info: TokenInfo = {
      // request_handling.go, LoginCreateToken, and the token store: the
      // role's policies, with `default` unless token_no_default_policy.
      policies: sanitizePolicies(policyNames, opts.noDefaultPolicy ?? false),
      expireAt: issuedAt + ttlSeconds * 1000,
      ttlSeconds,
      maxExpireAt: issuedAt + (opts.maxTtlSeconds ?? 86_400) * 1000,
      renewable: opts.renewable ?? true,
      issuedAt,
      revoked: false,
      accessor: randomUUID(),
      meta: opts.meta ?? {},
    };
    tokens.set(token, info);
    return { token, info };
  }

  /**
   * A login's token (`LoginCreateToken`, request_handling.go): "auth methods
   * cannot create root tokens".
   */
  function issueForLogin(
    policyNames: string[],
    ttlSeconds: number,
    opts: Parameters<typeof issue>[2],
  ): { token: string; info: TokenInfo } {
    if (sanitizePolicies(policyNames, true).includes("root")) {
      throw new HttpError(400, ["auth methods cannot create root tokens"]);
    }
    return issue(policyNames, ttlSeconds, opts);
  }

  function authBlock(token: string, info: TokenInfo): Record<string, unknown> {
    return {
      client_token: token,
      accessor: info.accessor,
      policies: info.policies,
      token_policies: info.policies,
      metadata: info.meta,
      lease_duration: info.ttlSeconds,
      renewable: info.renewable,
      entity_id: randomUUID(),
      token_type: "service",
      orphan: true,
      num_uses: 0,
    };
  }

  function liveToken(token: string | undefined): TokenInfo | undefined {
    if (token === undefined || token === "") return undefined;
    const info = tokens.get(token);
    if (!info || info.revoked) return undefined;
    if (info.expireAt !== null && now() >= info.expireAt) return undefined;
    return info;
  }

  function aclOf(info: TokenInfo): Acl {
    return buildAcl(info.policies, policies);
  }

  function findMount(
    namespace: string,
    path: string,
  ): { mountPath: string; mount: Mount; rest: string } | undefined {
    let best: { mountPath: string; mount: Mount; rest: string } | undefined;
    for (const [id, mount] of mounts) {
      const [ns, mountPath] = id.split("|") as [string, string];
      if (ns !== namespace) continue;
      if (path === mountPath || path.startsWith(`${mountPath}/`)) {
        if (!best || mountPath.length > best.mountPath.length) {
          best = { mountPath, mount, rest: path.slice(mountPath.length + 1) };
        }
      }
    }
    return best;
  }

  function kvMount(
    mount: string | undefined,
    namespace: string | undefined,
  ): Mount {
    const found = mounts.get(`${normaliseNs(namespace)}|${mount ?? "secret"}`);
    if (!found) throw new Error(`no KV mount ${mount ?? "secret"}`);
    return found;
  }

  function newKey(): KvKey {
    const time = iso();
    return {
      versions: new Map(),
      current_version: 0,
      oldest_version: 0,
      max_versions: 0,
      cas_required: false,
      delete_version_after: 0,
      created_time: time,
      updated_time: time,
      custom_metadata: null,
    };
  }

  /**
   * Whether a version's deletion time has come (`pathDataRead`:
   * `deletionTime.Before(time.Now())`). OpenBao's clock has nanoseconds, so
   * a deletion is in the past by the next request; at this clock's
   * milliseconds, "not after now" says the same.
   */
  function isDeleted(v: KvVersion): boolean {
    return v.deletion_time !== "" && Date.parse(v.deletion_time) <= now();
  }

  function putV2(
    mount: Mount,
    path: string,
    data: Record<string, unknown>,
    cas: number | undefined,
    enforceCas = true,
  ): KvKey {
    let key = mount.v2.get(path);
    // path_data.go, validateCheckAndSetOption: a cas must match the current
    // version; without one, cas_required on the mount's config or on the
    // key's metadata refuses the write.
    if (cas !== undefined && cas !== (key?.current_version ?? 0)) {
      throw new HttpError(400, [
        "check-and-set parameter did not match the current version",
      ]);
    }
    if (
      enforceCas && cas === undefined &&
      (mount.config.cas_required || key?.cas_required)
    ) {
      throw new HttpError(400, [
        "check-and-set parameter required for this call",
      ]);
    }
    const created = now();
    const time = iso(created);
    if (!key) {
      key = newKey();
      mount.v2.set(path, key);
    }
    key.current_version += 1;
    if (key.oldest_version === 0) key.oldest_version = 1;
    key.updated_time = time;
    // path_data.go, pathDataWrite, and delete_version_after.go,
    // deletionTime: the shorter of the mount's and the key's
    // delete_version_after, unless the mount disabled it.
    const after = deletionDelay(
      mount.config.delete_version_after,
      key.delete_version_after,
    );
    key.versions.set(key.current_version, {
      data: sortKeys(data) as Record<string, unknown>,
      created_time: time,
      deletion_time: after === undefined ? "" : iso(created + after * 1000),
      destroyed: false,
    });
    // path_data.go, AddVersion: the larger of the key's and the mount's
    // max_versions, else 10.
    const max = Math.max(key.max_versions, mount.config.max_versions) ||
      DEFAULT_MAX_VERSIONS;
    while (key.current_version - key.oldest_version >= max) {
      key.versions.delete(key.oldest_version);
      key.oldest_version += 1;
    }
    return key;
  }

  function versionMeta(key: KvKey, version: number): Record<string, unknown> {
    const v = key.versions.get(version)!;
    return {
      created_time: v.created_time,
      custom_metadata: key.custom_metadata,
      deletion_time: v.deletion_time,
      destroyed: v.destroyed,
      version,
    };
  }

  function envelope(
    data: unknown,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      request_id: randomUUID(),
      lease_id: "",
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: null,
      auth: null,
      ...extra,
    };
  }

  /**
   * `auth/<mount>/role/<name>` writes (`jwt/path_role.go`,
   * `pathRoleCreateUpdate`): `role_type` defaults to `oidc`, an `oidc` role
   * needs `allowed_redirect_uris`, and a `jwt` role needs a bound
   * constraint.
   */
  function writeJwtRole(
    mount: JwtMount,
    name: string,
    body: Record<string, unknown>,
  ): void {
    const roleType = typeof body.role_type === "string" && body.role_type !== ""
      ? body.role_type
      : "oidc";
    if (roleType !== "jwt" && roleType !== "oidc") {
      throw new HttpError(400, [`invalid 'role_type': ${roleType}`]);
    }
    const boundAudiences = stringList(body.bound_audiences);
    const boundClaims = isObject(body.bound_claims)
      ? body.bound_claims as Record<string, string | string[]>
      : {};
    const boundSubject = typeof body.bound_subject === "string"
      ? body.bound_subject
      : "";
    const userClaim = typeof body.user_claim === "string" &&
        body.user_claim !== ""
      ? body.user_claim
      : "";
    if (userClaim === "") {
      throw new HttpError(400, ["a user claim must be defined on the role"]);
    }
    if (
      roleType === "oidc" &&
      stringList(body.allowed_redirect_uris).length === 0
    ) {
      throw new HttpError(400, [
        "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
      ]);
    }
    if (
      roleType !== "oidc" && boundAudiences.length === 0 &&
      boundSubject === "" && Object.keys(boundClaims).length === 0
    ) {
      throw new HttpError(400, [
        "must have at least one bound constraint when creating/updating a role",
      ]);
    }
    mount.roles.set(name, {
      roleType,
      boundAudiences,
      boundClaims,
      boundSubject,
      userClaim,
      policies: stringList(body.token_policies),
      noDefaultPolicy: body.token_no_default_policy === true,
      ttlSeconds: typeof body.token_ttl === "number"
        ? body.token_ttl
        : parseDuration(String(body.token_ttl ?? "1h")),
    });
  }

  /** `jwt/path_login.go`, `pathLogin`, and `claims.go`, `validateBoundClaims`. */
  async function jwtLogin(
    mountName: string,
    body: Record<string, unknown>,
  ): Promise<unknown> {
    const mount = jwtMounts.get(mountName)!;
    const roleName = body.role;
    if (typeof roleName !== "string" || roleName === "") {
      throw new HttpError(400, ["missing role"]);
    }
    const role = mount.roles.get(roleName);
    if (!role) {
      throw new HttpError(400, [`role "${roleName}" could not be found`]);
    }
    if (role.roleType === "oidc") {
      throw new HttpError(400, ["role with oidc role_type is not allowed"]);
    }
    if (typeof body.jwt !== "string" || body.jwt === "") {
      throw new HttpError(400, ["missing token"]);
    }
    let claims: Record<string, unknown>;
    try {
      const jwks = await fetchJson(mount.jwksUri);
      const keySet = createLocalJWKSet(
        jwks as Parameters<typeof createLocalJWKSet>[0],
      );
      // bound_issuer exactly, bound_audiences against aud, exp and nbf with
      // the default 150 s leeways.
      const verified = await jwtVerify(body.jwt, keySet, {
        issuer: mount.issuer,
        ...(role.boundAudiences.length > 0
          ? { audience: role.boundAudiences }
          : {}),
        ...(role.boundSubject ? { subject: role.boundSubject } : {}),
        clockTolerance: 150,
        currentDate: new Date(now()),
      });
      claims = verified.payload as Record<string, unknown>;
    } catch (error) {
      throw new HttpError(400, [
        `error validating token: ${(error as Error).message}`,
      ]);
    }
    const aud = claims.aud;
    if (
      Array.isArray(aud) && aud.length > 0 && role.boundAudiences.length === 0
    ) {
      throw new HttpError(400, [
        "audience claim found in JWT but no audiences bound to the role",
      ]);
    }
    const user = claims[role.userClaim];
    if (user === undefined) {
      throw new HttpError(400, [
        `claim "${role.userClaim}" not found in token`,
      ]);
    }
    for (const [claim, expected] of Object.entries(role.boundClaims)) {
      const actual = claims[claim];
      if (actual === undefined) {
        throw new HttpError(400, [
          `error validating claims: claim "${claim}" is missing`,
        ]);
      }
      const actualList = Array.isArray(actual) ? actual : [actual];
      const expectedList = Array.isArray(expected) ? expected : [expected];
      if (!expectedList.some((e) => actualList.includes(e))) {
        throw new HttpError(400, [
          `error validating claims: claim "${claim}" does not match any associated bound claim values`,
        ]);
      }
    }
    const { token, info } = issueForLogin(role.policies, role.ttlSeconds, {
      meta: { role: roleName },
      noDefaultPolicy: role.noDefaultPolicy,
    });
    return envelope(null, { auth: authBlock(token, info) });
  }

  /** `approle/path_login.go`, `pathLoginUpdate`. */
  async function appRoleLogin(body: Record<string, unknown>): Promise<unknown> {
    const roleId = typeof body.role_id === "string" ? body.role_id.trim() : "";
    if (roleId === "") throw new HttpError(400, ["missing role_id"]);
    const role = [...appRoles.values()].find((r) => r.roleId === roleId);
    if (!role) throw new HttpError(400, ["invalid role or secret ID"]);
    const secretId = typeof body.secret_id === "string"
      ? body.secret_id.trim()
      : "";
    if (secretId === "") throw new HttpError(400, ["missing secret_id"]);
    const uses = role.secretIds.get(secretId);
    if (uses === undefined) {
      throw new HttpError(400, ["invalid role or secret ID"]);
    }
    if (uses > 0) {
      // A limited secret id: the read lock is swapped for a write lock and
      // the entry read again; if another login took its last use meanwhile,
      // OpenBao answers with the secret id itself in the message.
      await lockSwitch();
      const left = role.secretIds.get(secretId);
      if (left === undefined) {
        throw new HttpError(400, [
          `invalid secret_id ${JSON.stringify(secretId)}`,
        ]);
      }
      if (left === 1) role.secretIds.delete(secretId);
      else role.secretIds.set(secretId, left - 1);
    }
    const { token, info } = issueForLogin(role.policies, role.ttlSeconds, {
      maxTtlSeconds: role.maxTtlSeconds,
      noDefaultPolicy: role.noDefaultPolicy,
    });
    return envelope(null, { auth: authBlock(token, info) });
  }

  /**
   * The ACL check every authenticated request goes through before it is
   * routed (`CheckToken` → `performPolicyChecks`, request_handling.go), so a
   * path under no mount is a 403 for a token that may not use it and a 404
   * `no handler for route` only for one that may.
   */
  function need(info: TokenInfo, path: string, operation: AclOperation): void {
    if (!allows(aclOf(info), path, operation)) {
      throw new HttpError(403, [POLICY_DENIED]);
    }
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const method = (req.method ?? "GET").toUpperCase();
    const rawToken = header(req, "x-vault-token") ??
      header(req, "authorization")?.replace(/^Bearer\s+/i, "");
    const namespaceHeader = header(req, "x-vault-namespace");
    const path = url.pathname.startsWith("/v1/")
      ? url.pathname.slice(4)
      : url.pathname.slice(1);
    requests.push({
      method,
      path,
      query: url.search,
      namespace: namespaceHeader,
      hasToken: rawToken !== undefined,
      requestHeader: header(req, "x-vault-request") === "true",
    });

    const fault = faults.find((f) =>
      f.remaining > 0 &&
      (f.method === undefined || f.method.toUpperCase() === method) &&
      (f.path === undefined || (typeof f.path === "string"
        ? path.startsWith(f.path)
        : f.path.test(path)))
    );
    if (fault) {
      fault.remaining -= 1;
      if (fault.delayMs !== undefined) {
        const closed = await wait(fault.delayMs, req);
        if (closed) return;
      }
      if (fault.hang) {
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      if (fault.redirectTo !== undefined) {
        res.writeHead(307, {
          Location: `${fault.redirectTo}${url.pathname}${url.search}`,
          "Content-Length": "0",
        });
        res.end();
        return;
      }
      if (fault.status !== undefined) {
        const requestBody = await readBody(req) ?? "";
        const body = typeof fault.body === "function"
          ? fault.body({ headers: flatHeaders(req), body: requestBody })
          : fault.body;
        send(res, fault.status, body ?? { errors: [] }, fault.headers);
        return;
      }
      fault.before?.();
    }

    const bodyText = await readBody(req);
    if (bodyText === undefined) return;
    if (bodyText.length > MAX_BODY) {
      throw new HttpError(413, ["http: request body too large"]);
    }

    if (path === "sys/health" && method === "GET") {
      send(res, sealed ? 503 : 200, {
        initialized: true,
        sealed,
        standby: false,
        server_time_utc: Math.floor(now() / 1000),
        version: "2.6.0",
      });
      return;
    }
    if (
      options.requireRequestHeader && header(req, "x-vault-request") !== "true"
    ) {
      throw new HttpError(412, ["missing 'X-Vault-Request' header"]);
    }
    if (sealed) throw new HttpError(503, ["Vault is sealed"]);

    let body: Record<string, unknown> = {};
    if (bodyText !== "") {
      try {
        body = JSON.parse(bodyText);
      } catch {
        throw new HttpError(400, ["failed to parse JSON input"]);
      }
    }
    const namespace = normaliseNs(namespaceHeader);
    const listing = method === "LIST" ||
      (method === "GET" && url.searchParams.get("list") === "true");

    // Logins: unauthenticated, no token needed.
    const loginMatch = /^auth\/([^/]+)\/login$/.exec(path);
    if (method === "POST" && loginMatch && jwtMounts.has(loginMatch[1]!)) {
      send(res, 200, await jwtLogin(loginMatch[1]!, body));
      return;
    }
    if (method === "POST" && path === "auth/approle/login") {
      send(res, 200, await appRoleLogin(body));
      return;
    }
    const userMatch = /^auth\/userpass\/login\/([^/]+)$/.exec(path);
    if (method === "POST" && userMatch) {
      const user = users.get(userMatch[1]!);
      if (!user || user.password !== body.password) {
        throw new HttpError(400, ["invalid username or password"]);
      }
      const { token, info } = issueForLogin(user.policies, user.ttlSeconds, {});
      send(res, 200, envelope(null, { auth: authBlock(token, info) }));
      return;
    }

    // An unauthenticated handler: it reads the token itself
    // (logical_system.go, pathInternalUIMountRead).
    const uiMounts = /^sys\/internal\/ui\/mounts\/(.+)$/.exec(path);
    if (uiMounts && method === "GET") {
      const info = liveToken(rawToken);
      // fetchACLTokenEntryAndEntity's bare ErrPermissionDenied.
      if (!info) throw new HttpError(403, [TOKEN_DENIED]);
      const mountPath = `${trimSlashes(uiMounts[1]!)}/`;
      const preflight = new HttpError(403, [
        `preflight capability check returned 403, please ensure client's policies grant access to path ${
          JSON.stringify(mountPath)
        }`,
      ]);
      // No mount there: the same 403 as for a mount the token cannot see,
      // root included, "so this path cannot be used to brute force a list
      // of mounts".
      const found = findMount(namespace, trimSlashes(uiMounts[1]!));
      if (!found) throw preflight;
      if (!hasMountAccess(aclOf(info), `${found.mountPath}/`)) throw preflight;
      send(
        res,
        200,
        envelope({
          type: "kv",
          path: `${found.mountPath}/`,
          options: found.mount.options,
          description: "",
          local: false,
          seal_wrap: false,
        }),
      );
      return;
    }

    // Everything else is authenticated: a missing, expired or revoked token
    // is refused before anything else (CheckToken).
    const info = liveToken(rawToken);
    if (!info) throw new HttpError(403, [TOKEN_DENIED]);

    if (path === "auth/token/lookup-self" && method === "GET") {
      // Granted by the default policy only (policy_store.go, DefaultPolicy).
      need(info, path, "read");
      const ttl = info.expireAt === null
        ? 0
        : Math.max(0, Math.floor((info.expireAt - now()) / 1000));
      send(
        res,
        200,
        envelope({
          accessor: info.accessor,
          creation_time: Math.floor(info.issuedAt / 1000),
          creation_ttl: info.ttlSeconds,
          expire_time: info.expireAt === null
            ? null
            : new Date(info.expireAt).toISOString(),
          explicit_max_ttl: 0,
          id: rawToken,
          policies: info.policies,
          renewable: info.renewable,
          ttl,
          type: "service",
          meta: info.meta,
        }),
      );
      return;
    }
    if (
      path === "auth/token/renew-self" &&
      (method === "POST" || method === "PUT")
    ) {
      // Granted by the default policy only; then expiration.go, RenewToken.
      need(info, path, "update");
      if (info.expireAt === null) {
        throw new HttpError(400, ["invalid lease ID"]);
      }
      if (!info.renewable) throw new HttpError(400, ["lease is not renewable"]);
      const increment =
        typeof body.increment === "string" || typeof body.increment === "number"
          ? parseDuration(body.increment)
          : info.ttlSeconds;
      let expireAt = now() + increment * 1000;
      let warnings: string[] | null = null;
      if (info.maxExpireAt !== null && expireAt > info.maxExpireAt) {
        expireAt = info.maxExpireAt;
        warnings = [
          'TTL of "' + increment +
          's" exceeded the effective max_ttl; TTL value is capped accordingly',
        ];
      }
      info.expireAt = expireAt;
      const ttl = Math.max(0, Math.floor((expireAt - now()) / 1000));
      send(
        res,
        200,
        envelope(null, {
          warnings,
          auth: { ...authBlock(rawToken!, info), lease_duration: ttl },
        }),
      );
      return;
    }

    const roleWrite = /^auth\/([^/]+)\/role\/([^/]+)$/.exec(path);
    if (
      roleWrite && jwtMounts.has(roleWrite[1]!) &&
      (method === "POST" || method === "PUT")
    ) {
      const mount = jwtMounts.get(roleWrite[1]!)!;
      need(
        info,
        path,
        mount.roles.has(roleWrite[2]!) ? "update" : "create",
      );
      writeJwtRole(mount, roleWrite[2]!, body);
      res.writeHead(204).end();
      return;
    }

    const found = findMount(namespace, path);
    const operation: AclOperation = listing
      ? "list"
      : method === "GET"
      ? "read"
      : method === "DELETE"
      ? "delete"
      : method === "PATCH"
      ? "patch"
      : existsForWrite(found)
      ? "update"
      : "create";
    // OpenBao adds the trailing slash to a list path before the ACL check.
    const aclPath = listing && !path.endsWith("/") ? `${path}/` : path;
    need(info, aclPath, operation);
    if (!found) {
      throw new HttpError(404, [
        `no handler for route ${JSON.stringify(path)}. route entry not found.`,
      ]);
    }
    const { mount, rest } = found;
    if (mount.version === 1) {
      handleV1(res, method, listing, mount, rest, body);
      return;
    }
    handleV2(req, res, method, listing, mount, rest, body, url);
  }

  /** The existence check OpenBao runs to tell a create from an update (`CheckToken`). */
  function existsForWrite(
    found: { mount: Mount; rest: string } | undefined,
  ): boolean {
    if (!found) return false;
    const { mount, rest } = found;
    if (mount.version === 1) return mount.v1.has(rest); // passthrough.go, handleExistenceCheck
    const slash = rest.indexOf("/");
    const area = slash === -1 ? rest : rest.slice(0, slash);
    const keyPath = slash === -1 ? "" : rest.slice(slash + 1);
    // path_data.go dataExistenceCheck and path_metadata.go
    // metadataExistenceCheck: the key's metadata exists; the delete,
    // undelete, destroy and config paths have no existence check (update).
    if (area === "data" || area === "metadata") return mount.v2.has(keyPath);
    return true;
  }

  function handleV1(
    res: ServerResponse,
    method: string,
    listing: boolean,
    mount: Mount,
    rest: string,
    body: Record<string, unknown>,
  ): void {
    if (listing) {
      const keys = listKeys([...mount.v1.keys()], rest);
      if (keys.length === 0) throw new HttpError(404, []);
      send(res, 200, envelope({ keys }));
      return;
    }
    switch (method) {
      case "GET": {
        const data = mount.v1.get(rest);
        if (!data) throw new HttpError(404, []);
        send(res, 200, envelope(data, { lease_duration: 2764800 }));
        return;
      }
      case "POST":
      case "PUT":
        // passthrough.go, handleWrite: "Check that some fields are given".
        if (Object.keys(body).length === 0) {
          throw new HttpError(400, ["missing data fields"]);
        }
        mount.v1.set(rest, sortKeys(body) as Record<string, unknown>);
        res.writeHead(204).end();
        return;
      case "DELETE":
        mount.v1.delete(rest);
        res.writeHead(204).end();
        return;
      default:
        throw new HttpError(405, ["unsupported operation"]);
    }
  }

  function handleV2(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    listing: boolean,
    mount: Mount,
    rest: string,
    body: Record<string, unknown>,
    url: URL,
  ): void {
    const slash = rest.indexOf("/");
    const area = slash === -1 ? rest : rest.slice(0, slash);
    const keyPath = slash === -1 ? "" : rest.slice(slash + 1);
    switch (area) {
      case "config":
        if (keyPath === "") return v2Config();
        break;
      case "data":
        return v2Data();
      case "metadata":
        return v2Metadata();
      case "delete":
      case "undelete":
      case "destroy":
        return v2Versions();
    }
    // kv's versioned backend: a path that is none of its patterns.
    send(
      res,
      404,
      envelope(null, {
        warnings: [
          "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
        ],
      }),
    );

    /** path_config.go, pathConfigRead and pathConfigWrite. */
    function v2Config(): void {
      if (method === "GET") {
        send(
          res,
          200,
          envelope({
            max_versions: mount.config.max_versions,
            cas_required: mount.config.cas_required,
            metadata_cas_required: false,
            delete_version_after: formatDuration(
              Math.max(0, mount.config.delete_version_after),
            ),
          }),
        );
        return;
      }
      if (method !== "POST" && method !== "PUT") {
        throw new HttpError(405, ["unsupported operation"]);
      }
      if (typeof body.max_versions === "number") {
        mount.config.max_versions = body.max_versions;
      }
      if (typeof body.cas_required === "boolean") {
        mount.config.cas_required = body.cas_required;
      }
      if (
        typeof body.delete_version_after === "string" ||
        typeof body.delete_version_after === "number"
      ) {
        mount.config.delete_version_after = parseDuration(
          body.delete_version_after,
        );
      }
      res.writeHead(204).end();
    }

    /** path_data.go: pathDataRead, pathDataWrite, pathDataPatch, pathDataDelete. */
    function v2Data(): void {
      const key = mount.v2.get(keyPath);
      switch (method) {
        case "GET": {
          const param = Number(url.searchParams.get("version") ?? 0);
          const version = param > 0 ? param : key?.current_version;
          const v = version === undefined
            ? undefined
            : key?.versions.get(version);
          if (!key || version === undefined || !v) throw new HttpError(404, []);
          // Deleted (a deletion time in the past; one in the future, from
          // delete_version_after, is still live) or destroyed: 404 with the
          // metadata and no data.
          if (isDeleted(v) || v.destroyed) {
            send(
              res,
              404,
              envelope({ data: null, metadata: versionMeta(key, version) }),
            );
            return;
          }
          send(
            res,
            200,
            envelope({ data: v.data, metadata: versionMeta(key, version) }),
          );
          return;
        }
        case "POST":
        case "PUT": {
          const data = body.data;
          if (
            typeof data !== "object" || data === null || Array.isArray(data)
          ) {
            throw new HttpError(400, ["no data provided"]);
          }
          const options = body.options as { cas?: unknown } | undefined;
          const cas = typeof options?.cas === "number"
            ? options.cas
            : undefined;
          const written = putV2(
            mount,
            keyPath,
            data as Record<string, unknown>,
            cas,
          );
          send(
            res,
            200,
            envelope(versionMeta(written, written.current_version)),
          );
          return;
        }
        case "PATCH": {
          if (
            !header(req, "content-type")?.startsWith(
              "application/merge-patch+json",
            )
          ) {
            throw new HttpError(415, [
              "PATCH requires Content-Type application/merge-patch+json",
            ]);
          }
          const latest = key?.versions.get(key.current_version);
          if (
            !key || !latest || latest.data === null || isDeleted(latest) ||
            latest.destroyed
          ) {
            res.writeHead(404).end();
            return;
          }
          const merged = mergePatch(latest.data, body.data) as Record<
            string,
            unknown
          >;
          const options = body.options as { cas?: unknown } | undefined;
          const written = putV2(
            mount,
            keyPath,
            merged,
            typeof options?.cas === "number" ? options.cas : undefined,
          );
          send(
            res,
            200,
            envelope(versionMeta(written, written.current_version)),
          );
          return;
        }
        case "DELETE": {
          // The latest version, unless it is destroyed or already deleted; a
          // deletion time still to come is brought forward to now.
          const latest = key?.versions.get(key.current_version);
          if (latest && !latest.destroyed && !isDeleted(latest)) {
            latest.deletion_time = iso();
          }
          res.writeHead(204).end();
          return;
        }
        default:
          throw new HttpError(405, ["unsupported operation"]);
      }
    }

    /** path_metadata.go: pathMetadataList, pathMetadataRead, pathMetadataWrite, pathMetadataDelete. */
    function v2Metadata(): void {
      if (listing) {
        // Every key that still has metadata, soft-deleted and destroyed
        // ones included.
        const keys = listKeys([...mount.v2.keys()], keyPath);
        if (keys.length === 0) throw new HttpError(404, []);
        send(res, 200, envelope({ keys }));
        return;
      }
      const key = mount.v2.get(keyPath);
      switch (method) {
        case "GET": {
          if (!key) throw new HttpError(404, []);
          const versions: Record<string, unknown> = {};
          for (const [n, v] of key.versions) {
            versions[String(n)] = {
              created_time: v.created_time,
              deletion_time: v.deletion_time,
              destroyed: v.destroyed,
            };
          }
          send(
            res,
            200,
            envelope({
              cas_required: key.cas_required,
              created_time: key.created_time,
              current_version: key.current_version,
              custom_metadata: key.custom_metadata,
              delete_version_after: formatDuration(key.delete_version_after),
              max_versions: key.max_versions,
              oldest_version: key.oldest_version,
              updated_time: key.updated_time,
              versions,
            }),
          );
          return;
        }
        case "POST":
        case "PUT": {
          const target = key ?? newKey();
          mount.v2.set(keyPath, target);
          if (typeof body.cas_required === "boolean") {
            target.cas_required = body.cas_required;
          }
          if (typeof body.max_versions === "number") {
            target.max_versions = body.max_versions;
          }
          if (
            typeof body.delete_version_after === "string" ||
            typeof body.delete_version_after === "number"
          ) {
            target.delete_version_after = parseDuration(
              body.delete_version_after,
            );
          }
          if (typeof body.custom_metadata === "object") {
            target.custom_metadata = body.custom_metadata as Record<
              string,
              string
            >;
          }
          res.writeHead(204).end();
          return;
        }
        case "DELETE":
          mount.v2.delete(keyPath);
          res.writeHead(204).end();
          return;
        default:
          throw new HttpError(405, ["unsupported operation"]);
      }
    }

    /** path_delete.go (pathDeleteWrite, pathUndeleteWrite) and path_destroy.go (pathDestroyWrite). */
    function v2Versions(): void {
      if (method !== "POST" && method !== "PUT") {
        throw new HttpError(405, ["unsupported operation"]);
      }
      const key = mount.v2.get(keyPath);
      const list = Array.isArray(body.versions)
        ? body.versions as number[]
        : [];
      if (list.length === 0) {
        throw new HttpError(400, ["No version number provided"]);
      }
      for (const n of list) {
        const v = key?.versions.get(n);
        if (!v) continue;
        if (area === "delete" && !v.destroyed && !isDeleted(v)) {
          v.deletion_time = iso();
        }
        if (area === "undelete" && !v.destroyed) v.deletion_time = "";
        if (area === "destroy") {
          v.destroyed = true;
          v.data = null;
        }
      }
      res.writeHead(204).end();
    }
  }

  function wait(ms: number, req: IncomingMessage): Promise<boolean> {
    return new Promise((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        pendingTimers.delete(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        req.off("close", onClose);
        resolve(false);
      }, ms);
      pendingTimers.add(timer);
      req.once("close", onClose);
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent || res.writableEnded) return;
      if (error instanceof HttpError) {
        send(
          res,
          error.status,
          error.errors === null ? null : { errors: error.errors },
          error.headers,
        );
      } else {
        send(res, 500, {
          errors: [`internal error: ${(error as Error).message}`],
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  const fake: FakeOpenBao = {
    address: `http://127.0.0.1:${port}`,
    rootToken,
    requests,
    async configureJwtAuth(opts): Promise<void> {
      const issuer = opts.issuer.replace(/\/$/, "");
      const discovery = await fetchJson(
        `${issuer}/.well-known/openid-configuration`,
      ) as { jwks_uri?: string };
      if (typeof discovery.jwks_uri !== "string") {
        throw new Error("discovery has no jwks_uri");
      }
      const name = opts.mount ?? "jwt";
      const mount: JwtMount = jwtMounts.get(name) ??
        { issuer: opts.issuer, jwksUri: discovery.jwks_uri, roles: new Map() };
      mount.issuer = opts.issuer;
      mount.jwksUri = discovery.jwks_uri;
      jwtMounts.set(name, mount);
      try {
        writeJwtRole(mount, opts.role, {
          ...(opts.roleType ? { role_type: opts.roleType } : {}),
          bound_audiences: opts.boundAudiences ?? [],
          bound_claims: opts.boundClaims ?? {},
          bound_subject: opts.boundSubject ?? "",
          allowed_redirect_uris: opts.allowedRedirectUris ?? [],
          user_claim: opts.userClaim ?? "sub",
          token_policies: opts.policies,
          token_no_default_policy: opts.tokenNoDefaultPolicy ?? false,
          token_ttl: opts.ttlSeconds ?? 3600,
        });
      } catch (error) {
        if (error instanceof HttpError) {
          throw new Error(
            `OpenBao refused the role write: ${error.errors?.join("; ")}`,
          );
        }
        throw error;
      }
    },
    configureAppRole(opts): { roleId: string; secretId: string } {
      const creds = { roleId: randomUUID(), secretId: randomUUID() };
      appRoles.set(opts.role, {
        roleId: creds.roleId,
        policies: opts.policies,
        ttlSeconds: opts.ttlSeconds ?? 3600,
        maxTtlSeconds: opts.maxTtlSeconds ?? 86_400,
        noDefaultPolicy: opts.tokenNoDefaultPolicy ?? false,
        secretIds: new Map([[creds.secretId, opts.secretIdNumUses ?? 0]]),
      });
      return creds;
    },
    configureUserpass(opts): void {
      users.set(opts.username, {
        password: opts.password,
        policies: opts.policies,
        ttlSeconds: opts.ttlSeconds ?? 3600,
      });
    },
    addPolicy(name, rules): void {
      policies.set(name, rules);
    },
    createToken(opts = {}): string {
      return issue(opts.policies ?? [], opts.ttlSeconds ?? 3600, {
        ...(opts.maxTtlSeconds === undefined
          ? {}
          : { maxTtlSeconds: opts.maxTtlSeconds }),
        ...(opts.renewable === undefined ? {} : { renewable: opts.renewable }),
        noDefaultPolicy: opts.noDefaultPolicy ?? false,
      }).token;
    },
    revokeToken(token): void {
      const info = tokens.get(token);
      if (info) info.revoked = true;
    },
    liveTokens(): string[] {
      return [...tokens.keys()].filter((token) =>
        liveToken(token) !== undefined
      );
    },
    tokenInfo(token): Readonly<TokenInfo> | undefined {
      return tokens.get(token);
    },
    enableKv,
    putKv(path, data, opts = {}): number {
      // An operator's write: it skips cas_required, as a fresh CAS would pass.
      return putV2(
        kvMount(opts.mount, opts.namespace),
        path,
        data,
        undefined,
        false,
      ).current_version;
    },
    readKv(path, opts = {}): Record<string, unknown> | undefined {
      const key = kvMount(opts.mount, opts.namespace).v2.get(path);
      const v = key?.versions.get(key.current_version);
      return v && !isDeleted(v) && !v.destroyed && v.data ? v.data : undefined;
    },
    setKvMetadata(path, meta, opts = {}): void {
      const mount = kvMount(opts.mount, undefined);
      const key = mount.v2.get(path) ?? newKey();
      mount.v2.set(path, key);
      if (meta.casRequired !== undefined) key.cas_required = meta.casRequired;
      if (meta.maxVersions !== undefined) key.max_versions = meta.maxVersions;
      if (meta.deleteVersionAfterSeconds !== undefined) {
        key.delete_version_after = meta.deleteVersionAfterSeconds;
      }
    },
    configureKvMount(name, config): void {
      const mount = kvMount(name, undefined);
      if (config.casRequired !== undefined) {
        mount.config.cas_required = config.casRequired;
      }
      if (config.maxVersions !== undefined) {
        mount.config.max_versions = config.maxVersions;
      }
      if (config.deleteVersionAfterSeconds !== undefined) {
        mount.config.delete_version_after = config.deleteVersionAfterSeconds;
      }
    },
    seal(): void {
      sealed = true;
    },
    unseal(): void {
      sealed = false;
    },
    addFault(fault): () => void {
      const active: ActiveFault = {
        ...fault,
        remaining: fault.times ?? Infinity,
      };
      faults.push(active);
      return () => {
        const i = faults.indexOf(active);
        if (i !== -1) faults.splice(i, 1);
      };
    },
    clearFaults(): void {
      faults.length = 0;
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        for (const res of hung) res.destroy();
        hung.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    [Symbol.asyncDispose](): Promise<void> {
      return this.close();
    },
  };
  return fake;
}

/**
 * Returns a `http://127.0.0.1:<port>` address where nothing listens: a port
 * that was bound and released, so connecting is refused.
 */
export async function closedPortAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * `delete_version_after.go`, `deletionTime`: the shorter of the mount's and
 * the key's non-zero settings, in seconds; `undefined` when neither is set
 * or the mount disabled it (a negative setting).
 */
function deletionDelay(mount: number, key: number): number | undefined {
  if (mount < 0) return undefined;
  if (mount === 0 && key === 0) return undefined;
  if (key !== 0 && (mount === 0 || key < mount)) return key;
  return mount;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === null) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
  });
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return JSON.parse(text);
}

function normaliseNs(namespace: string | undefined): string {
  if (!namespace) return "";
  return trimSlashes(namespace) + "/";
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A comma-separated string or a list, as OpenBao's `TypeCommaStringSlice`. */
function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== "");
  if (typeof value === "string") {
    return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  }
  return [];
}

function listKeys(paths: string[], dir: string): string[] {
  const base = dir === "" || dir.endsWith("/") ? dir : `${dir}/`;
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(base)) continue;
    const rest = path.slice(base.length);
    const slash = rest.indexOf("/");
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...keys].filter((k) => k !== "").sort();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value).sort().map((
        k,
      ) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return patch;
  }
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...target as Record<string, unknown> }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Seconds from a number or a Go-style duration (`90`, `30s`, `5m`, `1h`, `-1s`). */
function parseDuration(value: string | number): number {
  if (typeof value === "number") return value;
  const match = /^(-?\d+)([smh]?)$/.exec(value);
  if (!match) return 0;
  const n = Number(match[1]);
  return match[2] === "h" ? n * 3600 : match[2] === "m" ? n * 60 : n;
}

/** Go's `time.Duration.String()` for whole seconds (`0s`, `1h0m0s`). */
function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}
