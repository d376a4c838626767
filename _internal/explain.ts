/**
 * Private: the report behind `ConfigManager.explain`.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ExplainStep, Explanation } from "../explain.ts";
import type { Resolution } from "../resolution.ts";
import type { ConfigSource } from "../source.ts";
import type { LayeredOutcome } from "./layering.ts";
import { nothingFound, resolve } from "./resolver.ts";
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
  if (def.layering === "fields") return await explainLayers(sources, def);
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
    case "found": {
      // The winner's step shows the same value, redacted once already:
      // reusing it keeps the two alike even for a value so deep that a
      // second walk for secrets would run out of stack elsewhere.
      const winner = steps.find((step) => step.winner && "value" in step);
      return {
        key,
        answeredBy: resolution.source.name,
        value: winner === undefined
          ? redacted(def.schema, resolution.value)
          : winner.value,
        steps,
      };
    }
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

/**
 * `explain` of a fields-mode definition: a step per source (every source
 * is read, and each that gave a field is a winner) and, per field, the
 * source that set it.
 */
async function explainLayers<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
): Promise<Explanation> {
  const { defaultsOnly, inspectLayers, leafReport, resolveLayers } =
    await import("./layering.ts");
  const steps: ExplainStep[] = [];
  const key = def.key;
  let outcome: LayeredOutcome<T>;
  try {
    outcome = await resolveLayers(sources, def, steps);
  } catch (failure) {
    // A source failed outright (a variable that is not JSON): report what
    // each source holds, and the failure.
    return {
      key,
      answeredBy: undefined,
      steps: await inspectLayers(sources, def),
      error: describeError(failure),
    };
  }
  const { resolution, assessment } = outcome;
  if (resolution !== undefined && assessment !== undefined) {
    const leaves = leafReport(def, assessment);
    if (resolution.kind === "found") {
      return {
        key,
        answeredBy: resolution.source.name,
        value: redacted(def.schema, resolution.value),
        steps,
        leaves,
      };
    }
    if (resolution.kind === "invalid") {
      return {
        key,
        answeredBy: undefined,
        steps,
        error: describeError(resolution.error),
        leaves,
      };
    }
  }
  const nothing = await nothingFound(sources, def, outcome.chain.unavailable);
  if (nothing.kind === "defaults") {
    return {
      key,
      answeredBy: "defaults",
      value: redacted(def.schema, nothing.value),
      steps,
      leaves: leafReport(def, defaultsOnly(nothing.value)),
    };
  }
  return {
    key,
    answeredBy: undefined,
    steps,
    error: nothing.kind === "missing" ? describeError(nothing.error) : "",
  };
}
