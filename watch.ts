/**
 * What `ConfigManager.watch` delivers: one event per real change of a key's
 * resolved value, and the options a watch takes.
 *
 * @module
 */
import type {
  ConfigError,
  ConfigNotFoundError,
  ConfigValidationError,
} from "./errors.ts";
import type { ConfigSource } from "./source.ts";

/**
 * One change of a watched key, from {@linkcode ConfigManager.watch}. The
 * first event is the key's state when the watch starts; each later one is
 * a real change (a value equal to the last one, from the same source, is
 * not reported again).
 *
 * - `value`: a value that passed the schema, as `get` would return it
 *   (deep-frozen when it is plain data), and the source that answered
 *   (`undefined` when the schema's defaults answered).
 * - `missing`: no source has the key any more (and the schema has no
 *   defaults); `error` is what `get` would throw.
 * - `invalid`: the value that now answers fails the schema. `error` names
 *   the key, the source and the failing paths, never the value; the last
 *   `value` event's value stays the one to use.
 * - `error`: a source failed (a permission, a corrupt database); the watch
 *   goes on and reports the next change.
 *
 * @example Switch on the kind
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, type WatchEvent } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const memory = new MemorySource({ Port: 8080 });
 * await using manager = new ConfigManager([memory]);
 *
 * let port = 0;
 * const log: string[] = [];
 * for await (const event of manager.watch(Port) as AsyncIterable<WatchEvent<number>>) {
 *   switch (event.kind) {
 *     case "value":
 *       port = event.value;
 *       log.push(`${port} from ${event.source?.name ?? "defaults"}`);
 *       break;
 *     case "invalid":
 *     case "missing":
 *     case "error":
 *       log.push(`${event.kind}; still using ${port}`);
 *   }
 *   if (log.length === 1) await memory.set("Port", "not a number");
 *   else if (log.length === 2) await memory.set("Port", 9090);
 *   else break;
 * }
 * assert.deepEqual(log, ["8080 from memory", "invalid; still using 8080", "9090 from memory"]);
 * ```
 */
export type WatchEvent<T> =
  | {
    readonly kind: "value";
    /** The validated value; deep-frozen when it is plain data. */
    readonly value: T;
    /** The source that answered; `undefined` when the schema's defaults did. */
    readonly source: ConfigSource | undefined;
  }
  | {
    readonly kind: "missing";
    /** What `get` throws for it. */
    readonly error: ConfigNotFoundError;
  }
  | {
    readonly kind: "invalid";
    /** What `get` throws for it: the key, the source and the failing paths, never the value. */
    readonly error: ConfigValidationError;
  }
  | {
    readonly kind: "error";
    /** The source's failure. */
    readonly error: ConfigError;
  };

/**
 * A running watch, from {@linkcode ConfigManager.watch}: an async iterable
 * of {@linkcode WatchEvent}s, like `Deno.watchFs`'s watcher. It starts on
 * the first `next()` (the first turn of a `for await` loop). Ending the
 * loop, `close()`, `await using` or the watch's signal stops it; then
 * nothing more is delivered, and every timer and file watcher it started
 * is released.
 *
 * @example Stop a watch with `await using`
 * ```ts
 * import { type ConfigWatch, ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * await using manager = new ConfigManager([new MemorySource({ Port: 8080 })]);
 * {
 *   await using watch: ConfigWatch<number> = manager.watch(Port);
 *   const first = await watch.next();
 *   assert.equal(first.done ? undefined : first.value.kind, "value");
 * } // stopped here
 * ```
 */
export interface ConfigWatch<T>
  extends AsyncIterableIterator<WatchEvent<T>>, AsyncDisposable {
  /** The next event; the first call starts the watch. */
  next(): Promise<IteratorResult<WatchEvent<T>, undefined>>;
  /** Stops the watch (what ending a `for await` loop calls). */
  return(): Promise<IteratorResult<WatchEvent<T>, undefined>>;
  /** Stops the watch; settles once every timer, watcher and read in flight has ended. */
  close(): Promise<void>;
}

/**
 * Options for {@linkcode ConfigManager.watch}.
 *
 * @example Stop a watch from elsewhere
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, type WatchOptions } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * await using manager = new ConfigManager([new MemorySource({ Port: 8080 })]);
 * const stop = new AbortController();
 * const options: WatchOptions = { signal: stop.signal };
 * let events = 0;
 * for await (const _ of manager.watch(Port, options)) {
 *   events++;
 *   stop.abort(); // the loop ends quietly, as if it had broken out
 * }
 * assert.equal(events, 1);
 * ```
 */
export interface WatchOptions {
  /** Aborting it stops the watch: the loop ends, and every timer and watcher is released. */
  readonly signal?: AbortSignal;
}
