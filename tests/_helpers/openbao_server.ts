/**
 * An in-process OpenBao server for tests, faithful to
 * /work/shared/docs/openbao-wire.md: the response envelope, KV v2 (versions,
 * soft delete, destroy, CAS, `cas_required`, metadata, list), KV v1 mounts,
 * tokens with a TTL under an injected clock, JWT login verified against the
 * issuer's real JWKS (found through OIDC discovery, checked with `jose`),
 * AppRole, userpass, namespaces, seal, and injected faults (429 with
 * `Retry-After`, 5xx, slow or hung responses, 307 to another node).
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

/** Options for {@linkcode startFakeOpenBao}. */
export interface FakeOpenBaoOptions {
  /** The clock, in ms since the epoch, used for token TTLs, JWT checks and KV times. */
  now?: () => number;
  /** The root token. Default `root`. */
  rootToken?: string;
  /** Answer 412 to requests without `X-Vault-Request`, as an agent or proxy may. Default false. */
  requireRequestHeader?: boolean;
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
  /** The JSON body of the injected answer; default `{"errors":[]}`. */
  body?: unknown;
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
}

/** A policy rule: capabilities on a path glob (`*` at the end is a prefix, `+` one segment). */
export interface PolicyRule {
  path: string;
  capabilities: string[];
}

/** The in-process server. */
export interface FakeOpenBao extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** The root token. */
  readonly rootToken: string;
  /** Every request seen, in order. */
  readonly requests: LoggedRequest[];
  /** Enables JWT auth at `auth/<mount>` with one role. */
  configureJwtAuth(options: {
    mount?: string;
    issuer: string;
    role: string;
    boundAudiences: string[];
    userClaim?: string;
    policies: string[];
    ttlSeconds?: number;
    roleType?: "jwt" | "oidc";
  }): Promise<void>;
  /** Enables AppRole auth with one role; returns its role id and a secret id. */
  configureAppRole(options: {
    role: string;
    policies: string[];
    ttlSeconds?: number;
    /** Renewals never pass login time + this. Default 24 h. */
    maxTtlSeconds?: number;
  }): { roleId: string; secretId: string };
  /** Enables userpass auth with one user. */
  configureUserpass(options: {
    username: string;
    password: string;
    policies: string[];
    ttlSeconds?: number;
  }): void;
  /** Adds (or replaces) a policy. */
  addPolicy(name: string, rules: PolicyRule[]): void;
  /** Issues a token. */
  createToken(options?: CreateTokenOptions): string;
  /** Revokes a token. */
  revokeToken(token: string): void;
  /** Every token that is neither revoked nor expired. */
  liveTokens(): string[];
  /** What the server knows of a token, for assertions. */
  tokenInfo(token: string): Readonly<TokenInfo> | undefined;
  /** Mounts a KV engine (default version 2) at `path`, optionally in a namespace such as `ns1/`. */
  enableKv(
    path: string,
    options?: { version?: 1 | 2; namespace?: string },
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
  /** Sets `cas_required` (and optionally `max_versions`) on a KV v2 key's metadata. */
  setKvMetadata(
    path: string,
    meta: { casRequired?: boolean; maxVersions?: number },
    options?: { mount?: string },
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
  deletion_time: string;
  destroyed: boolean;
}

interface KvKey {
  versions: Map<number, KvVersion>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  created_time: string;
  updated_time: string;
  custom_metadata: Record<string, string> | null;
}

interface Mount {
  version: 1 | 2;
  v2: Map<string, KvKey>;
  v1: Map<string, Record<string, unknown>>;
}

interface JwtRole {
  issuer: string;
  roleType: "jwt" | "oidc";
  boundAudiences: string[];
  userClaim: string;
  policies: string[];
  ttlSeconds: number;
  jwksUri: string;
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

const POLICY_DENIED = "1 error occurred:\n\t* permission denied\n\n";
const MAX_BODY = 32 * 1024 * 1024;

/** Starts a fake OpenBao on 127.0.0.1, a random port. */
export async function startFakeOpenBao(
  options: FakeOpenBaoOptions = {},
): Promise<FakeOpenBao> {
  const now = options.now ?? (() => Date.now());
  const rootToken = options.rootToken ?? "root";
  const iso = (): string => new Date(now()).toISOString();

  const tokens = new Map<string, TokenInfo>();
  const policies = new Map<string, PolicyRule[]>();
  const mounts = new Map<string, Mount>(); // key: `${namespace}|${path}`
  const jwtMounts = new Map<string, Map<string, JwtRole>>();
  const appRoles = new Map<
    string,
    {
      roleId: string;
      secretId: string;
      policies: string[];
      ttlSeconds: number;
      maxTtlSeconds: number;
    }
  >();
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
    opts: { version?: 1 | 2; namespace?: string } = {},
  ): void => {
    mounts.set(`${normaliseNs(opts.namespace)}|${trimSlashes(path)}`, {
      version: opts.version ?? 2,
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
    } = {},
  ): { token: string; info: TokenInfo } {
    const token = `s.${randomUUID().replaceAll("-", "")}`;
    const issuedAt = now();
    const info: TokenInfo = {
      policies: ["default", ...policyNames.filter((p) => p !== "default")]
        .sort(),
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
    if (token === undefined) return undefined;
    const info = tokens.get(token);
    if (!info || info.revoked) return undefined;
    if (info.expireAt !== null && now() >= info.expireAt) return undefined;
    return info;
  }

  function allowed(info: TokenInfo, path: string, capability: string): boolean {
    if (info.policies.includes("root")) return true;
    for (const name of info.policies) {
      for (const rule of policies.get(name) ?? []) {
        if (
          globMatch(rule.path, path) &&
          (rule.capabilities.includes(capability) ||
            rule.capabilities.includes("sudo") && capability === "sudo")
        ) {
          if (rule.capabilities.includes("deny")) return false;
          return true;
        }
      }
    }
    return false;
  }

  function hasAnyOnMount(info: TokenInfo, mountPath: string): boolean {
    if (info.policies.includes("root")) return true;
    for (const name of info.policies) {
      for (const rule of policies.get(name) ?? []) {
        if (
          rule.path.startsWith(`${mountPath}/`) &&
          !rule.capabilities.includes("deny")
        ) return true;
      }
    }
    return false;
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

  function putV2(
    mount: Mount,
    path: string,
    data: Record<string, unknown>,
    cas: number | undefined,
    enforceCas = true,
  ): KvKey {
    let key = mount.v2.get(path);
    if (enforceCas && key?.cas_required && cas === undefined) {
      throw new HttpError(400, [
        "check-and-set parameter required for this call",
      ]);
    }
    if (cas !== undefined && cas !== (key?.current_version ?? 0)) {
      throw new HttpError(400, [
        "check-and-set parameter did not match the current version",
      ]);
    }
    const time = iso();
    if (!key) {
      key = {
        versions: new Map(),
        current_version: 0,
        oldest_version: 0,
        max_versions: 0,
        cas_required: false,
        created_time: time,
        updated_time: time,
        custom_metadata: null,
      };
      mount.v2.set(path, key);
    }
    key.current_version += 1;
    if (key.oldest_version === 0) key.oldest_version = 1;
    key.updated_time = time;
    key.versions.set(key.current_version, {
      data: sortKeys(data) as Record<string, unknown>,
      created_time: time,
      deletion_time: "",
      destroyed: false,
    });
    const max = key.max_versions || 10;
    while (key.versions.size > max) {
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

  async function jwtLogin(
    mountName: string,
    body: Record<string, unknown>,
  ): Promise<unknown> {
    const roles = jwtMounts.get(mountName);
    if (!roles) {
      throw new HttpError(404, [
        `no handler for route "auth/${mountName}/login". route entry not found.`,
      ]);
    }
    const roleName = body.role;
    if (typeof roleName !== "string" || roleName === "") {
      throw new HttpError(400, ["missing role"]);
    }
    const role = roles.get(roleName);
    if (!role) {
      throw new HttpError(400, [`role "${roleName}" could not be found`]);
    }
    if (role.roleType !== "jwt") {
      throw new HttpError(400, ["role with oidc role_type is not allowed"]);
    }
    if (typeof body.jwt !== "string" || body.jwt === "") {
      throw new HttpError(400, ["missing token"]);
    }
    let claims: Record<string, unknown>;
    try {
      const jwks = await fetchJson(role.jwksUri);
      const keySet = createLocalJWKSet(
        jwks as Parameters<typeof createLocalJWKSet>[0],
      );
      const verified = await jwtVerify(body.jwt, keySet, {
        issuer: role.issuer,
        audience: role.boundAudiences,
        clockTolerance: 150,
        currentDate: new Date(now()),
      });
      claims = verified.payload as Record<string, unknown>;
    } catch (error) {
      throw new HttpError(400, [
        `error validating token: ${(error as Error).message}`,
      ]);
    }
    const user = claims[role.userClaim];
    if (user === undefined) {
      throw new HttpError(400, [
        `claim "${role.userClaim}" not found in token`,
      ]);
    }
    const { token, info } = issue(role.policies, role.ttlSeconds, {
      meta: { role: roleName },
    });
    return envelope(null, { auth: authBlock(token, info) });
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
        send(res, fault.status, fault.body ?? { errors: [] }, fault.headers);
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

    // Logins: no token needed.
    const jwtMatch = /^auth\/([^/]+)\/login$/.exec(path);
    if (method === "POST" && jwtMatch && jwtMounts.has(jwtMatch[1]!)) {
      send(res, 200, await jwtLogin(jwtMatch[1]!, body));
      return;
    }
    if (method === "POST" && path === "auth/approle/login") {
      const role = [...appRoles.values()].find((r) =>
        r.roleId === body.role_id
      );
      if (!role || role.secretId !== body.secret_id) {
        throw new HttpError(400, ["invalid role or secret ID"]);
      }
      const { token, info } = issue(role.policies, role.ttlSeconds, {
        maxTtlSeconds: role.maxTtlSeconds,
      });
      send(res, 200, envelope(null, { auth: authBlock(token, info) }));
      return;
    }
    const userMatch = /^auth\/userpass\/login\/([^/]+)$/.exec(path);
    if (method === "POST" && userMatch) {
      const user = users.get(userMatch[1]!);
      if (!user || user.password !== body.password) {
        throw new HttpError(400, ["invalid username or password"]);
      }
      const { token, info } = issue(user.policies, user.ttlSeconds);
      send(res, 200, envelope(null, { auth: authBlock(token, info) }));
      return;
    }

    const info = liveToken(rawToken);
    if (!info) throw new HttpError(403, ["permission denied"]);

    if (path === "auth/token/lookup-self" && method === "GET") {
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

    const uiMounts = /^sys\/internal\/ui\/mounts\/(.+)$/.exec(path);
    if (uiMounts && method === "GET") {
      const found = findMount(namespace, trimSlashes(uiMounts[1]!));
      if (!found || !hasAnyOnMount(info, found.mountPath)) {
        throw new HttpError(403, [POLICY_DENIED]);
      }
      send(
        res,
        200,
        envelope({
          type: "kv",
          path: `${found.mountPath}/`,
          options: { version: String(found.mount.version) },
          description: "",
        }),
      );
      return;
    }

    const found = findMount(namespace, path);
    if (!found) {
      if (!info.policies.includes("root")) {
        throw new HttpError(403, [POLICY_DENIED]);
      }
      throw new HttpError(404, [
        `no handler for route "${path}". route entry not found.`,
      ]);
    }
    const { mountPath, mount, rest } = found;
    if (mount.version === 1) {
      handleV1(res, info, method, listing, mountPath, mount, rest, body);
      return;
    }
    handleV2(
      req,
      res,
      info,
      method,
      listing,
      mountPath,
      mount,
      rest,
      body,
      url,
    );
  }

  function need(info: TokenInfo, path: string, capability: string): void {
    if (!allowed(info, path, capability)) {
      throw new HttpError(403, [POLICY_DENIED]);
    }
  }

  function handleV1(
    res: ServerResponse,
    info: TokenInfo,
    method: string,
    listing: boolean,
    mountPath: string,
    mount: Mount,
    rest: string,
    body: Record<string, unknown>,
  ): void {
    const full = `${mountPath}/${rest}`;
    if (listing) {
      // OpenBao adds the trailing slash to a list path before the ACL check.
      need(info, full.endsWith("/") ? full : `${full}/`, "list");
      const keys = listKeys([...mount.v1.keys()], rest);
      if (keys.length === 0) throw new HttpError(404, []);
      send(res, 200, envelope({ keys }));
      return;
    }
    switch (method) {
      case "GET": {
        need(info, full, "read");
        const data = mount.v1.get(rest);
        if (!data) throw new HttpError(404, []);
        send(res, 200, envelope(data, { lease_duration: 2764800 }));
        return;
      }
      case "POST":
      case "PUT":
        need(info, full, mount.v1.has(rest) ? "update" : "create");
        mount.v1.set(rest, sortKeys(body) as Record<string, unknown>);
        res.writeHead(204).end();
        return;
      case "DELETE":
        need(info, full, "delete");
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
    info: TokenInfo,
    method: string,
    listing: boolean,
    mountPath: string,
    mount: Mount,
    rest: string,
    body: Record<string, unknown>,
    url: URL,
  ): void {
    const slash = rest.indexOf("/");
    const area = slash === -1 ? rest : rest.slice(0, slash);
    const keyPath = slash === -1 ? "" : rest.slice(slash + 1);
    const full = `${mountPath}/${rest}`;
    switch (area) {
      case "data":
        return v2Data();
      case "metadata":
        return v2Metadata();
      case "delete":
      case "undelete":
      case "destroy":
        return v2Versions();
      default:
        send(
          res,
          404,
          envelope(null, {
            warnings: [
              "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
            ],
          }),
        );
        return;
    }

    function v2Data(): void {
      const key = mount.v2.get(keyPath);
      switch (method) {
        case "GET": {
          need(info, full, "read");
          const wanted = url.searchParams.has("version")
            ? Number(url.searchParams.get("version"))
            : key?.current_version;
          const version = wanted === 0 ? key?.current_version : wanted;
          const v = version === undefined
            ? undefined
            : key?.versions.get(version);
          if (!key || version === undefined || !v) throw new HttpError(404, []);
          if (v.deletion_time !== "" || v.destroyed) {
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
          need(info, full, key ? "update" : "create");
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
          need(info, full, "patch");
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
            !key || !latest || latest.data === null ||
            latest.deletion_time !== "" || latest.destroyed
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
          need(info, full, "delete");
          const latest = key?.versions.get(key.current_version);
          if (latest && latest.deletion_time === "") {
            latest.deletion_time = iso();
          }
          res.writeHead(204).end();
          return;
        }
        default:
          throw new HttpError(405, ["unsupported operation"]);
      }
    }

    function v2Metadata(): void {
      if (listing) {
        // OpenBao adds the trailing slash to a list path before the ACL check.
        need(info, full.endsWith("/") ? full : `${full}/`, "list");
        const keys = listKeys([...mount.v2.keys()], keyPath);
        if (keys.length === 0) throw new HttpError(404, []);
        send(res, 200, envelope({ keys }));
        return;
      }
      const key = mount.v2.get(keyPath);
      switch (method) {
        case "GET": {
          need(info, full, "read");
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
              delete_version_after: "0s",
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
          need(info, full, key ? "update" : "create");
          const target = key ?? putEmptyKey(keyPath);
          if (typeof body.cas_required === "boolean") {
            target.cas_required = body.cas_required;
          }
          if (typeof body.max_versions === "number") {
            target.max_versions = body.max_versions;
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
          need(info, full, "delete");
          mount.v2.delete(keyPath);
          res.writeHead(204).end();
          return;
        default:
          throw new HttpError(405, ["unsupported operation"]);
      }
    }

    function putEmptyKey(path: string): KvKey {
      const time = iso();
      const created: KvKey = {
        versions: new Map(),
        current_version: 0,
        oldest_version: 0,
        max_versions: 0,
        cas_required: false,
        created_time: time,
        updated_time: time,
        custom_metadata: null,
      };
      mount.v2.set(path, created);
      return created;
    }

    function v2Versions(): void {
      if (method !== "POST" && method !== "PUT") {
        throw new HttpError(405, ["unsupported operation"]);
      }
      need(info, full, "update");
      const key = mount.v2.get(keyPath);
      const list = Array.isArray(body.versions)
        ? body.versions as number[]
        : [];
      if (list.length === 0) {
        throw new HttpError(400, ["no version number provided"]);
      }
      for (const n of list) {
        const v = key?.versions.get(n);
        if (!v) continue;
        if (area === "delete" && v.deletion_time === "") {
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
    configureJwtAuth(opts): Promise<void> {
      return (async () => {
        const discovery = await fetchJson(
          `${opts.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
        ) as { jwks_uri?: string; issuer?: string };
        if (typeof discovery.jwks_uri !== "string") {
          throw new Error("discovery has no jwks_uri");
        }
        const mount = opts.mount ?? "jwt";
        const roles = jwtMounts.get(mount) ?? new Map<string, JwtRole>();
        roles.set(opts.role, {
          issuer: opts.issuer,
          roleType: opts.roleType ?? "jwt",
          boundAudiences: opts.boundAudiences,
          userClaim: opts.userClaim ?? "sub",
          policies: opts.policies,
          ttlSeconds: opts.ttlSeconds ?? 3600,
          jwksUri: discovery.jwks_uri,
        });
        jwtMounts.set(mount, roles);
      })();
    },
    configureAppRole(opts): { roleId: string; secretId: string } {
      const creds = { roleId: randomUUID(), secretId: randomUUID() };
      appRoles.set(opts.role, {
        ...creds,
        policies: opts.policies,
        ttlSeconds: opts.ttlSeconds ?? 3600,
        maxTtlSeconds: opts.maxTtlSeconds ?? 86_400,
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
      return v && v.deletion_time === "" && !v.destroyed && v.data
        ? v.data
        : undefined;
    },
    setKvMetadata(path, meta, opts = {}): void {
      const mount = kvMount(opts.mount, undefined);
      let key = mount.v2.get(path);
      if (!key) {
        putV2(mount, path, {}, undefined);
        key = mount.v2.get(path)!;
        key.versions.clear();
        key.current_version = 0;
        key.oldest_version = 0;
      }
      if (meta.casRequired !== undefined) key.cas_required = meta.casRequired;
      if (meta.maxVersions !== undefined) key.max_versions = meta.maxVersions;
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
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

/** Vault's ACL globs: a trailing `*` is a prefix match, `+` matches one segment. */
function globMatch(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith("*");
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const regex = body.split("+").map((part) =>
    part.replace(/[.?^${}()|[\]\\*]/g, "\\$&")
  ).join("[^/]+");
  return new RegExp(`^${regex}${prefix ? "" : "$"}`).test(path);
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

function parseDuration(value: string | number): number {
  if (typeof value === "number") return value;
  const match = /^(\d+)([smh]?)$/.exec(value);
  if (!match) return 0;
  const n = Number(match[1]);
  return match[2] === "h" ? n * 3600 : match[2] === "m" ? n * 60 : n;
}
