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
 * // Address from OPENBAO_URL, BAO_ADDR or VAULT_ADDR; token from BAO_TOKEN (or VAULT_TOKEN).
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
import { dirname } from "node:path";
import { SourceUnavailableError } from "../../errors.ts";
import { validateKey } from "../../key.ts";
import type { PermissionDescriptor } from "../../source.ts";
import type { SecretEntry, SecretStore } from "../secret_store.ts";
import { CredentialMask } from "../_credential_mask.ts";
import { type OpenBaoAuth, TokenKeeper } from "./_auth.ts";
import { resolveStoreSettings } from "./_env_config.ts";
import { BaoHttp, Deadline } from "./_http.ts";
import { KvEngine, readAgrees } from "./_kv.ts";
import { OutageMemory } from "./_outage.ts";
import { SessionCache } from "./_session_cache.ts";
import { timerInterval } from "../../_internal/options.ts";
import { VersionPoller } from "./_watch.ts";

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
  /**
   * The server, such as `https://bao.example.com:8200`. Default
   * `$OPENBAO_URL`, then `$BAO_ADDR` (the `bao` CLI's), then `$VAULT_ADDR`.
   */
  address?: string;
  /** The KV mount. Default `secret`. */
  mount?: string;
  /** The folder under the mount that holds one secret per key. Default `harmony/config`. */
  prefix?: string;
  /**
   * The namespace, sent as `X-Vault-Namespace` (OpenBao 2.3 and later).
   * When the address comes from the environment, default `$BAO_NAMESPACE`,
   * then `$VAULT_NAMESPACE`; with an explicit `address`, none. `""` is the
   * root namespace, without reading either.
   */
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
  /**
   * How often a watched key's version is polled, in ms (one metadata read
   * per key); OpenBao has no push. While the server is unavailable or
   * refuses, the interval doubles, up to a minute or this, whichever is
   * longer. Default 5000. Must be above 0: the constructor refuses 0,
   * NaN or Infinity, which a timer would turn into a poll every 1 ms.
   */
  watchIntervalMs?: number;
}

/** The default of {@linkcode OpenBaoStoreOptions.watchIntervalMs}. */
const DEFAULT_WATCH_INTERVAL_MS = 5000;
/** The longest back-off of a watched key's poll, unless the interval is longer. */
const MAX_WATCH_BACKOFF_MS = 60_000;

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
 * the retries) server throws `SourceUnavailableError`; a policy denial, a
 * rejected login or a CAS conflict throws `ConfigSourceError` (a rejected
 * login is a `LoginError`). A 403 is never taken as proof of a dead token:
 * a token without the `default` policy cannot look itself up, yet reads
 * what its policies grant, so it is used as it is and a 403 names both
 * causes; a login is repeated at most once per dead token. No error carries
 * a value or a credential: server text is shown only with every credential
 * the store holds or sent (token, AppRole role and secret id, JWT) masked.
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
 * // The network, and the env vars it read: each list until one was set.
 * assert.deepEqual(store.permissions(), [
 *   { name: "net", host: "bao.example.com:8200" },
 *   { name: "env", variable: "OPENBAO_URL" },
 *   { name: "env", variable: "BAO_NAMESPACE" },
 *   { name: "env", variable: "VAULT_NAMESPACE" },
 *   { name: "env", variable: "BAO_TOKEN" },
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
  readonly #kv: KvEngine;
  readonly #poller: VersionPoller;
  readonly #timeoutMs: number;
  readonly #redirectHosts: readonly string[];
  /** The env vars the constructor consulted, for `permissions()`. */
  readonly #envVars: readonly string[];

  /**
   * @param options The server, mount, prefix, namespace, auth and timeout.
   * @throws {ConfigSourceError} When there is no address or no credentials.
   * @throws {ConfigPermissionError} When Deno denies reading the env vars.
   * @throws {ConfigError} When `watchIntervalMs` is not above 0.
   */
  constructor(options: OpenBaoStoreOptions = {}) {
    const settings = resolveStoreSettings(options);
    this.address = settings.address;
    this.name = settings.name;
    this.mount = settings.mount;
    this.prefix = settings.prefix;
    this.namespace = settings.namespace;
    this.sessionFile = settings.sessionFile;
    this.#envVars = settings.envVars;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_OPENBAO_TIMEOUT_MS;
    this.#redirectHosts = options.redirectHosts ?? [];
    const now = options.now ?? Date.now;
    // Every credential the store holds or sends, masked in server text.
    const mask = new CredentialMask();
    const http = new BaoHttp({
      address: this.address,
      namespace: this.namespace,
      timeoutMs: this.#timeoutMs,
      redirectHosts: this.#redirectHosts,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      source: this.name,
      mask,
    });
    const keeper = new TokenKeeper({
      auth: settings.auth,
      http,
      now,
      cache: this.sessionFile === undefined
        ? undefined
        : new SessionCache(this.sessionFile),
      cacheId: settings.cacheId,
      source: this.name,
      mask,
    });
    const outage = new OutageMemory({
      now,
      retryMs: options.unavailableRetryMs ?? 5000,
      source: this.name,
    });
    this.#kv = new KvEngine({
      name: this.name,
      address: this.address,
      namespace: this.namespace,
      mount: this.mount,
      prefix: this.prefix,
      kvVersion: options.kvVersion,
      now,
      mask,
      call: (method, path, key, deadline, body) =>
        outage.run(
          key,
          () => keeper.send(method, path, key, deadline, body),
        ),
    });
    const watchIntervalMs = timerInterval(
      options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      "OpenBaoStore's watchIntervalMs",
      this.name,
    );
    this.#poller = new VersionPoller({
      intervalMs: watchIntervalMs,
      maxIntervalMs: Math.max(watchIntervalMs, MAX_WATCH_BACKOFF_MS),
      mark: (key) => this.#kv.changeMark(key, new Deadline(this.#timeoutMs)),
    });
  }

  /** The URL that holds `key`, such as `https://bao:8200/v1/secret/data/harmony/config/Db`. */
  locate(key: string): string {
    validateKey(key, this.name);
    return this.#kv.locate(key);
  }

  /** Returns the value's JSON text, or `undefined` when the key is absent or deleted. */
  async get(key: string): Promise<string | undefined> {
    return (await this.entry(key))?.value;
  }

  /** Like `get`, with the URL, the KV v2 version and its write time. */
  async entry(key: string): Promise<SecretEntry | undefined> {
    validateKey(key, this.name);
    let entry: SecretEntry | undefined;
    try {
      entry = await this.#kv.entry(key, new Deadline(this.#timeoutMs));
    } catch (error) {
      // A watcher of the key hears of the server's return, however short
      // the outage was.
      if (error instanceof SourceUnavailableError) this.#poller.sawOutage(key);
      throw error;
    }
    if (this.#poller.watches(key)) {
      await this.#poller.sawRead(key, (mark) => readAgrees(mark, entry));
    }
    return entry;
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
    await this.#kv.set(key, value, new Deadline(this.#timeoutMs));
  }

  /** Deletes the key with all its versions and metadata; resolves to `true` when it existed. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    return await this.#kv.delete(key, new Deadline(this.#timeoutMs));
  }

  /**
   * Lists the keys under the prefix (`?list=true` on the metadata, which is
   * the LIST operation; Node's HTTP stack rejects the `LIST` verb) that
   * `get` finds. OpenBao lists every key that still has metadata, so on KV
   * v2 each listed key's metadata is read (up to 8 at once) and a key whose
   * current version is soft-deleted or destroyed is hidden: `bao kv
   * undelete` brings it back, `delete()` removes it for good. Folders and
   * names that are not keys are skipped.
   */
  async keys(): Promise<string[]> {
    return await this.#kv.keys(new Deadline(this.#timeoutMs));
  }

  /**
   * Calls `listener` when `key` gets a new version, is deleted, undeleted
   * or destroyed, by anyone: OpenBao has no push, so the key's metadata
   * (`current_version`) is read every `watchIntervalMs`, with back-off
   * while the server is unavailable; going down and coming back are
   * reported too. On KV v1, or with a policy that may not read metadata,
   * the value is polled instead (its SHA-256 is kept, not the value).
   */
  onChange(key: string, listener: () => void): () => Promise<void> {
    validateKey(key, this.name);
    return this.#poller.add(key, listener);
  }

  /** Stops every poll of a watched key, once its request in flight has ended. */
  async close(): Promise<void> {
    await this.#poller.close();
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
}
