/**
 * Private: `getOrPrompt`: resolve like `get`, and ask for what is missing or
 * no longer valid, then persist the answer. `ConfigManager` loads this
 * module only when `getOrPrompt` is called.
 *
 * @module
 */
import type { ConfigDefinition } from "../../config.ts";
import {
  ConfigValidationError,
  PromptUnavailableError,
  SourceUnavailableError,
  type ValidationIssue,
} from "../../errors.ts";
import type { ConfigSource } from "../../source.ts";
import { findPrompter } from "../prompter.ts";
import { isPlainObject } from "../json.ts";
import { storeFields } from "../layered_write.ts";
import { resolveLayers } from "../layering.ts";
import {
  howToSet,
  notFoundError,
  nothingFound,
  resolve,
  type Situation,
  writeTarget,
} from "../resolver.ts";
import { lossMessage, store } from "../storage.ts";
import { parsedSync } from "../validate.ts";
import { describeFields } from "./fields.ts";
import { skeleton } from "./skeleton.ts";

/**
 * Resolves `def` through `sources`; when no source has it, asks through the
 * chain's prompter and persists the answer to the first source that
 * persists. A stored value that fails the schema is asked for again (in a
 * terminal) and overwritten where it was. `situation` words the advice of
 * a "no value" error for who reads it (the CLI passes its commands).
 */
export async function getOrPrompt<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  situation: Situation = {},
): Promise<T> {
  if (def.layering === "fields") {
    return await getOrPromptFields(sources, def, situation);
  }
  const resolution = await resolve(sources, def);
  if (resolution.kind === "found" || resolution.kind === "defaults") {
    return resolution.value;
  }
  const prompter = findPrompter(sources);
  if (resolution.kind === "missing") {
    if (prompter === undefined) {
      throw notFoundError(sources, def.key, resolution.unavailable, situation);
    }
    // Checked before asking, so nobody answers questions that cannot be saved.
    const target = writeTarget(sources, def.key);
    const down = resolution.unavailable.find((e) => e.source === target.name);
    if (down !== undefined) {
      throw new SourceUnavailableError(
        target.name,
        `${down.reason}; nothing was asked, since the answer could not be saved there`,
        { key: def.key },
      );
    }
    if (!prompter.isInteractive()) throw noTerminal(sources, def, situation);
    refuseUnstorable(def);
    const answer = await prompter.answer(def, {});
    await store(target, def, answer.input, answer.value);
    return answer.value;
  }
  // The stored value fails the schema and migrate() did not fix it. Asking
  // again only helps when the answer can replace it where it is stored.
  if (
    prompter === undefined || !resolution.source.persists ||
    !prompter.isInteractive()
  ) {
    throw resolution.error;
  }
  const paths = [
    ...new Set(resolution.issues.map((issue) => issue.path || "(value)")),
  ];
  const answer = await prompter.answer(def, {
    defaults: resolution.raw,
    reason:
      `The stored value for "${def.key}" in ${resolution.locator} no longer matches its schema at: ${
        paths.join(", ")
      }. Please answer again; fields that are still valid are pre-filled.`,
  });
  await store(resolution.source, def, answer.input, answer.value);
  return answer.value;
}

/**
 * The error for a value that is missing where nobody can be asked: how to
 * set it in the chain's other sources, with a JSON skeleton.
 */
function noTerminal<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  situation: Situation,
): PromptUnavailableError {
  const example = skeleton(def.schema);
  return new PromptUnavailableError(
    def.key,
    example,
    howToSet(
      sources.filter((source) => findPrompter([source]) === undefined),
      def.key,
      example,
      // "or run in a terminal" is the error's own ending.
      situation.store === undefined ? {} : { store: situation.store },
    ),
  );
}

/** Any ISO date: what a date field's answer is stored as. */
const ISO_SAMPLE = new Date(0).toISOString();

/**
 * Refuses, before a single question, a definition whose answers could not
 * be stored: a date field whose schema does not read back the ISO string
 * JSON stores a Date as (`z.date()` rather than `z.coerce.date()`). Asking
 * first would throw every answer away.
 */
function refuseUnstorable<T, I>(def: ConfigDefinition<T, I>): void {
  const issues: ValidationIssue[] = describeFields(def.schema, def.key).fields
    .filter((field) =>
      field.kind === "date" &&
      parsedSync(field.schema, ISO_SAMPLE) === undefined
    )
    .map((field) => ({
      path: field.path.join("."),
      message: lossMessage({ path: field.path, kind: "date" }),
    }));
  if (issues.length > 0) {
    throw new ConfigValidationError(
      def.key,
      "the schema",
      issues,
      "nothing was asked, since the answers could not be stored",
    );
  }
}

/**
 * `getOrPrompt` of a definition with `layering: "fields"`: asks only for
 * the fields no source has (and those stored in the write target that fail
 * the schema), checks the answers together with what the sources hold, and
 * stores in the target only what was asked, never a field another source
 * holds.
 */
async function getOrPromptFields<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  situation: Situation,
): Promise<T> {
  const outcome = await resolveLayers(sources, def);
  const resolution = outcome.resolution;
  if (resolution?.kind === "found") return resolution.value;
  const unavailable = outcome.chain.unavailable;
  if (resolution === undefined) {
    const nothing = await nothingFound(sources, def, unavailable);
    if (nothing.kind === "defaults") return nothing.value;
  }
  const prompter = findPrompter(sources);
  if (prompter === undefined) {
    if (resolution?.kind === "invalid") throw resolution.error;
    throw notFoundError(sources, def.key, unavailable, situation);
  }
  const target = writeTarget(sources, def.key);
  const plan = describeFields(def.schema, def.key);
  let held = outcome.assessment?.merged.value;
  let refused = false;
  if (resolution?.kind === "invalid") {
    // A field that fails where the answer will be stored is asked again;
    // one that fails elsewhere cannot be fixed by asking.
    for (const issue of resolution.issues) {
      const blamed = outcome.assessment?.blamed.get(issue) ?? [];
      if (blamed.length === 0) continue; // no source has it: asked anyway
      const field = plan.fields.find((f) =>
        f.path.length > 0 && isAtOrUnder(issue.path, f.label)
      );
      if (
        field === undefined ||
        blamed.some((layer) => layer.source !== target) || !target.persists
      ) {
        throw resolution.error;
      }
      held = withoutField(held, field.path);
      refused = true;
    }
  }
  const down = unavailable[0];
  if (down !== undefined) {
    throw new SourceUnavailableError(
      down.source ?? "a source",
      `${down.reason}; nothing was asked: it may hold fields of "${def.key}", which would then be asked for and stored in ${target.name}`,
      { key: def.key },
    );
  }
  if (!prompter.isInteractive()) throw noTerminal(sources, def, situation);
  refuseUnstorable(def);
  const answer = await prompter.answer(def, {
    ...(held === undefined ? {} : { held }),
    ...(held === undefined ? {} : {
      reason: `Some fields of "${def.key}" ${
        refused ? "no longer match its schema or " : ""
      }have no value yet; the fields the sources hold are not asked.`,
    }),
  });
  await storeFields(
    sources,
    target,
    def,
    answer.input,
    answer.value,
    "the value to store",
  );
  return answer.value;
}

/** Whether an issue path is `label` or lies inside it. */
function isAtOrUnder(path: string, label: string): boolean {
  return path === label || path.startsWith(`${label}.`) ||
    path.startsWith(`${label}[`);
}

/** `value` without the field at `path` (copied on the way, never changed). */
function withoutField(value: unknown, path: readonly string[]): unknown {
  const [name, ...rest] = path;
  if (name === undefined || !isPlainObject(value)) return value;
  const copy: Record<string, unknown> = { ...value };
  if (rest.length === 0) delete copy[name];
  else {
    Object.defineProperty(copy, name, {
      value: withoutField(copy[name], rest),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
