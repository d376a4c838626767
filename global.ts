/**
 * One process-wide `ConfigManager` for applications: `init`, `get`, `set`.
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import { ConfigManager } from "./manager.ts";
import { EnvSource } from "./sources/env.ts";
import { PromptSource } from "./sources/prompt.ts";
import { SqliteSource } from "./sources/sqlite.ts";

let current: Promise<ConfigManager> | undefined;
let owned = false;

/**
 * Builds the default chain, the Rust crate's: `EnvSource`, then
 * `SqliteSource` at the default path (`<data dir>/config/config.db`), then
 * `PromptSource` on stdin and stdout (used only by `getOrPrompt`).
 *
 * @returns A new manager over the default chain.
 *
 * @example
 * ```ts ignore
 * import { defaultManager } from "@harmony/config";
 *
 * await using manager = await defaultManager();
 * ```
 */
export async function defaultManager(): Promise<ConfigManager> {
  return new ConfigManager([
    new EnvSource(),
    await SqliteSource.open(),
    new PromptSource(),
  ]);
}

/**
 * Sets the process-wide manager. With no argument it builds the default
 * chain. A manager the library built itself is closed when replaced; one
 * you pass in stays yours to close.
 *
 * The manager takes effect before `init` returns, as the Rust crate's
 * synchronous `init()` does: a `get` or `set` right after `init(manager)`,
 * awaited or not, uses `manager` and never the default store. The promise
 * settles once the replaced manager (if the library built it) is closed,
 * or, with no argument, once the default chain is open.
 *
 * @param manager The manager to use.
 * @returns The manager now in use.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, get, init, MemorySource, reset } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Name = defineConfig({ key: "Name", schema: z.string() });
 * await init(new ConfigManager([new MemorySource({ Name: "harmony" })]));
 * assert.equal(await get(Name), "harmony");
 * await reset();
 * ```
 *
 * @example Without await: it is in use at once
 * ```ts
 * import { ConfigManager, currentManager, init, MemorySource, reset } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const manager = new ConfigManager([new MemorySource()]);
 * void init(manager);
 * assert.equal(await currentManager(), manager);
 * await reset();
 * ```
 */
export function init(manager?: ConfigManager): Promise<ConfigManager> {
  const previous = current;
  const previousOwned = owned;
  const next = manager ? Promise.resolve(manager) : defaultManager();
  current = next;
  owned = manager === undefined;
  next.catch(() => {
    if (current === next) current = undefined;
  });
  const closed = previous && previousOwned
    ? closeQuietly(previous)
    : Promise.resolve();
  return closed.then(() => next);
}

/** Closes a manager the library built; one that failed to open has nothing to close. */
async function closeQuietly(manager: Promise<ConfigManager>): Promise<void> {
  await (await manager.catch(() => undefined))?.close();
}

/**
 * Returns the process-wide manager, building the default chain on first use.
 *
 * @returns The manager in use.
 *
 * @example
 * ```ts
 * import { ConfigManager, currentManager, init, MemorySource, reset } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const manager = new ConfigManager([new MemorySource()]);
 * await init(manager);
 * assert.equal(await currentManager(), manager);
 * await reset();
 * ```
 */
export function currentManager(): Promise<ConfigManager> {
  if (current === undefined) {
    const next = defaultManager();
    current = next;
    owned = true;
    next.catch(() => {
      if (current === next) current = undefined;
    });
  }
  return current;
}

/**
 * Forgets the process-wide manager, closing it if the library built it.
 *
 * @example
 * ```ts
 * import { reset } from "@harmony/config";
 *
 * await reset();
 * ```
 */
export async function reset(): Promise<void> {
  const previous = current;
  const wasOwned = owned;
  current = undefined;
  owned = false;
  if (previous && wasOwned) await closeQuietly(previous);
}

/**
 * Returns the value for `def` from the process-wide manager.
 *
 * @param def The definition.
 * @returns The parsed value.
 * @throws {ConfigNotFoundError} When no source has the key.
 * @throws {ConfigValidationError} When the stored value fails the schema.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, get, init, MemorySource, reset } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * await init(new ConfigManager([new MemorySource({ Port: 80 })]));
 * assert.equal(await get(Port), 80);
 * await reset();
 * ```
 */
export async function get<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
  return await (await currentManager()).get(def);
}

/**
 * Validates `value` and stores it through the process-wide manager.
 *
 * @param def The definition.
 * @param value The value.
 * @returns The parsed value that was stored.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, get, init, MemorySource, reset, set } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * await init(new ConfigManager([new MemorySource()]));
 * await set(Port, 8080);
 * assert.equal(await get(Port), 8080);
 * await reset();
 * ```
 */
export async function set<T, I>(
  def: ConfigDefinition<T, I>,
  value: I,
): Promise<T> {
  return await (await currentManager()).set(def, value);
}

/**
 * Returns the value for `def` from the process-wide manager, asking for it
 * in the terminal when no source has it, and saving the answer (to SQLite in
 * the default chain). The next run asks nothing.
 *
 * @param def The definition.
 * @returns The parsed value.
 * @throws {PromptUnavailableError} When the value is missing and stdin is not a terminal.
 * @throws {PromptCancelledError} On Ctrl-C or closed input; nothing is saved.
 * @throws {ConfigNotFoundError} When the value is missing and the chain has no `PromptSource`.
 *
 * @example First run asks, later runs read SQLite
 * ```ts ignore
 * import { defineConfig, getOrPrompt, init } from "@harmony/config";
 * import { z } from "zod";
 *
 * const User = defineConfig({ key: "User", schema: z.object({ name: z.string().describe("Your name") }) });
 * await init(); // env, SQLite at the default path, prompt
 * console.log(await getOrPrompt(User));
 * ```
 */
export async function getOrPrompt<T, I>(
  def: ConfigDefinition<T, I>,
): Promise<T> {
  return await (await currentManager()).getOrPrompt(def);
}
