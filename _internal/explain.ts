/**
 * Private: the report behind `ConfigManager.explain`.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ExplainStep, Explanation } from "../explain.ts";
import type { Resolution } from "../resolution.ts";
import type { ConfigSource } from "../source.ts";
import { resolve } from "./resolver.ts";
import { describeError } from "./safe_error.ts";
import { inspectSource, redacted } from "./steps.ts";

/**
 * Resolves `def` as `get` does, without writing anything back, and reports
 * what every source said. It never throws for what a source says: failures
 * become steps and `error`.
 */
export async function explain<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
): Promise<Explanation> {
  const steps: ExplainStep[] = [];
  let resolution: Resolution<T> | undefined;
  let failure: unknown;
  try {
    resolution = await resolve(sources, def, { steps, writeBack: false });
  } catch (caught) {
    failure = caught;
  }
  // Keep asking the sources after the one that decided, so the report
  // shows what each of them holds too.
  for (const source of sources.slice(steps.length)) {
    steps.push(await inspectSource(def, source));
  }
  const key = def.key;
  switch (resolution?.kind) {
    case "found":
      return {
        key,
        answeredBy: resolution.source.name,
        value: redacted(def.schema, resolution.value),
        steps,
      };
    case "defaults":
      return {
        key,
        answeredBy: "defaults",
        value: redacted(def.schema, resolution.value),
        steps,
      };
    case "invalid":
    case "missing":
      failure = resolution.error;
  }
  return { key, answeredBy: undefined, steps, error: describeError(failure) };
}
