/**
 * An OpenBao (or Vault) KV client that is a {@linkcode SecretStore}, so that
 * `StoreSource` can put it in a `ConfigManager` chain. Plain `fetch`, no SDK.
 *
 * ```ts ignore
 * import { ConfigManager, defineConfig, EnvSource, SqliteSource, StoreSource } from "@harmony/config";
 * import { OpenBaoStore } from "@harmony/config/openbao";
 * import { z } from "zod";
 *
 * const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });
 * // Address from OPENBAO_URL (or VAULT_ADDR), token from BAO_TOKEN (or VAULT_TOKEN).
 * await using manager = new ConfigManager([
 *   new EnvSource(),
 *   new StoreSource(new OpenBaoStore()),
 *   await SqliteSource.open(),
 * ]);
 * console.log(await manager.get(Db));
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import process from "node:process";
import { ConfigSourceError, SourceUnavailableError } from "../../errors.ts";
import { isValidKey, validateKey } from "../../key.ts";
import { readEnvVar } from "../../_env.ts";
import { DATA_DIR_ENV_VARS, dataDir } from "../../paths.ts";
import type { PermissionDescriptor } from "../../permissions.ts";
import { isPlainObject } from "../../json.ts";
import { decodeKvData, encodeKvData } from "./_kv_codec.ts";
import { type OpenBaoAuth, TokenKeeper } from "./_auth.ts";
import {
  BaoHttp,
  type BaoResponse,
  Deadline,
  errorsOf,
  serverMessage,
} from "./_http.ts";
import type { SecretEntry, SecretStore } from "../secret_store.ts";
import { SessionCache } from "./_session_cache.ts";

export type { OpenBaoAuth } from "./_auth.ts";

/**
 * Options for {@linkcode OpenBaoStore}.
 *
 * @example Point the store at a team's mount, folder and namespace
 * ```ts
 * import { OpenBaoStore, type OpenBaoStoreOptions } from "@harmony/config/openbao";
 * import assert from "node:assert/strict";
 *
 * const options: OpenBaoStoreOptions = {
 *   address: "https://bao.example.com:8200",
 *   mount: "kv",
 *   prefix: "apps/billing",
 *   namespace: "team-a",
 *   auth: { token: "s.example" }, // usually from BAO_TOKEN instead
 *   timeoutMs: 5_000,
 * };
 * const store = new OpenBaoStore(options);
 * assert.equal(store.locate("Stripe"), "https://bao.example.com:8200/v1/team-a/kv/data/apps/billing/Stripe");
 * assert.deepEqual(store.permissions(), [{ name: "net", host: "bao.example.com:8200" }]);
 * ```
 */
export interface OpenBaoStoreOptions {
  /** The server, such as `https://bao.example.com:8200`. Default `$OPENBAO_URL`, then `$VAULT_ADDR`. */
  address?: string;
  /** The KV mount. Default `secret`. */
  mount?: string;
  /** The folder under the mount that holds one secret per key. Default `harmony/config`. */
  prefix?: string;
  /** The namespace, sent as `X-Vault-Namespace` (OpenBao 2.3 and later). */
  namespace?: string;
  /** How to authenticate. Default a static token from `$BAO_TOKEN`, then `$VAULT_TOKEN`. */
  auth?: OpenBaoAuth;
  /**
   * The bound on each operation (`get`, `set`, `delete`, `keys`), in ms,
   * shared by all its requests: token lookup, renewal or login, mount
   * detection, redirects, 429 retries and the retry after a dead token.
   * The time a person takes to approve a device login is not counted.
   * Default 2000.
   */
  timeoutMs?: number;
  /**
   * Hosts a 307/308 from a standby may lead to, besides the address's own
   * origin: the other nodes of an HA cluster, as `host:port` (that port) or
   * `host` (any port). The token and a login's credentials are re-sent
   * there, so any other redirect fails with a `ConfigSourceError` naming the
   * host; https never drops to http. Default none.
   */
  redirectHosts?: readonly string[];
  /** The fetch implementation. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** The environment to read addresses, tokens and the data dir from. Default the process environment. */
  env?: Record<string, string | undefined>;
  /** The clock for token lifetimes, in ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Where a login (AppRole, JWT) caches its OpenBao token and expiry, or
   * `false` to keep it in memory only. Default `<data dir>/session.json`.
   * Static tokens are never written anywhere.
   */
  sessionFile?: string | false;
  /** The KV version of the mount; default detected once through `sys/internal/ui/mounts`. */
  kvVersion?: 1 | 2;
  /**
   * After the server was found unreachable, calls within this many ms fail
   * at once with the same reason instead of waiting for another timeout, so
   * a chain that reads many keys during an outage pays the timeout once.
   * Default 5000; 0 retries every call.
   */
  unavailableRetryMs?: number;
}

/**
 * The default bound on one store operation, all its requests included, in ms.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPENBAO_TIMEOUT_MS } from "@harmony/config/openbao";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_OPENBAO_TIMEOUT_MS, 2000);
 * ```
 */
export const DEFAULT_OPENBAO_TIMEOUT_MS = 2000;

/**
 * Reads and writes configuration values in an OpenBao KV engine, one secret
 * per key at `<mount>/data/<prefix>/<key>` (KV v2) or `<mount>/<prefix>/<key>`
 * (KV v1, detected from the mount).
 *
 * Values are JSON text. An object is stored as the secret's data; any other
 * JSON value is wrapped as `{"value": …}` (see `_kv_codec.ts`).
 *
 * Failures: an unreachable, timed-out, sealed or failing (5xx, 429 beyond
 * the retries) server throws `SourceUnavailableError`; a policy denial on a
 * live token, a rejected login or a CAS conflict throws `ConfigSourceError`
 * (a rejected login is a `LoginError`). No error carries a value, token or JWT.
 *
 * @example Read and write with a static token
 * ```ts ignore
 * import { OpenBaoStore } from "@harmony/config/openbao";
 *
 * const store = new OpenBaoStore({ address: "http://127.0.0.1:8200", auth: { token: "root" } });
 * await store.set("Db", JSON.stringify({ host: "db" }));
 * console.log(await store.get("Db")); // {"host":"db"}
 * ```
 *
 * @example Where a key lives, and what the store needs (no request is sent)
 * ```ts
 * import { OpenBaoStore } from "@harmony/config/openbao";
 * import assert from "node:assert/strict";
 *
 * const store = new OpenBaoStore({
 *   env: { OPENBAO_URL: "https://bao.example.com:8200", BAO_TOKEN: "t" },
 * });
 * assert.equal(store.locate("Db"), "https://bao.example.com:8200/v1/secret/data/harmony/config/Db");
 * // The network, and the env vars the address and token came from.
 * assert.deepEqual(store.permissions(), [
 *   { name: "net", host: "bao.example.com:8200" },
 *   { name: "env", variable: "OPENBAO_URL" },
 *   { name: "env", variable: "VAULT_ADDR" },
 *   { name: "env", variable: "BAO_TOKEN" },
 *   { name: "env", variable: "VAULT_TOKEN" },
 * ]);
 * ```
 *
 * @example Log in with AppRole; the session is cached in the data dir
 * ```ts ignore
 * import { OpenBaoStore } from "@harmony/config/openbao";
 *
 * const store = new OpenBaoStore({
 *   auth: { appRole: { roleId: "…", secretId: "…" } },
 * });
 * console.log(await store.keys());
 * ```
 */
export class OpenBaoStore implements SecretStore {
  /** `openbao:<address>`. */
  readonly name: string;
  /** The server's base URL. */
  readonly address: string;
  /** The KV mount. */
  readonly mount: string;
  /** The folder under the mount. */
  readonly prefix: string;
  /** The namespace, if any. */
  readonly namespace: string | undefined;
  /** The session cache file, when a login caches its session. */
  readonly sessionFile: string | undefined;
  readonly #http: BaoHttp;
  readonly #keeper: TokenKeeper;
  readonly #now: () => number;
  readonly #unavailableRetryMs: number;
  readonly #timeoutMs: number;
  readonly #redirectHosts: readonly string[];
  #kvVersion: Promise<1 | 2> | undefined;
  #down: { source: string; reason: string; until: number } | undefined;
  /**
   * The KV v2 version each key had when this store last read or wrote it,
   * used as `cas` on a key whose metadata requires check-and-set.
   */
  readonly #seenVersions = new Map<string, number>();
  /** The env vars the constructor consulted, for `permissions()`. */
  readonly #envVars: string[] = [];

  /**
   * @param options The server, mount, prefix, namespace, auth and timeout.
   * @throws {ConfigSourceError} When there is no address or no credentials.
   * @throws {ConfigPermissionError} When Deno denies reading the env vars.
   */
  constructor(options: OpenBaoStoreOptions = {}) {
    const env = options.env ?? process.env;
    if (options.address === undefined) {
      this.#envVars.push("OPENBAO_URL", "VAULT_ADDR");
    }
    this.#now = options.now ?? Date.now;
    this.#unavailableRetryMs = options.unavailableRetryMs ?? 5000;
    this.address = resolveAddress(options.address, env);
    this.name = `openbao:${this.address}`;
    this.mount = trimSlashes(options.mount ?? "secret");
    this.prefix = trimSlashes(options.prefix ?? "harmony/config");
    this.namespace = options.namespace
      ? `${trimSlashes(options.namespace)}/`
      : undefined;
    if (options.kvVersion !== undefined) {
      this.#kvVersion = Promise.resolve(options.kvVersion);
    }
    const auth = resolveAuth(options.auth, env, this.name);
    const logsIn = "appRole" in auth || "jwt" in auth;
    if (!logsIn && !(options.auth && "token" in options.auth)) {
      this.#envVars.push("BAO_TOKEN", "VAULT_TOKEN");
    }
    if (logsIn && options.sessionFile === undefined) {
      this.#envVars.push(...DATA_DIR_ENV_VARS);
    }
    this.sessionFile = logsIn && options.sessionFile !== false
      ? options.sessionFile ?? join(dataDir({ env }), "session.json")
      : undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_OPENBAO_TIMEOUT_MS;
    this.#redirectHosts = options.redirectHosts ?? [];
    this.#http = new BaoHttp({
      address: this.address,
      namespace: this.namespace,
      timeoutMs: this.#timeoutMs,
      redirectHosts: this.#redirectHosts,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      source: this.name,
    });
    this.#keeper = new TokenKeeper({
      auth,
      http: this.#http,
      now: this.#now,
      cache: this.sessionFile === undefined
        ? undefined
        : new SessionCache(this.sessionFile),
      cacheId: `${this.address}|${this.namespace ?? ""}|${loginIdentity(auth)}`,
      source: this.name,
    });
  }

  /** The URL that holds `key`, such as `https://bao:8200/v1/secret/data/harmony/config/Db`. */
  locate(key: string): string {
    validateKey(key, this.name);
    return `${this.address}/v1/${this.namespace ?? ""}${
      this.#path("data", key)
    }`;
  }

  /** Returns the value's JSON text, or `undefined` when the key is absent or deleted. */
  async get(key: string): Promise<string | undefined> {
    return (await this.entry(key))?.value;
  }

  /** Like `get`, with the URL, the KV v2 version and its write time. */
  async entry(key: string): Promise<SecretEntry | undefined> {
    validateKey(key, this.name);
    const deadline = new Deadline(this.#timeoutMs);
    const v2 = await this.#kv(key, deadline) === 2;
    const path = v2 ? this.#path("data", key) : this.#path(undefined, key);
    const response = await this.#call("GET", path, key, deadline);
    if (v2) this.#remember(key, response);
    // Both a plain 404 and the soft-deleted or destroyed envelope mean absent.
    if (isAbsent(response)) return undefined;
    if (response.status !== 200) throw this.#unexpected(response, "read", key);
    const locator = `${this.address}/v1/${this.namespace ?? ""}${path}`;
    const data = response.body?.data;
    if (!v2) {
      if (!isPlainObject(data)) return undefined;
      return { value: JSON.stringify(decodeKvData(data)), locator };
    }
    const inner = isPlainObject(data) ? data : {};
    if (!isPlainObject(inner.data)) return undefined;
    const metadata = isPlainObject(inner.metadata) ? inner.metadata : {};
    return {
      value: JSON.stringify(decodeKvData(inner.data)),
      locator,
      ...(typeof metadata.version === "number"
        ? { version: metadata.version }
        : {}),
      ...(typeof metadata.created_time === "string"
        ? { updatedAt: metadata.created_time }
        : {}),
    };
  }

  /**
   * Stores JSON text under `key`. When the key's metadata requires
   * check-and-set, the write carries the version this store saw when it last
   * read or wrote the key, so a change made by someone else since then is
   * reported instead of overwritten. A key this store has not seen is
   * written with the current version from its metadata: last writer wins.
   * When the check fails, the current version is read again and reported.
   */
  async set(key: string, value: string): Promise<void> {
    validateKey(key, this.name);
    const deadline = new Deadline(this.#timeoutMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigSourceError(
        `Cannot store key "${key}" in ${this.name}: the value is not JSON text: pass JSON.stringify(value)`,
        { key, source: this.name },
      );
    }
    const data = encodeKvData(parsed);
    if (await this.#kv(key, deadline) === 1) {
      const response = await this.#call(
        "POST",
        this.#path(undefined, key),
        key,
        deadline,
        data,
      );
      if (response.status !== 204 && response.status !== 200) {
        throw this.#unexpected(response, "write", key);
      }
      return;
    }
    const path = this.#path("data", key);
    let response = await this.#call("POST", path, key, deadline, { data });
    if (
      response.status === 400 &&
      hasError(response, /check-and-set parameter required/)
    ) {
      const cas = this.#seenVersions.get(key) ??
        await this.#currentVersion(key, deadline);
      response = await this.#call("POST", path, key, deadline, {
        data,
        options: { cas },
      });
    }
    if (
      response.status === 400 &&
      hasError(response, /check-and-set parameter did not match/)
    ) {
      this.#seenVersions.delete(key);
      const current = await this.#currentVersion(key, deadline);
      throw new ConfigSourceError(
        `Cannot store key "${key}" at ${
          this.locate(key)
        }: another writer changed it during this write (check-and-set failed; it is now at version ${current}): read it again and retry`,
        { key, source: this.name },
      );
    }
    if (response.status !== 200 && response.status !== 204) {
      throw this.#unexpected(response, "write", key);
    }
    const written = response.body?.data;
    if (isPlainObject(written) && typeof written.version === "number") {
      this.#seenVersions.set(key, written.version);
    } else {
      this.#seenVersions.delete(key);
    }
  }

  /** Deletes the key with all its versions and metadata; resolves to `true` when it existed. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    const deadline = new Deadline(this.#timeoutMs);
    const v2 = await this.#kv(key, deadline) === 2;
    const path = v2 ? this.#path("metadata", key) : this.#path(undefined, key);
    // Deleting the metadata resets the key's versions to 0.
    this.#seenVersions.delete(key);
    const exists = await this.#call("GET", path, key, deadline);
    if (isAbsent(exists)) return false;
    if (exists.status !== 200) throw this.#unexpected(exists, "delete", key);
    const response = await this.#call("DELETE", path, key, deadline);
    if (response.status !== 204 && response.status !== 200) {
      throw this.#unexpected(response, "delete", key);
    }
    return true;
  }

  /**
   * Lists the keys under the prefix (`?list=true` on the metadata, which is
   * the LIST operation; Node's HTTP stack rejects the `LIST` verb). Folders
   * and names that are not keys are skipped.
   */
  async keys(): Promise<string[]> {
    const deadline = new Deadline(this.#timeoutMs);
    const v2 = await this.#kv(undefined, deadline) === 2;
    const dir = v2
      ? this.#path("metadata", undefined)
      : this.#path(undefined, undefined);
    const response = await this.#call(
      "GET",
      `${dir}/?list=true`,
      undefined,
      deadline,
    );
    if (isAbsent(response)) return [];
    if (response.status !== 200) {
      throw this.#unexpected(response, "list", undefined);
    }
    const data = response.body?.data;
    const keys = isPlainObject(data) && Array.isArray(data.keys)
      ? data.keys
      : [];
    return keys.filter((k): k is string =>
      typeof k === "string" && isValidKey(k)
    ).sort();
  }

  /** Network access to the server, and read and write access to the session cache's directory when a login caches. */
  permissions(): PermissionDescriptor[] {
    const permissions: PermissionDescriptor[] = [
      { name: "net", host: new URL(this.address).host },
      ...this.#redirectHosts.map((host) => ({ name: "net" as const, host })),
      ...this.#envVars.map((variable) => ({ name: "env" as const, variable })),
    ];
    if (this.sessionFile !== undefined) {
      const dir = dirname(this.sessionFile);
      permissions.push({ name: "read", path: dir }, {
        name: "write",
        path: dir,
      });
    }
    return permissions;
  }

  /** Sends a request with the current token; on a 403, tells a dead token (log in again, retry once) from a policy denial. */
  async #call(
    method: string,
    path: string,
    key: string | undefined,
    deadline: Deadline,
    body?: unknown,
  ): Promise<BaoResponse> {
    const now = this.#now();
    if (this.#down !== undefined && now < this.#down.until) {
      const seconds = Math.ceil((this.#down.until - now) / 1000);
      // The source is the one that was down: OpenBao, or the identity
      // provider a login needed.
      throw new SourceUnavailableError(
        this.#down.source,
        `${this.#down.reason} (remembered: not retried for ${seconds} s)`,
        key === undefined ? {} : { key },
      );
    }
    try {
      const response = await this.#callOnce(method, path, key, deadline, body);
      this.#down = undefined;
      return response;
    } catch (error) {
      if (
        error instanceof SourceUnavailableError && this.#unavailableRetryMs > 0
      ) {
        this.#down = {
          source: error.source ?? this.name,
          reason: error.reason,
          until: this.#now() + this.#unavailableRetryMs,
        };
      }
      throw error;
    }
  }

  async #callOnce(
    method: string,
    path: string,
    key: string | undefined,
    deadline: Deadline,
    body?: unknown,
  ): Promise<BaoResponse> {
    let token = "";
    const send = async (): Promise<BaoResponse> => {
      token = await this.#keeper.token(key, deadline);
      return await this.#http.request(method, path, {
        token,
        body,
        key,
        deadline,
      });
    };
    let response = await send();
    if (response.status !== 403) return response;
    if (await this.#keeper.recoverFromForbidden(token, key, deadline)) {
      response = await send();
      if (response.status !== 403) return response;
    }
    return response;
  }

  #kv(key: string | undefined, deadline: Deadline): Promise<1 | 2> {
    this.#kvVersion ??= this.#detectKv(key, deadline).catch((error) => {
      this.#kvVersion = undefined;
      throw error;
    });
    return this.#kvVersion;
  }

  async #detectKv(
    key: string | undefined,
    deadline: Deadline,
  ): Promise<1 | 2> {
    const response = await this.#call(
      "GET",
      `sys/internal/ui/mounts/${this.mount}`,
      key,
      deadline,
    );
    // A token without rights on the mount cannot see its type; assume v2 and
    // let the data request report the denial.
    if (response.status === 403) return 2;
    const data = response.body?.data;
    if (response.status !== 200 || !isPlainObject(data)) {
      throw new ConfigSourceError(
        `${this.name} has no secrets engine at "${this.mount}/" (${response.status}): run \`bao secrets enable -path=${this.mount} kv-v2\`, or pass the right mount`,
        { source: this.name, ...(key === undefined ? {} : { key }) },
      );
    }
    if (data.type !== "kv" && data.type !== "generic") {
      throw new ConfigSourceError(
        `${this.name} mount "${this.mount}/" is a ${
          String(data.type)
        } engine, not KV: pass the mount of a KV engine`,
        { source: this.name, ...(key === undefined ? {} : { key }) },
      );
    }
    const options = isPlainObject(data.options) ? data.options : {};
    return options.version === "2" ? 2 : 1;
  }

  /** Notes the version a KV v2 read saw, live or deleted, for a later CAS. */
  #remember(key: string, response: BaoResponse): void {
    const data = response.body?.data;
    const metadata = isPlainObject(data) && isPlainObject(data.metadata)
      ? data.metadata
      : undefined;
    if (typeof metadata?.version === "number") {
      this.#seenVersions.set(key, metadata.version);
    } else if (isAbsent(response)) {
      // Never written (or its metadata deleted): only "absent" may follow.
      this.#seenVersions.set(key, 0);
    }
  }

  async #currentVersion(key: string, deadline: Deadline): Promise<number> {
    const response = await this.#call(
      "GET",
      this.#path("metadata", key),
      key,
      deadline,
    );
    if (isAbsent(response)) return 0;
    if (response.status !== 200) {
      throw this.#unexpected(response, "read the metadata of", key);
    }
    const data = response.body?.data;
    return isPlainObject(data) && typeof data.current_version === "number"
      ? data.current_version
      : 0;
  }

  #path(
    area: "data" | "metadata" | undefined,
    key: string | undefined,
  ): string {
    return [this.mount, area, this.prefix, key].filter((part) =>
      part !== undefined && part !== ""
    ).join("/");
  }

  #unexpected(
    response: BaoResponse,
    operation: string,
    key: string | undefined,
  ): ConfigSourceError {
    const about = key === undefined
      ? `keys under ${this.prefix}`
      : `key "${key}"`;
    const message = serverMessage(response.body);
    const options = {
      source: this.name,
      ...(key === undefined ? {} : { key }),
    };
    if (response.status === 403) {
      const capability = operation === "list"
        ? "list"
        : operation === "read"
        ? "read"
        : operation === "delete"
        ? "delete"
        : "create, update";
      return new ConfigSourceError(
        `${this.name} denied ${operation} of ${about} (403 permission denied): the token is valid but no policy grants "${capability}" on ${this.mount}/${
          operation === "list" || operation === "delete" ? "metadata" : "data"
        }/${this.prefix}/*: add it to the token's policy (see the README's OpenBao section)`,
        options,
      );
    }
    if (isVersionedPathWarning(response)) {
      return new ConfigSourceError(
        `${this.name} mount "${this.mount}/" is KV version 2, but KV v1 paths were used: pass kvVersion: 2, or leave kvVersion out to detect it`,
        options,
      );
    }
    if (response.status === 404) {
      return new ConfigSourceError(
        `${this.name} has no KV engine at "${this.mount}/" (404${
          message ? `: ${message}` : ""
        }): run \`bao secrets enable -path=${this.mount} kv-v2\`, or pass the right mount`,
        options,
      );
    }
    return new ConfigSourceError(
      `${this.name} failed to ${operation} ${about} (${response.status}${
        message ? `: ${message}` : ""
      }): check the mount, prefix and policy`,
      options,
    );
  }
}

/**
 * A 404 means "absent" when it is the plain `{"errors":[]}` or carries the
 * soft-deleted envelope. A 404 with an error, such as `no handler for route`
 * (no engine at that mount), is a misconfiguration and must not read as a
 * missing key.
 */
function isAbsent(response: BaoResponse): boolean {
  return response.status === 404 && errorsOf(response.body).length === 0 &&
    !isVersionedPathWarning(response);
}

/** The 404 a KV v2 mount gives to a KV v1-style path. */
function isVersionedPathWarning(response: BaoResponse): boolean {
  const warnings = response.body?.warnings;
  return Array.isArray(warnings) &&
    warnings.some((w) =>
      typeof w === "string" && /Invalid path for a versioned K\/V/.test(w)
    );
}

function hasError(response: BaoResponse, pattern: RegExp): boolean {
  return errorsOf(response.body).some((e) => pattern.test(e));
}

function resolveAddress(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const address = explicit ?? readEnvVar(env, "OPENBAO_URL", "OpenBaoStore") ??
    readEnvVar(env, "VAULT_ADDR", "OpenBaoStore");
  if (address === undefined) {
    throw new ConfigSourceError(
      "OpenBaoStore has no server address: set OPENBAO_URL (or VAULT_ADDR), or pass { address }",
      { source: "openbao" },
    );
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigSourceError(
      "OpenBaoStore's address is not an http(s) URL: set OPENBAO_URL to a URL such as https://bao.example.com:8200",
      { source: "openbao" },
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function resolveAuth(
  auth: OpenBaoAuth | undefined,
  env: Record<string, string | undefined>,
  source: string,
): OpenBaoAuth {
  if (auth !== undefined && ("appRole" in auth || "jwt" in auth)) return auth;
  const token = (auth as { token?: string } | undefined)?.token ??
    readEnvVar(env, "BAO_TOKEN", "OpenBaoStore") ??
    readEnvVar(env, "VAULT_TOKEN", "OpenBaoStore");
  if (token === undefined || token === "") {
    throw new ConfigSourceError(
      `${source} has no credentials: set BAO_TOKEN (or VAULT_TOKEN), or pass auth: { appRole } or { jwt }`,
      { source },
    );
  }
  return { token };
}

function loginIdentity(auth: OpenBaoAuth): string {
  if ("appRole" in auth) {
    return `approle:${auth.appRole.mount ?? "approle"}:${auth.appRole.roleId}`;
  }
  if ("jwt" in auth) return `jwt:${auth.jwt.mount ?? "jwt"}:${auth.jwt.role}`;
  return "token";
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}
