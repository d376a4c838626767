/**
 * Private: how `LocalFileSource` sees its files change. It watches the
 * directory, not the files: editors save by writing a temp file and
 * renaming it over the old one, which a watcher on the old file never sees
 * (it watches a file that is gone). Events are debounced per key: a burst
 * of them (an editor's save: temp file, rename; a plain in-place write:
 * truncate, write) is reported once, after `debounceMs` of quiet, and
 * `watch` compares what it then resolves with what it delivered last, so
 * each change is one event and a save that changed nothing is none. A file
 * whose text is not JSON is read again after another quiet period, and
 * reported only once it stays the same, so a write caught half-way is
 * never reported as a broken value.
 *
 * An event for any other name (a temp file, a symlink swapped as a
 * Kubernetes ConfigMap volume updates) reads every watched key after the
 * quiet time, as a key file may be a symlink through it.
 *
 * A directory that does not exist yet is looked for every `pollMs`; once it
 * exists it is watched, and if it goes away it is looked for again.
 *
 * @module
 */
import process from "node:process";
import type { FSWatcher } from "node:fs";
import { errorCode } from "../_internal/fs.ts";
import { ChangeListeners } from "../_internal/listeners.ts";

/** What a {@linkcode DirectoryWatch} needs from its source. */
export interface DirectoryWatchOptions {
  /** The directory. */
  readonly dir: string;
  /** The text of `key`'s file, `null` when there is none; throws when it cannot be read. */
  readonly read: (key: string) => Promise<string | null>;
  /** Quiet time after the last event before a key's file is read, in ms. */
  readonly debounceMs: number;
  /** How often a missing directory is looked for, in ms. */
  readonly pollMs: number;
}

/** How many times a file that is not JSON is read again before it is reported anyway. */
const MAX_SETTLE_ROUNDS = 5;

/** One directory's watcher, shared by every watched key of one source. */
export class DirectoryWatch {
  readonly #options: DirectoryWatchOptions;
  readonly #listeners = new ChangeListeners();
  /** The text last read for each watched key (`null`: no file); `undefined` before the first read. */
  readonly #seen = new Map<string, string | null | undefined>();
  /** A text that is not JSON, waiting to be read again. */
  readonly #settling = new Map<string, { text: string; rounds: number }>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #reads = new Set<Promise<void>>();
  #watcher: FSWatcher | undefined;
  #dirPoll: ReturnType<typeof setInterval> | undefined;

  /** @param options The directory and how to read a key. */
  constructor(options: DirectoryWatchOptions) {
    this.#options = options;
  }

  /**
   * Calls `listener` when the content of `key`'s file changes. The first
   * read after subscribing always reports (the file may have changed since
   * the watcher's first look). Throws when the directory cannot be watched
   * for a reason other than not existing yet (a denied permission).
   *
   * @returns What stops it; it settles once no read of this watch is in flight.
   */
  add(key: string, listener: () => void): () => Promise<void> {
    if (this.#listeners.size === 0) this.#arm();
    const remove = this.#listeners.add(key, listener);
    if (!this.#seen.has(key)) {
      this.#seen.set(key, undefined);
      this.#schedule(key, 0);
    }
    return async () => {
      remove();
      if (!this.#listeners.has(key)) this.#forget(key);
      if (this.#listeners.size === 0) this.#disarm();
      await Promise.all([...this.#reads]);
    };
  }

  /** After the source wrote `key` itself: read it now rather than after the quiet time. */
  wrote(key: string): void {
    if (this.#seen.has(key)) this.#schedule(key, 0);
  }

  /** Stops everything, for the source's `close()`. */
  close(): Promise<void> {
    for (const key of this.#listeners.keys()) this.#forget(key);
    this.#listeners.clear();
    this.#disarm();
    return Promise.all([...this.#reads]).then(() => {});
  }

  /** Starts the OS watcher on the directory, or the poll for it when it does not exist. */
  #arm(): void {
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    try {
      const watcher = fs.watch(
        this.#options.dir,
        { persistent: true },
        (_event, name) => this.#event(name === null ? undefined : String(name)),
      );
      watcher.on("error", () => this.#lost());
      this.#watcher = watcher;
    } catch (error) {
      const code = errorCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
      this.#pollForDir();
    }
  }

  #disarm(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#dirPoll !== undefined) clearInterval(this.#dirPoll);
    this.#dirPoll = undefined;
  }

  /** The directory went away: look for it again, and read every key (their files are gone). */
  #lost(): void {
    if (this.#listeners.size === 0 || this.#watcher === undefined) return;
    this.#disarm();
    this.#pollForDir();
    this.#scheduleAll();
  }

  #dirExists(): boolean {
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    try {
      return fs.statSync(this.#options.dir).isDirectory();
    } catch {
      // Missing, or unreadable: either way not watchable now.
      return false;
    }
  }

  #pollForDir(): void {
    this.#dirPoll = setInterval(() => {
      if (this.#dirExists()) {
        this.#rearm();
        return;
      }
      // Gone before the watcher was set up again: what was there is gone.
      for (const [key, seen] of this.#seen) {
        if (seen !== null && seen !== undefined) this.#schedule(key, 0);
      }
    }, this.#options.pollMs);
  }

  /** The directory exists (again): watch it, and read every key. */
  #rearm(): void {
    this.#disarm();
    try {
      this.#arm();
    } catch {
      this.#pollForDir();
      return;
    }
    this.#scheduleAll();
  }

  /** An OS event: for one file (`name`), or for anything (no name). */
  #event(name: string | undefined): void {
    if (name === undefined) {
      this.#scheduleAll();
      return;
    }
    // Another name may still change what a key's file holds: a key file
    // that is a symlink into a directory whose own link is swapped (how a
    // Kubernetes ConfigMap volume updates: `..data` renamed over), so every
    // key is read after the burst (the watcher compares what it resolves);
    // or the directory's own removal or move, reported under its name,
    // often with no event for the files it held (Deno's watcher coalesces
    // them), after which the OS watcher goes quiet for good.
    if (!name.endsWith(".json")) {
      if (!this.#dirExists()) this.#lost();
      else this.#scheduleAll();
      return;
    }
    const key = name.slice(0, -".json".length);
    if (this.#seen.has(key)) this.#schedule(key, this.#options.debounceMs);
  }

  #scheduleAll(): void {
    for (const key of this.#seen.keys()) {
      this.#schedule(key, this.#options.debounceMs);
    }
  }

  #schedule(key: string, ms: number): void {
    const pending = this.#timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        const read = this.#check(key);
        this.#reads.add(read);
        void read.finally(() => this.#reads.delete(read));
      }, ms),
    );
  }

  async #check(key: string): Promise<void> {
    let text: string | null;
    try {
      text = await this.#options.read(key);
    } catch (error) {
      // Reported (the watcher's read says what fails), and again once it reads.
      text = `\u0000unreadable ${errorCode(error) ?? ""}`;
    }
    if (text === null && !this.#dirExists()) this.#lost();
    else if (this.#watcher === undefined && this.#dirExists()) {
      // Found before the poll saw the directory: watch it from now on.
      this.#rearm();
    }
    if (!this.#seen.has(key)) return;
    // Reported even when the text is what this watch last read: a reader
    // may have seen a state in between (a file created and removed within
    // one quiet time), and the watcher compares what it resolves anyway.
    if (text !== null && !isJson(text)) {
      const settling = this.#settling.get(key);
      if (settling?.text !== text) {
        const rounds = (settling?.rounds ?? 0) + 1;
        if (rounds < MAX_SETTLE_ROUNDS) {
          // Maybe a write caught half-way: look again after a quiet time.
          this.#settling.set(key, { text, rounds });
          this.#schedule(key, this.#options.debounceMs);
          return;
        }
      }
    }
    this.#settling.delete(key);
    this.#seen.set(key, text);
    this.#listeners.notify(key);
  }

  #forget(key: string): void {
    this.#seen.delete(key);
    this.#settling.delete(key);
    const pending = this.#timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    this.#timers.delete(key);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
}
