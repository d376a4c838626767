/**
 * The KV engine behind `OpenBaoStore`: where a key lives on a KV v1 or v2
 * mount, reading, writing (with check-and-set on KV v2), deleting and
 * listing keys, detecting the mount's version once, and the error each
 * unexpected answer becomes.
 *
 * @module
 */
import { ConfigSourceError } from "../../errors.ts";
import { isValidKey } from "../../_internal/key.ts";
import { isPlainObject } from "../../_internal/json.ts";
import type { SecretEntry } from "../secret_store.ts";
import {
  type BaoResponse,
  type Deadline,
  errorsOf,
  serverMessage,
} from "./_http.ts";
import { decodeKvData, encodeKvData } from "./_kv_codec.ts";

/** Sends one request of a store operation, with the token and outage rules applied. */
export type KvCall = (
  method: string,
  path: string,
  key: string | undefined,
  deadline: Deadline,
  body?: unknown,
) => Promise<BaoResponse>;

/** Options for {@linkcode KvEngine}. */
export interface KvEngineOptions {
  /** The store's name, such as `openbao:http://127.0.0.1:8200`, used in errors. */
  readonly name: string;
  /** The server's base URL. */
  readonly address: string;
  /** The namespace with a trailing slash, if any. */
  readonly namespace: string | undefined;
  /** The KV mount. */
  readonly mount: string;
  /** The folder under the mount. */
  readonly prefix: string;
  /** The KV version, when the caller knows it; else detected once. */
  readonly kvVersion: 1 | 2 | undefined;
  /** How each request is sent. */
  readonly call: KvCall;
}

/** Reads and writes the secrets of one KV mount and prefix. Keys are already validated. */
export class KvEngine {
  readonly #name: string;
  readonly #address: string;
  readonly #namespace: string | undefined;
  readonly #mount: string;
  readonly #prefix: string;
  readonly #call: KvCall;
  #kvVersion: Promise<1 | 2> | undefined;
  /**
   * The KV v2 version each key had when this store last read or wrote it,
   * used as `cas` on a key whose metadata requires check-and-set.
   */
  readonly #seenVersions = new Map<string, number>();

  /** @param options The mount, prefix and server, and how to send requests. */
  constructor(options: KvEngineOptions) {
    this.#name = options.name;
    this.#address = options.address;
    this.#namespace = options.namespace;
    this.#mount = options.mount;
    this.#prefix = options.prefix;
    this.#call = options.call;
    if (options.kvVersion !== undefined) {
      this.#kvVersion = Promise.resolve(options.kvVersion);
    }
  }

  /** The URL that holds `key` (its KV v2 data path). */
  locate(key: string): string {
    return `${this.#address}/v1/${this.#namespace ?? ""}${
      this.#path("data", key)
    }`;
  }

  /** The value's JSON text with its URL, KV v2 version and write time; `undefined` when absent. */
  async entry(
    key: string,
    deadline: Deadline,
  ): Promise<SecretEntry | undefined> {
    const v2 = await this.#kv(key, deadline) === 2;
    const path = v2 ? this.#path("data", key) : this.#path(undefined, key);
    const response = await this.#call("GET", path, key, deadline);
    if (v2) this.#remember(key, response);
    // Both a plain 404 and the soft-deleted or destroyed envelope mean absent.
    if (isAbsent(response)) return undefined;
    if (response.status !== 200) throw this.#unexpected(response, "read", key);
    const locator = `${this.#address}/v1/${this.#namespace ?? ""}${path}`;
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

  /** Stores JSON text under `key`, with check-and-set when the key requires it. */
  async set(key: string, value: string, deadline: Deadline): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigSourceError(
        `Cannot store key "${key}" in ${this.#name}: the value is not JSON text: pass JSON.stringify(value)`,
        { key, source: this.#name },
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
        { key, source: this.#name },
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

  /** Deletes the key with all its versions and metadata; `true` when it existed. */
  async delete(key: string, deadline: Deadline): Promise<boolean> {
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

  /** Lists the keys under the prefix (`?list=true`, the LIST operation). */
  async keys(deadline: Deadline): Promise<string[]> {
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
      `sys/internal/ui/mounts/${this.#mount}`,
      key,
      deadline,
    );
    // A token without rights on the mount cannot see its type; assume v2 and
    // let the data request report the denial.
    if (response.status === 403) return 2;
    const data = response.body?.data;
    if (response.status !== 200 || !isPlainObject(data)) {
      throw new ConfigSourceError(
        `${this.#name} has no secrets engine at "${this.#mount}/" (${response.status}): run \`bao secrets enable -path=${this.#mount} kv-v2\`, or pass the right mount`,
        { source: this.#name, ...(key === undefined ? {} : { key }) },
      );
    }
    if (data.type !== "kv" && data.type !== "generic") {
      throw new ConfigSourceError(
        `${this.#name} mount "${this.#mount}/" is a ${
          String(data.type)
        } engine, not KV: pass the mount of a KV engine`,
        { source: this.#name, ...(key === undefined ? {} : { key }) },
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
    return [this.#mount, area, this.#prefix, key].filter((part) =>
      part !== undefined && part !== ""
    ).join("/");
  }

  #unexpected(
    response: BaoResponse,
    operation: string,
    key: string | undefined,
  ): ConfigSourceError {
    const about = key === undefined
      ? `keys under ${this.#prefix}`
      : `key "${key}"`;
    const message = serverMessage(response.body);
    const options = {
      source: this.#name,
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
        `${this.#name} denied ${operation} of ${about} (403 permission denied): the token is valid but no policy grants "${capability}" on ${this.#mount}/${
          operation === "list" || operation === "delete" ? "metadata" : "data"
        }/${this.#prefix}/*: add it to the token's policy (see the README's OpenBao section)`,
        options,
      );
    }
    if (isVersionedPathWarning(response)) {
      return new ConfigSourceError(
        `${this.#name} mount "${this.#mount}/" is KV version 2, but KV v1 paths were used: pass kvVersion: 2, or leave kvVersion out to detect it`,
        options,
      );
    }
    if (response.status === 404) {
      return new ConfigSourceError(
        `${this.#name} has no KV engine at "${this.#mount}/" (404${
          message ? `: ${message}` : ""
        }): run \`bao secrets enable -path=${this.#mount} kv-v2\`, or pass the right mount`,
        options,
      );
    }
    return new ConfigSourceError(
      `${this.#name} failed to ${operation} ${about} (${response.status}${
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
