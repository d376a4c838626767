/**
 * Private: the engine behind `ConfigManager.watch`. It subscribes to every
 * source of the chain that can report changes ({@linkcode
 * ConfigSource.onChange}), and whenever any of them reports one it resolves
 * the whole chain again (a file can appear above SQLite, a store can come
 * back), compares the outcome with the last one delivered, and delivers it
 * only when it differs: one event per real change, however many times the
 * sources reported it.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import { ConfigValidationError } from "../errors.ts";
import type { ConfigSource } from "../source.ts";
import type { ConfigWatch, WatchEvent, WatchOptions } from "../watch.ts";
import { deepEqual } from "./equal.ts";
import { resolve } from "./resolver.ts";
import { typedSourceError } from "./safe_error.ts";
import { snapshotOf } from "./snapshot_cache.ts";

type Result<T> = IteratorResult<WatchEvent<T>, undefined>;
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * One watch of one definition: an async iterator that starts on the first
 * `next()`, and stops (releasing every subscription) on `return()`, an
 * aborted signal, or the manager's `close()`.
 */
export class KeyWatch<T, I> implements ConfigWatch<T> {
  readonly #sources: readonly ConfigSource[];
  readonly #def: ConfigDefinition<T, I>;
  readonly #signal: AbortSignal | undefined;
  readonly #onEnd: () => void;
  #state: "new" | "running" | "stopped" = "new";
  readonly #queue: WatchEvent<T>[] = [];
  readonly #waiters: ((result: Result<T>) => void)[] = [];
  readonly #subscriptions: (() => void | Promise<void>)[] = [];
  #last: WatchEvent<T> | undefined;
  #evaluating: Promise<void> | undefined;
  #dirty = false;
  #stopped: Promise<void> | undefined;
  readonly #abort = (): void => void this.stop();

  /**
   * @param sources The chain.
   * @param def What to watch.
   * @param options The signal that stops it.
   * @param onEnd Called once when the watch stops.
   */
  constructor(
    sources: readonly ConfigSource[],
    def: ConfigDefinition<T, I>,
    options: WatchOptions,
    onEnd: () => void,
  ) {
    this.#sources = sources;
    this.#def = def;
    this.#signal = options.signal;
    this.#onEnd = onEnd;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next event; the first call starts the watch. */
  next(): Promise<Result<T>> {
    if (this.#state === "new") this.#start();
    const event = this.#queue.shift();
    if (event !== undefined) {
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#state === "stopped") return Promise.resolve(DONE);
    return new Promise((deliver) => this.#waiters.push(deliver));
  }

  /** Stops the watch; what ending a `for await` loop calls. */
  async return(): Promise<Result<T>> {
    await this.stop();
    return DONE;
  }

  /** Stops the watch. */
  close(): Promise<void> {
    return this.stop();
  }

  /** Stops the watch at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * Stops: nothing is delivered after this, pending `next()` calls end, and
   * the returned promise settles once every source's subscription has been
   * released and a read in flight has ended.
   */
  stop(): Promise<void> {
    if (this.#stopped !== undefined) return this.#stopped;
    this.#state = "stopped";
    this.#queue.length = 0;
    for (const deliver of this.#waiters.splice(0)) deliver(DONE);
    this.#signal?.removeEventListener("abort", this.#abort);
    this.#onEnd();
    const releases = this.#subscriptions.splice(0).map(release);
    this.#stopped = Promise.all([...releases, this.#evaluating]).then(
      () => {},
    );
    return this.#stopped;
  }

  #start(): void {
    this.#state = "running";
    if (this.#signal?.aborted) {
      void this.stop();
      return;
    }
    this.#signal?.addEventListener("abort", this.#abort, { once: true });
    const failures: WatchEvent<T>[] = [];
    for (const source of this.#sources) {
      if (source.onChange === undefined) continue;
      try {
        this.#subscriptions.push(source.onChange(this.#def.key, this.#changed));
      } catch (error) {
        // This source cannot be watched (a permission, a directory that
        // cannot be read); the others still are. Said after the first value.
        failures.push({
          kind: "error",
          error: typedSourceError(
            error,
            source.name,
            this.#def.key,
            "check the source; changes to it are not watched",
          ),
        });
      }
    }
    this.#evaluating = this.#evaluate(failures);
  }

  /** A source's report: read again now, or once the read in flight ends. */
  readonly #changed = (): void => {
    if (this.#state !== "running") return;
    if (this.#evaluating !== undefined) {
      this.#dirty = true;
      return;
    }
    this.#evaluating = this.#evaluate([]);
  };

  async #evaluate(after: readonly WatchEvent<T>[]): Promise<void> {
    try {
      do {
        this.#dirty = false;
        const event = await this.#read();
        if (this.#state !== "running") return;
        this.#offer(event);
        for (const failure of after) this.#offer(failure);
        after = [];
      } while (this.#dirty && this.#state === "running");
    } finally {
      // In the same step as the last check of #dirty, so no report is lost.
      this.#evaluating = undefined;
    }
  }

  async #read(): Promise<WatchEvent<T>> {
    try {
      const resolution = await resolve(this.#sources, this.#def);
      switch (resolution.kind) {
        case "found":
          return valueEvent(
            resolution.value,
            this.#def.schema,
            resolution.source,
          );
        case "defaults":
          return valueEvent(resolution.value, this.#def.schema, undefined);
        case "invalid":
          return { kind: "invalid", error: resolution.error };
        case "missing":
          return { kind: "missing", error: resolution.error };
      }
    } catch (error) {
      // A value a source cannot even parse (not JSON, not UTF-8) is an
      // invalid value too.
      if (error instanceof ConfigValidationError) {
        return { kind: "invalid", error };
      }
      return {
        kind: "error",
        error: typedSourceError(
          error,
          "a source of the chain",
          this.#def.key,
          "check the chain's sources",
        ),
      };
    }
  }

  /** Delivers `event` unless it says what the last one said. */
  #offer(event: WatchEvent<T>): void {
    if (this.#last !== undefined && sameState(this.#last, event)) return;
    this.#last = event;
    const deliver = this.#waiters.shift();
    if (deliver !== undefined) deliver({ value: event, done: false });
    else this.#queue.push(event);
  }
}

function valueEvent<T>(
  value: T,
  schema: ConfigDefinition<T, unknown>["schema"],
  source: ConfigSource | undefined,
): WatchEvent<T> {
  return { kind: "value", value: snapshotOf(value, schema).value, source };
}

/** Releases one subscription; a failure to release is not the watcher's to handle. */
function release(stop: () => void | Promise<void>): Promise<void> {
  try {
    return Promise.resolve(stop()).catch(() => {});
  } catch {
    return Promise.resolve();
  }
}

/** Whether two events report the same state, so the second is no change. */
function sameState<T>(a: WatchEvent<T>, b: WatchEvent<T>): boolean {
  switch (a.kind) {
    case "value":
      return b.kind === "value" && a.source === b.source &&
        equalData(a.value, b.value);
    case "invalid":
      return b.kind === "invalid" && a.error.message === b.error.message &&
        equalData(a.error.issues, b.error.issues);
    case "missing":
      return b.kind === "missing";
    case "error":
      return b.kind === "error" && a.error.message === b.error.message;
  }
}

function equalData(a: unknown, b: unknown): boolean {
  try {
    return deepEqual(a, b);
  } catch {
    // Too deep to compare: say it changed rather than miss a change.
    return false;
  }
}
