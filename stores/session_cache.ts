/**
 * The OpenBao login session cache: `<data dir>/session.json`, mode 0600 in a
 * 0700 directory, written atomically. It holds the OpenBao token obtained by
 * a login and its expiry, never the credentials or the JWT that bought it,
 * so a second run reuses the session instead of logging in again.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ensureDir, writeFileAtomic } from "../_fs.ts";
import { ConfigPermissionError } from "../errors.ts";
import { isPermissionDenied } from "../permissions.ts";

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
}

/** The part of session.json this library owns; other top-level keys are kept. */
const SECTION = "openbao";

/** Reads and writes sessions in one JSON file, keyed by server, namespace and login. */
export class SessionCache {
  /** The file. */
  readonly path: string;

  /** @param path The file, usually `<data dir>/session.json`. */
  constructor(path: string) {
    this.path = path;
  }

  /** Returns the session stored under `id`, or `undefined`. A corrupt file counts as empty. */
  async load(id: string): Promise<CachedSession | undefined> {
    const entry = (await this.#read())[SECTION]?.[id];
    return isSession(entry) ? entry : undefined;
  }

  /** Stores `session` under `id`, keeping every other entry. */
  async save(id: string, session: CachedSession): Promise<void> {
    await this.#update((sessions) => {
      sessions[id] = session;
    });
  }

  /** Forgets the session stored under `id`. */
  async remove(id: string): Promise<void> {
    await this.#update((sessions) => {
      delete sessions[id];
    });
  }

  async #update(
    change: (sessions: Record<string, unknown>) => void,
  ): Promise<void> {
    const file = await this.#read();
    const sessions = { ...(file[SECTION] ?? {}) };
    change(sessions);
    file[SECTION] = sessions;
    try {
      await ensureDir(dirname(this.path));
      await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + "\n");
    } catch (error) {
      throw this.#denied(error, "write") ?? error;
    }
  }

  async #read(): Promise<Record<string, Record<string, unknown> | undefined>> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      const denied = this.#denied(error, "read");
      if (denied) throw denied;
      return {};
    }
    try {
      const parsed = JSON.parse(text);
      return typeof parsed === "object" && parsed !== null &&
          !Array.isArray(parsed)
        ? parsed
        : {};
    } catch {
      return {};
    }
  }

  #denied(
    error: unknown,
    kind: "read" | "write",
  ): ConfigPermissionError | undefined {
    if (!isPermissionDenied(error)) return undefined;
    const dir = dirname(this.path);
    return new ConfigPermissionError(
      `session cache ${this.path}`,
      `${kind} access to ${this.path} to reuse the OpenBao login`,
      `--allow-${kind}=${dir} (or pass sessionFile: false to OpenBaoStore)`,
    );
  }
}

function isSession(value: unknown): value is CachedSession {
  const v = value as Partial<CachedSession> | undefined;
  return typeof v === "object" && v !== null && typeof v.token === "string" &&
    (v.expiresAt === null || typeof v.expiresAt === "number") &&
    typeof v.ttlSeconds === "number" && typeof v.renewable === "boolean" &&
    typeof v.obtainedAt === "number";
}
