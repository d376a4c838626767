/**
 * Private: a proof, in one read of 96 bytes and no lock, that no connection
 * (of this process or another) committed to a WAL database since the last
 * look: the header of its WAL index, the `-shm` file.
 *
 * SQLite documents this format (https://sqlite.org/walformat.html) and
 * keeps it stable, since connections of every version share one file. The
 * header (48 bytes, written twice) holds the last committed frame, a
 * counter bumped by every transaction and the WAL's salts; a commit writes
 * the second copy, then the first, and only then can any reader see it.
 * Both copies are compared, so a commit half-written counts as a change. It
 * tells what `PRAGMA data_version` tells without that statement's read
 * transaction, whose locks and `fstat` cost as much as the row read it
 * would save.
 *
 * POSIX drops every lock a process holds on a file when any descriptor it
 * has for that file closes, SQLite's own included. So each `-shm` file is
 * opened once per process, shared by every `SqliteSource` of that database,
 * and closed only after the last of them closed its connection: then this
 * process's SQLite holds no lock on it that the close could drop.
 *
 * @module
 */
import process from "node:process";
import { deno, type DenoFile } from "../_internal/runtime.ts";

/** Two copies of the 48-byte `WalIndexHdr`. */
const HEADER_BYTES = 96;

/** One open `-shm` file, shared by the sources of one database. */
interface SharedIndex {
  readonly read: (into: Uint8Array) => number;
  readonly close: () => void;
  users: number;
}

const openIndexes = new Map<string, SharedIndex>();

/** Watches the WAL index of one database for one source. */
export class WalIndex {
  readonly #path: string;
  readonly #index: SharedIndex;
  readonly #seen = new Uint8Array(HEADER_BYTES);
  readonly #now = new Uint8Array(HEADER_BYTES);
  #released = false;

  private constructor(path: string, index: SharedIndex) {
    this.#path = path;
    this.#index = index;
    try {
      this.#index.read(this.#seen);
    } catch {
      // The first changed() reads again, and counts a failure as a change.
    }
  }

  /**
   * The WAL index of the database at `dbPath`, which the caller has open
   * in WAL mode, or `undefined` when there is no such file or it cannot be
   * opened: the caller then asks SQLite.
   */
  static open(dbPath: string): WalIndex | undefined {
    let path: string;
    try {
      // Where SQLite puts it: beside the database file, symlinks resolved.
      path = `${realPath(dbPath)}-shm`;
    } catch {
      return undefined;
    }
    let index = openIndexes.get(path);
    if (index === undefined) {
      try {
        index = openShared(path);
      } catch {
        return undefined;
      }
      // Kept even when it reads short: closing it now could drop the locks
      // of this process's own connection. A short read counts as a change.
      openIndexes.set(path, index);
    }
    index.users++;
    return new WalIndex(path, index);
  }

  /**
   * Whether the header changed since the last call (or since it was
   * opened): some connection committed. A read that fails counts as a change.
   */
  changed(): boolean {
    let length: number;
    try {
      length = this.#index.read(this.#now);
    } catch {
      return true;
    }
    if (length !== HEADER_BYTES) return true;
    const now = this.#now;
    const seen = this.#seen;
    for (let i = 0; i < HEADER_BYTES; i++) {
      if (now[i] !== seen[i]) {
        seen.set(now);
        return true;
      }
    }
    return false;
  }

  /**
   * Gives the file up; the last user closes it. Call it only after this
   * source's own connection has closed.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (--this.#index.users > 0) return;
    openIndexes.delete(this.#path);
    this.#index.close();
  }
}

function realPath(path: string): string {
  if (deno !== undefined) return deno.realPathSync(path);
  const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
  return fs.realpathSync(path);
}

/**
 * Opens the file for positioned reads of its first bytes: through
 * `Deno.openSync` under Deno (loading `node:fs` would cost a cold start
 * about 15 ms), and `node:fs` elsewhere, where it is loaded anyway.
 */
function openShared(path: string): SharedIndex {
  if (deno !== undefined) {
    const file: DenoFile = deno.openSync(path, { read: true });
    return {
      read: (into) => {
        file.seekSync(0, 0);
        return file.readSync(into) ?? 0;
      },
      close: () => file.close(),
      users: 0,
    };
  }
  const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
  const fd = fs.openSync(path, "r");
  return {
    read: (into) => fs.readSync(fd, into, 0, into.byteLength, 0),
    close: () => fs.closeSync(fd),
    users: 0,
  };
}
