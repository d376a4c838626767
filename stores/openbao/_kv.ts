/**
 * The KV engine behind `OpenBaoStore`: where a key lives on a KV v1 or v2
 * mount, reading, writing (with check-and-set on KV v2), deleting and
 * listing keys, detecting the mount's version once, and the error each
 * unexpected answer becomes.
 *
 * Listing hides keys that `get` reads as absent: OpenBao's `LIST` returns
 * every key that still has metadata (`path_metadata.go`), soft-deleted and
 * destroyed ones included, so each listed key's metadata is read and a key
 * whose current version is deleted (a `deletion_time` in the past) or
 * destroyed is left out.
 *
 * @module
 */
import { ConfigSourceError } from "../../errors.ts";
import { isValidKey } from "../../_internal/key.ts";
import { isPlainObject, parseJson } from "../../_internal/json.ts";
import {
  holdsUnsafeNumber,
  stringifyWithBigints,
} from "../../_internal/json_numbers.ts";
import { mapLimit } from "../../_internal/promise.ts";
import type { SecretEntry } from "../secret_store.ts";
import type { CredentialMask } from "../_credential_mask.ts";
import {
  type BaoResponse,
  type Deadline,
  errorsOf,
  serverMessage,
} from "./_http.ts";
import { decodeKvData, encodeKvData } from "./_kv_codec.ts";

/** How many keys' metadata `keys()` reads at once. */
const LIST_CONCURRENCY = 8;

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
  /** The clock, in ms, to tell a past `deletion_time` from one to come. */
  readonly now: () => number;
  /** The credentials to mask in server text. */
  readonly mask: CredentialMask;
}

/** Reads and writes the secrets of one KV mount and prefix. Keys are already validated. */
export class KvEngine {
  readonly #name: string;
  readonly #address: string;
  readonly #namespace: string | undefined;
  readonly #mount: string;
  readonly #prefix: string;
  readonly #call: KvCall;
  readonly #now: () => number;
  readonly #mask: CredentialMask;
  #kvVersion: Promise<1 | 2> | undefined;
  /** The KV version once known, for error messages. */
  #knownVersion: 1 | 2 | undefined;
  /**
   * Whether `sys/internal/ui/mounts` confirmed a KV engine at the mount. It
   * answers 403 both for a mount that does not exist (even to root) and for
   * one the token may not see, so until it answers 200 a 403 on a KV path
   * may mean a wrong mount name.
   */
  #mountConfirmed = false;
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
    this.#now = options.now;
    this.#mask = options.mask;
    if (options.kvVersion !== undefined) {
      this.#kvVersion = Promise.resolve(options.kvVersion);
      this.#knownVersion = options.kvVersion;
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
      return { value: stringifyWithBigints(decodeKvData(data))!, locator };
    }
    const inner = isPlainObject(data) ? data : {};
    if (!isPlainObject(inner.data)) return undefined;
    const metadata = isPlainObject(inner.metadata) ? inner.metadata : {};
    return {
      value: stringifyWithBigints(decodeKvData(inner.data))!,
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
    if (holdsUnsafeNumber(parsed) && roundsAnInteger(value, parsed)) {
      throw new ConfigSourceError(
        `Cannot store key "${key}" in ${this.#name}: the value holds an integer past 2^53, which this client reads and writes as a JavaScript number and would round: store it as a decimal string (z.coerce.bigint() reads one)`,
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
        throw this.#unexpected(response, "write", key, parsed);
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
      throw this.#unexpected(response, "write", key, parsed);
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

  /**
   * Lists the keys under the prefix (`?list=true`, the LIST operation) that
   * `get` would find: on KV v2, keys whose current version is deleted or
   * destroyed are left out.
   */
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
    const listed =
      (isPlainObject(data) && Array.isArray(data.keys) ? data.keys : []).filter(
        (k): k is string => typeof k === "string" && isValidKey(k),
      )
        .sort();
    if (!v2) return listed;
    const live = await mapLimit(
      listed,
      LIST_CONCURRENCY,
      (key) => this.#isLive(key, deadline),
    );
    return listed.filter((_, i) => live[i]);
  }

  /**
   * What `key` is now, as a string that changes with every new version, a
   * delete, an undelete or a destroy, for polling: one metadata read on KV
   * v2 (`current_version` and the state of that version, as `pathDataRead`
   * in `path_data.go` decides it). Where the metadata cannot be read (KV
   * v1, or a policy that grants the data only) the value is read, and its
   * SHA-256 kept rather than the value itself.
   */
  async changeMark(key: string, deadline: Deadline): Promise<string> {
    if (await this.#kv(key, deadline) === 2) {
      const response = await this.#call(
        "GET",
        this.#path("metadata", key),
        key,
        deadline,
      );
      if (isAbsent(response)) return "absent";
      if (response.status === 200) {
        const data = response.body?.data;
        const state = isPlainObject(data)
          ? versionState(data, this.#now())
          : undefined;
        return state === undefined ? "absent" : versionMark(state);
      }
      if (response.status !== 403) {
        throw this.#unexpected(response, "read the metadata of", key);
      }
    }
    return await dataMark(await this.entry(key, deadline));
  }

  /**
   * Whether `get` would find `key`: its metadata's current version exists
   * and is neither destroyed nor deleted (`path_data.go`, `pathDataRead`: a
   * `deletion_time` in the future, from `delete_version_after`, is still
   * live). A token that may list but not read metadata falls back to
   * reading the key, exactly as `get` does.
   */
  async #isLive(key: string, deadline: Deadline): Promise<boolean> {
    const response = await this.#call(
      "GET",
      this.#path("metadata", key),
      key,
      deadline,
    );
    if (isAbsent(response)) return false;
    if (response.status === 403) {
      return await this.entry(key, deadline) !== undefined;
    }
    if (response.status !== 200) {
      throw this.#unexpected(response, "read the metadata of", key);
    }
    const data = response.body?.data;
    return isPlainObject(data) &&
      versionState(data, this.#now())?.live === true;
  }

  #kv(key: string | undefined, deadline: Deadline): Promise<1 | 2> {
    this.#kvVersion ??= this.#detectKv(key, deadline).then((version) => {
      this.#knownVersion = version;
      return version;
    }, (error) => {
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
    // 403 "preflight capability check returned 403": no mount by that name
    // (OpenBao says so even to root, logical_system.go,
    // pathInternalUIMountRead), or one the token may not see. Assume v2 and
    // let the data request tell, with both causes in its error.
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
    this.#mountConfirmed = true;
    // A KV v1 mount made with `bao secrets enable kv` stores no version.
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

  /**
   * Why a KV request got a 403, from what the token keeper found out and
   * whether the mount was confirmed: a policy without the capability, a
   * mount that does not exist, or a dead token that cannot look itself up.
   */
  #forbiddenReason(response: BaoResponse, operation: string): string {
    const capability = operation === "list"
      ? "list"
      : operation === "read" || operation === "read the metadata of"
      ? "read"
      : operation === "delete"
      ? "delete"
      : "create, update";
    const area = this.#knownVersion === 1
      ? undefined
      : operation === "list" || operation === "delete" ||
          operation === "read the metadata of"
      ? "metadata"
      : "data";
    const path = `${this.#path(area, undefined)}/*`;
    const policy = `no policy grants "${capability}" on ${path}`;
    const mount = this.#mountConfirmed
      ? undefined
      : `the mount "${this.#mount}/" does not exist (\`bao secrets list\` shows the mounts; \`bao secrets enable -path=${this.#mount} kv-v2\` creates it)`;
    if (response.forbidden === "denied") {
      return mount === undefined
        ? `the token is valid but ${policy}: add it to the token's policy (see the README's OpenBao section)`
        : `the token is valid, so either ${mount} or ${policy}: pass the right mount, or add the capability to the token's policy (see the README's OpenBao section)`;
    }
    return `either ${policy}${
      mount === undefined ? "" : `, or ${mount}`
    }, or the token is expired or revoked: OpenBao answers each of these with 403, and this token lacks the default policy, so it cannot look itself up to tell which (have an operator run \`bao token lookup -accessor <accessor>\`, or give the token the default policy)`;
  }

  /**
   * @param sent The value a write sent: a server or a proxy in front of it
   *   may echo the request body in its error, so its strings are masked in
   *   what the error shows, like credentials.
   */
  #unexpected(
    response: BaoResponse,
    operation: string,
    key: string | undefined,
    sent?: unknown,
  ): ConfigSourceError {
    const about = key === undefined
      ? `keys under ${this.#prefix}`
      : `key "${key}"`;
    const message = serverMessage(
      response.body,
      sent === undefined ? this.#mask : this.#mask.including(leavesOf(sent)),
    );
    const options = {
      source: this.#name,
      ...(key === undefined ? {} : { key }),
    };
    if (response.status === 403) {
      return new ConfigSourceError(
        `${this.#name} denied ${operation} of ${about} (403 permission denied): ${
          this.#forbiddenReason(response, operation)
        }`,
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
 * The strings and numbers inside a value, and its JSON text: what an echo
 * of a request body that carried it could show.
 */
function leavesOf(value: unknown): string[] {
  const leaves: string[] = [JSON.stringify(value)];
  const visit = (node: unknown): void => {
    if (typeof node === "string") leaves.push(node);
    else if (typeof node === "number") leaves.push(String(node));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isPlainObject(node)) Object.values(node).forEach(visit);
  };
  visit(value);
  return leaves;
}

/**
 * Whether `JSON.parse` gave `parsed` for `text` only by rounding an
 * integer: read exactly, the text gives a bigint there, and so other JSON.
 */
function roundsAnInteger(text: string, parsed: unknown): boolean {
  const exact = parseJson(text);
  return !exact.ok ||
    stringifyWithBigints(exact.value) !== stringifyWithBigints(parsed);
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

/**
 * The current version of a key's metadata and whether `get` finds it: it
 * exists and is neither destroyed nor deleted (`path_data.go`,
 * `pathDataRead`: a `deletion_time` in the future, from
 * `delete_version_after`, is still live). `undefined` without a current
 * version.
 */
function versionState(
  metadata: Record<string, unknown>,
  now: number,
): VersionState | undefined {
  const version = metadata.current_version;
  if (typeof version !== "number") return undefined;
  const versions = isPlainObject(metadata.versions) ? metadata.versions : {};
  const current = versions[String(version)];
  if (!isPlainObject(current)) return { version, created: "", live: false };
  const created = typeof current.created_time === "string"
    ? current.created_time
    : "";
  if (current.destroyed === true) return { version, created, live: false };
  const deletion = typeof current.deletion_time === "string"
    ? current.deletion_time
    : "";
  return {
    version,
    created,
    live: deletion === "" || Date.parse(deletion) > now,
  };
}

/** A KV v2 key's current version, when it was written, and whether `get` finds it. */
interface VersionState {
  readonly version: number;
  readonly created: string;
  readonly live: boolean;
}

/**
 * The mark of a key from its metadata: its current version and that
 * version's write time, which a key deleted and written again (its
 * versions start over) does not share with its past.
 */
function versionMark(state: VersionState): string {
  return `v${state.version}@${state.created}:${state.live ? "live" : "gone"}`;
}

/** The mark of a key from a read of its value, where the metadata cannot be read. */
async function dataMark(entry: SecretEntry | undefined): Promise<string> {
  if (entry === undefined) return "absent";
  return `data:${entry.version ?? ""}:${await sha256(entry.value)}`;
}

/**
 * Whether a read of the key (`entry`) agrees with `mark`, the last mark a
 * poll took: `false` when the read shows a state the poll did not see.
 */
export async function readAgrees(
  mark: string,
  entry: SecretEntry | undefined,
): Promise<boolean> {
  if (mark.startsWith("data:")) return await dataMark(entry) === mark;
  if (entry === undefined) return mark === "absent" || mark.endsWith(":gone");
  return mark === `v${entry.version}@${entry.updatedAt ?? ""}:live`;
}

/** The SHA-256 of `text`, in hex: compared instead of keeping a value. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function hasError(response: BaoResponse, pattern: RegExp): boolean {
  return errorsOf(response.body).some((e) => pattern.test(e));
}
