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
import {
  howToSet,
  notFoundError,
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
    if (!prompter.isInteractive()) {
      const example = skeleton(def.schema);
      throw new PromptUnavailableError(
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
