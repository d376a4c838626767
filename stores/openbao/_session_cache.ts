/**
 * The OpenBao login session cache: `<data dir>/session.json`, mode 0600 in a
 * 0700 directory, written atomically. It holds the OpenBao token obtained by
 * a login and its expiry, never the credentials or the JWT that bought it,
 * so a second run reuses the session instead of logging in again.
 *
 * Reading fails with a typed error (a missing file or one that is not JSON
 * counts as empty). Writing is best effort: a cache that cannot be written
 * costs the next process a login, never the request that just logged in.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ensureDir, errorCode, writeFileAtomic } from "../../_internal/fs.ts";
import {
  type ConfigError,
  ConfigPermissionError,
  ConfigSourceError,
} from "../../errors.ts";
import { isPlainObject } from "../../_internal/json.ts";
import { isPermissionDenied } from "../../_internal/runtime.ts";

/** A cached OpenBao login session. */
export interface CachedSession {
  /** The OpenBao token. */
  readonly token: string;
  /** When the token expires, in ms since the epoch; `null` when it never does. */
  readonly expiresAt: number | null;
  /** The TTL the token was issued or last renewed with, in seconds. */
  readonly ttlSeconds: number;
  /** Whether the token can be renewed. */
  readonly renewable: boolean;
  /** When the token was issued or last renewed, in ms since the epoch. */
  readonly obtainedAt: number;
  /**
   * Whether the token has the `default` (or `root`) policy, which alone
   * grants `lookup-self` and `renew-self`. Absent in entries written before
   * it was recorded: unknown.
   */
  readonly selfLookup?: boolean;
}

/** The part of session.json this library owns; other top-level keys are kept. */
const SECTION = "openbao";

/**
 * How many times a write is redone when reading the file back shows that
 * another process's rename replaced it in between.
 */
const MAX_WRITE_ATTEMPTS = 3;

/**
 * Writes per file within this process, chained so that two stores sharing a
 * file never interleave their read-modify-write.
 */
const writeQueues = new Map<string, Promise<unknown>>();

type SessionFile = Record<string, unknown>;
type Sessions = Record<string, unknown>;

/** Reads and writes sessions in one JSON file, keyed by server, namespace and login. */
export class SessionCache {
  /** The file. */
  readonly path: string;

  /** @param path The file, usually `<data dir>/session.json`. */
  constructor(path: string) {
    this.path = path;
  }

  /**
   * Returns the session stored under `id`, or `undefined`. A missing file,
   * or one that is not a JSON object, counts as empty.
   *
   * @throws {ConfigPermissionError} When Deno denies reading the file.
   * @throws {ConfigSourceError} When the file cannot be read (a directory,
   * an unreadable file): the message names it and the fix.
   */
  async load(id: string): Promise<CachedSession | undefined> {
    const entry = sectionOf(await this.#read())[id];
    return isSession(entry) ? entry : undefined;
  }

  /**
   * Stores `session` under `id`, keeping every other entry. Best effort: it
   * never throws, and resolves to the typed error when the file could not be
   * written (the caller keeps its session in memory either way).
   */
  save(id: string, session: CachedSession): Promise<ConfigError | undefined> {
    return this.#update(
      (sessions) => {
        sessions[id] = session;
      },
      (sessions) => sameSession(sessions[id], session),
    );
  }

  /**
   * Forgets the session stored under `id`, only if it still holds `token`
   * (the dead one): another process may have stored a fresh login there
   * meanwhile. Best effort, like {@linkcode SessionCache.save}.
   */
  remove(id: string, token: string): Promise<ConfigError | undefined> {
    const holdsToken = (sessions: Sessions): boolean =>
      isSession(sessions[id]) &&
      (sessions[id] as CachedSession).token === token;
    return this.#update(
      (sessions) => {
        if (holdsToken(sessions)) delete sessions[id];
      },
      (sessions) => !holdsToken(sessions),
    );
  }

  /** Runs one update after the previous ones of this process on the same file. */
  #update(
    change: (sessions: Sessions) => void,
    applied: (sessions: Sessions) => boolean,
  ): Promise<ConfigError | undefined> {
    const previous = writeQueues.get(this.path) ?? Promise.resolve();
    const next = previous.then(() => this.#write(change, applied));
    const settled = next.finally(() => {
      if (writeQueues.get(this.path) === settled) writeQueues.delete(this.path);
    });
    writeQueues.set(this.path, settled);
    return next;
  }

  /**
   * Re-reads the file right before each write and merges into it, then reads
   * it back: if another process's rename replaced ours in between, the change
   * is applied again. Processes can still lose an entry when their renames
   * interleave more closely than that (see ADR 0001); the cost is one login.
   */
  async #write(
    change: (sessions: Sessions) => void,
    applied: (sessions: Sessions) => boolean,
  ): Promise<ConfigError | undefined> {
    try {
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const file = await this.#read();
        const sessions = { ...sectionOf(file) };
        change(sessions);
        file[SECTION] = sessions;
        try {
          await ensureDir(dirname(this.path));
          await writeFileAtomic(
            this.path,
            JSON.stringify(file, null, 2) + "\n",
          );
        } catch (error) {
          return this.#failure(error, "write");
        }
        if (applied(sectionOf(await this.#read()))) return undefined;
      }
      return undefined;
    } catch (error) {
      // #read's typed errors; a cache that cannot be read is not written.
      return error as ConfigError;
    }
  }

  async #read(): Promise<SessionFile> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return {};
      throw this.#failure(error, "read");
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return isPlainObject(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }

  /** The typed error for a failed read or write; never the raw fs error. */
  #failure(error: unknown, kind: "read" | "write"): ConfigError {
    const dir = dirname(this.path);
    if (isPermissionDenied(error)) {
      return new ConfigPermissionError(
        `session cache ${this.path}`,
        `${kind} access to ${this.path} to reuse the OpenBao login`,
        `--allow-${kind}=${dir} (or pass sessionFile: false to OpenBaoStore)`,
      );
    }
    const code = errorCode(error) ?? (error as Error | null)?.name ?? "error";
    const fix = code === "EISDIR"
      ? `it is a directory: move it away`
      : code === "EACCES" || code === "EPERM"
      ? `give the current user ${kind} access to it (chmod 600 ${this.path}, chmod 700 ${dir})`
      : `check the file and its directory`;
    return new ConfigSourceError(
      `Cannot ${kind} the OpenBao session cache ${this.path} (${code}): ${fix}, or pass sessionFile: false to OpenBaoStore`,
      { source: `session cache ${this.path}` },
    );
  }
}

function sectionOf(file: SessionFile): Sessions {
  const section = file[SECTION];
  return isPlainObject(section) ? section : {};
}

function sameSession(stored: unknown, session: CachedSession): boolean {
  return isSession(stored) && stored.token === session.token &&
    stored.expiresAt === session.expiresAt &&
    stored.obtainedAt === session.obtainedAt;
}

function isSession(value: unknown): value is CachedSession {
  const v = value as Partial<CachedSession> | undefined;
  return typeof v === "object" && v !== null && typeof v.token === "string" &&
    (v.expiresAt === null || typeof v.expiresAt === "number") &&
    typeof v.ttlSeconds === "number" && typeof v.renewable === "boolean" &&
    typeof v.obtainedAt === "number" &&
    (v.selfLookup === undefined || typeof v.selfLookup === "boolean");
}
