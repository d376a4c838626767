/**
 * How a key resolved: what `ConfigManager.resolve` returns, for code that
 * builds on the manager without catching errors.
 *
 * @module
 */
import type {
  ConfigNotFoundError,
  ConfigValidationError,
  SourceUnavailableError,
  ValidationIssue,
} from "./errors.ts";
import type { ExplainStep } from "./explain.ts";
import type { ConfigSource } from "./source.ts";

/**
 * How a key resolved, for code that builds on `ConfigManager`. The
 * `invalid` and `missing` kinds carry the error `get` would throw, so a
 * caller that wants it writes `throw resolution.error`.
 *
 * @example Handle every outcome without exceptions
 * ```ts
 * import { type ConfigDefinition, ConfigManager, defineConfig, MemorySource, type Resolution } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * async function status<T, I>(manager: ConfigManager, def: ConfigDefinition<T, I>): Promise<string> {
 *   const resolution: Resolution<T> = await manager.resolve(def);
 *   switch (resolution.kind) {
 *     case "found":
 *       return `from ${resolution.source.name}`;
 *     case "defaults":
 *       return "from the schema's defaults";
 *     case "invalid":
 *       return `invalid at ${resolution.locator}: ${resolution.issues.map((i) => i.path).join(", ")}`;
 *     case "missing":
 *       return `missing (${resolution.unavailable.length} sources unavailable)`;
 *   }
 * }
 *
 * async function strictGet<T, I>(manager: ConfigManager, def: ConfigDefinition<T, I>): Promise<T> {
 *   const resolution = await manager.resolve(def);
 *   if (resolution.kind === "invalid" || resolution.kind === "missing") throw resolution.error;
 *   return resolution.value;
 * }
 *
 * const manager = new ConfigManager([new MemorySource({ Db: { port: "80" } })]);
 * const Db = defineConfig({ key: "Db", schema: z.object({ port: z.number() }) });
 * const Retries = defineConfig({ key: "Retries", schema: z.number().default(3) });
 * const Host = defineConfig({ key: "Host", schema: z.string() });
 * assert.equal(await status(manager, Db), "invalid at memory:Db: port");
 * assert.equal(await status(manager, Retries), "from the schema's defaults");
 * assert.equal(await status(manager, Host), "missing (0 sources unavailable)");
 * await assert.rejects(strictGet(manager, Host), /No value for key "Host"/);
 * ```
 */
export type Resolution<T> =
  & (
    | {
      readonly kind: "found";
      readonly value: T;
      /**
       * The source that answered; for a definition with `layering:
       * "fields"`, the first source that gave a field (`explain()`'s
       * `leaves` names the source of each).
       */
      readonly source: ConfigSource;
      readonly migrated: boolean;
    }
    | { readonly kind: "defaults"; readonly value: T }
    | {
      readonly kind: "invalid";
      /** The source of the value; in fields mode, of the first failing field. */
      readonly source: ConfigSource;
      readonly locator: string;
      /** The value that failed; in fields mode, the fields merged from every source. */
      readonly raw: unknown;
      /** The failing paths; in fields mode each names its field's source. */
      readonly issues: readonly ValidationIssue[];
      /** What `get` throws for it. */
      readonly error: ConfigValidationError;
    }
    | {
      readonly kind: "missing";
      readonly unavailable: readonly SourceUnavailableError[];
      /** What `get` throws for it. */
      readonly error: ConfigNotFoundError;
    }
  )
  & {
    /**
     * For a definition with `layering: "fields"`: every source that was
     * read (all of the chain, as any may hold a field), in chain order, the
     * unavailable ones included. Absent in whole mode, where the sources
     * up to the one that answered were read.
     */
    readonly readFrom?: readonly ConfigSource[];
  };

/**
 * Options for {@linkcode ConfigManager.resolve}.
 *
 * @example Resolve as explain() does: collect the steps, write nothing back
 * ```ts
 * import { ConfigManager, defineConfig, type ExplainStep, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number(), migrate: (old) => Number(old) });
 * const store = new MemorySource({ Port: "80" });
 * const manager = new ConfigManager([store]);
 * const steps: ExplainStep[] = [];
 * const resolution = await manager.resolve(Port, { steps, writeBack: false });
 * assert.equal(resolution.kind, "found");
 * assert.equal(steps[0]?.status, "migrated");
 * assert.equal(await store.get("Port"), "80");
 * ```
 */
export interface ResolveOptions {
  /** Receives what each source asked said, as `explain` reports it. */
  readonly steps?: ExplainStep[];
  /** Whether a migrated value is written back. Default `true`; `explain` passes `false`. */
  readonly writeBack?: boolean;
}
