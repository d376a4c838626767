/**
 * Private: asks for every field of a plan with `@inquirer/prompts`, checking each
 * answer against its field's schema and asking again with zod's message.
 *
 * The prompt module is passed in, so this file never loads it by itself.
 *
 * @module
 */
import type * as Inquirer from "@inquirer/prompts";
import type { Readable, Writable } from "node:stream";
import { mergeValues, valueAt } from "../layering.ts";
import type { PromptAnswer } from "../prompter.ts";
import { parseJson as parseJsonValue } from "../json.ts";
import { validateSyncFirst } from "../validate.ts";
import {
  assemble,
  type Choice,
  type PromptField,
  type PromptPlan,
  withStoredExtras,
} from "./fields.ts";
import type { z } from "zod";

/** The prompt functions `ask` uses. */
export type PromptModule = Pick<
  typeof Inquirer,
  "input" | "number" | "confirm" | "select" | "password"
>;

/** Where prompts read and write, and what ends them. */
export interface PromptIo {
  /** The stream keys are read from. */
  readonly input: Readable;
  /** The stream messages are written to. */
  readonly output: Writable;
  /**
   * Returns the stream one prompt draws on. Each prompt ends its stream when
   * it is done, so an injected stream is wrapped to stay open.
   */
  readonly promptOutput: () => Writable;
  /** Aborts the current prompt (closed input). */
  readonly signal: AbortSignal;
}

const REQUIRED = "A value is required";
const NONE = "(none)";

/** Returns `true`, or zod's first message, for an answer to `field`. */
async function check(
  field: PromptField,
  value: unknown,
): Promise<true | string> {
  if (value === undefined) return field.optional ? true : REQUIRED;
  const result = await validateSyncFirst(field.schema, value);
  if (result.ok) return true;
  const issue = result.issues[0];
  if (issue === undefined) return "Invalid value";
  return issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`;
}

/** A JSON answer; its numbers read as the text says (see `json.ts` parseJson). */
function parseJson(text: string): { value: unknown } | string {
  const parsed = parseJsonValue(text);
  if (parsed.ok) return { value: parsed.value };
  return parsed.path === undefined
    ? "Enter valid JSON"
    : `${parsed.path || "(value)"}: ${parsed.message}`;
}

function parseElement(field: PromptField, text: string): unknown {
  switch (field.element) {
    case "number":
      return text === "" ? Number.NaN : Number(text);
    case "boolean":
      return /^(true|yes|y)$/i.test(text)
        ? true
        : /^(false|no|n)$/i.test(text)
        ? false
        : text;
    case "select":
      return field.choices?.find((c) => String(c) === text) ?? text;
    default:
      return text;
  }
}

/** Splits a comma-separated answer; an empty answer is an empty list. */
function parseList(field: PromptField, text: string): unknown[] {
  if (text.trim() === "") return [];
  return text.split(",").map((part) => parseElement(field, part.trim()));
}

async function checkList(
  field: PromptField,
  text: string,
): Promise<true | string> {
  if (text.trim() === "" && field.optional) return true;
  const items = parseList(field, text);
  if (field.elementSchema !== undefined) {
    for (const [index, item] of items.entries()) {
      // An element of a list marked secret as a whole is secret too.
      const result = await validateSyncFirst(field.elementSchema, item, {
        insideSecret: field.secret,
      });
      if (!result.ok) {
        return `Item ${index + 1}: ${result.issues[0]?.message ?? "invalid"}`;
      }
    }
  }
  return await check(field, items);
}

/**
 * Whether `code` is a C0 or C1 control character. A stored value is data, which another tool
 * or a hand-edited file may fill with escape sequences; drawn as a prompt's
 * pre-filled default they would be terminal commands (clear the screen,
 * set the window title, write the clipboard).
 */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Whether `text` may be drawn as it is: it holds no control character. */
function drawable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (isControl(text.charCodeAt(i))) return false;
  }
  return true;
}

/** What an empty answer keeps, for a default that is not drawn. */
function keepHint(current: boolean): string {
  return current
    ? " (leave empty to keep the current value)"
    : " (leave empty for the default)";
}

/**
 * `value` as JSON text that can be drawn: JSON escapes C0 controls but
 * writes C1 controls (U+0080 to U+009F) and DEL as they are; escaped, the
 * text still parses to the same value.
 */
function drawableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) =>
      isControl(c.charCodeAt(0))
        ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
        : c,
  );
}

function listText(value: unknown): string | undefined {
  return Array.isArray(value)
    ? value.map((v) => String(v)).join(", ")
    : undefined;
}

/**
 * Asks for one field; resolves to its value, or `undefined` when left
 * empty. `fallback` is what an empty answer keeps: the current value (a
 * stored one, or the last answer) when `current`, else the schema's
 * default.
 */
async function askField(
  prompts: PromptModule,
  io: PromptIo,
  field: PromptField,
  fallback: unknown,
  current: boolean,
): Promise<unknown> {
  const context = {
    input: io.input,
    output: io.promptOutput(),
    signal: io.signal,
  };
  const hasDefault = fallback !== undefined;
  if (field.secret) {
    // Any part of the value may be secret, so nothing is pre-filled or
    // echoed: the stored or default value is kept by an empty answer
    // without being drawn.
    const hint = hasDefault ? keepHint(current) : "";
    const format = field.kind === "list"
      ? " (comma-separated)"
      : field.kind === "json"
      ? " (JSON)"
      : field.kind === "date"
      ? ` (${DATE_FORMAT})`
      : "";
    const answer = await prompts.password({
      message: field.message + format + hint,
      mask: true,
      // Revealing the secret would draw it on the output stream.
      toggleMask: false,
      validate: async (text) => {
        if (text === "" && hasDefault) return true;
        if (field.kind === "json" && text !== "") {
          const parsed = parseJson(text);
          return typeof parsed === "string"
            ? parsed
            : await check(field, parsed.value);
        }
        if (field.kind === "list") return await checkList(field, text);
        if (field.kind === "date" && text !== "") {
          const date = await dateAnswer(field, text);
          return "error" in date ? date.error : await check(field, date.value);
        }
        return await check(
          field,
          text === "" ? undefined : coerceText(field, text),
        );
      },
    }, context);
    if (answer === "") {
      if (hasDefault) return fallback;
      // As an unmasked list: an empty answer to a required list is `[]`.
      return field.kind === "list" && !field.optional ? [] : undefined;
    }
    if (field.kind === "json") {
      return (parseJson(answer) as { value: unknown }).value;
    }
    if (field.kind === "date") {
      return (await dateAnswer(field, answer) as { value: unknown }).value;
    }
    return coerceText(field, answer);
  }
  switch (field.kind) {
    case "number": {
      const answer = await prompts.number({
        message: field.message,
        ...(typeof fallback === "number" ? { default: fallback } : {}),
        ...(field.min === undefined ? {} : { min: field.min }),
        ...(field.max === undefined ? {} : { max: field.max }),
        step: field.integer ? 1 : "any",
        required: !field.optional,
        validate: (value) => check(field, value),
      }, context);
      return answer;
    }
    case "boolean":
      return await prompts.confirm({
        message: field.message,
        default: typeof fallback === "boolean" ? fallback : false,
      }, context);
    case "select": {
      const choices: { name: string; value: Choice | typeof NONE }[] = (
        field.choices ?? []
      ).map((value) => ({ name: String(value), value }));
      if (field.optional && !hasDefault) {
        choices.push({ name: NONE, value: NONE });
      }
      const preselected = choices.find((c) => c.value === fallback);
      const answer = await prompts.select({
        message: field.message,
        choices,
        ...(preselected === undefined ? {} : { default: preselected.value }),
      }, context);
      return answer === NONE ? undefined : answer;
    }
    case "date": {
      const shown = dateText(fallback);
      const answer = await prompts.input({
        message: `${field.message} (${DATE_FORMAT})`,
        ...(shown === undefined ? {} : { default: shown }),
        validate: async (text) => {
          if (text.trim() === "") return await check(field, undefined);
          const date = await dateAnswer(field, text);
          return "error" in date ? date.error : await check(field, date.value);
        },
      }, context);
      if (answer.trim() === "") return undefined;
      return (await dateAnswer(field, answer) as { value: unknown }).value;
    }
    case "list": {
      const shown = listText(fallback);
      const hidden = shown !== undefined && !drawable(shown);
      const answer = await prompts.input({
        message: `${field.message} (comma-separated)${
          hidden ? keepHint(current) : ""
        }`,
        ...(shown === undefined || hidden ? {} : { default: shown }),
        // The pre-filled text kept as it is keeps the list as it is: split
        // again at its commas, ["a,b"] would come back as ["a", "b"].
        validate: (text) =>
          (hidden ? text === "" : text === shown) || checkList(field, text),
      }, context);
      if (hidden ? answer === "" : answer === shown) return fallback;
      if (answer.trim() === "" && field.optional && !hasDefault) {
        return undefined;
      }
      return parseList(field, answer);
    }
    case "json": {
      const answer = await prompts.input({
        message: `${field.message} (JSON)`,
        ...(hasDefault ? { default: drawableJson(fallback) } : {}),
        validate: async (text) => {
          if (text.trim() === "") return await check(field, undefined);
          const parsed = parseJson(text);
          return typeof parsed === "string"
            ? parsed
            : await check(field, parsed.value);
        },
      }, context);
      if (answer.trim() === "") return undefined;
      return (parseJson(answer) as { value: unknown }).value;
    }
    default: {
      const kept = typeof fallback === "string" && fallback !== ""
        ? fallback
        : undefined;
      const hidden = kept !== undefined && !drawable(kept);
      const answer = await prompts.input({
        message: field.message + (hidden ? keepHint(current) : ""),
        ...(kept === undefined || hidden ? {} : { default: kept }),
        validate: (text) =>
          (hidden && text === "") ||
          check(field, text === "" ? undefined : text),
      }, context);
      if (hidden && answer === "") return kept;
      return answer === "" ? undefined : answer;
    }
  }
}

/** How a date is typed. */
const DATE_FORMAT = "YYYY-MM-DD";

/** An ISO 8601 date, with an optional time and offset: what a date field takes. */
const ISO_DATE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The value of a date answer: the text as typed when the schema takes it
 * (`z.coerce.date()`, a union with a string), else the `Date` it denotes
 * (`z.date()`). Only ISO 8601 is taken: `new Date()` would also read
 * "05/01" differently by locale.
 */
async function dateAnswer(
  field: PromptField,
  text: string,
): Promise<{ value: unknown } | { error: string }> {
  const typed = text.trim();
  if (!ISO_DATE.test(typed)) {
    return { error: `Enter a date as ${DATE_FORMAT}, such as 2024-05-01` };
  }
  if ((await check(field, typed)) === true) return { value: typed };
  return { value: new Date(typed) };
}

/** A date fallback as it is typed: `2024-05-01`, or the full ISO time when it has one. */
function dateText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    return undefined;
  }
  const iso = value.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
}

/** Turns the text of a masked answer into the field's type. */
function coerceText(field: PromptField, text: string): unknown {
  if (field.kind === "number") {
    return text.trim() === "" ? Number.NaN : Number(text);
  }
  if (field.kind === "boolean") {
    return parseElement({ ...field, element: "boolean" }, text);
  }
  if (field.kind === "list") return parseList(field, text);
  return text;
}

/** How many keys the objects of an assembled value hold, nested ones included. */
function countKeys(value: unknown): number {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return 0;
  }
  let count = 0;
  for (const item of Object.values(value)) count += 1 + countKeys(item);
  return count;
}

/** Options for {@linkcode askForValue}. */
export interface AskOptions {
  /** A value whose fields pre-fill the questions (the still-valid part of a stored value). */
  readonly defaults?: unknown;
  /**
   * A partial value the sources hold (fields mode): its fields are not
   * asked for, and the answers are checked laid under it.
   */
  readonly held?: unknown;
}

/**
 * Asks for every field, assembles the value and validates it as a whole;
 * fields named by a whole-value failure are asked again.
 *
 * @param prompts The prompt functions.
 * @param io The streams and the abort signal.
 * @param schema The definition's schema.
 * @param plan The fields of the schema.
 * @param options Defaults for the questions.
 * @returns The parsed value.
 */
export async function askForValue<T>(
  prompts: PromptModule,
  io: PromptIo,
  schema: z.ZodType<T>,
  plan: PromptPlan,
  options: AskOptions = {},
): Promise<PromptAnswer<T>> {
  const held = options.held;
  const asked: readonly PromptField[] = held === undefined
    ? plan.fields
    : plan.fields.filter((field) => valueAt(held, field.path) === undefined);
  const answers = new Map<string, unknown>();
  const fallbacks = new Map<string, unknown>();
  // Whether a field's fallback is a value the person has (stored, or
  // answered), rather than the schema's default.
  const current = new Set<string>();
  for (const field of asked) {
    const stored = options.defaults === undefined
      ? undefined
      : field.path.length === 0
      ? options.defaults
      : valueAt(options.defaults, field.path);
    const usable = stored !== undefined &&
      (await check(field, stored)) === true;
    fallbacks.set(field.label, usable ? stored : field.defaultValue);
    if (usable) current.add(field.label);
  }
  let pending: readonly PromptField[] = asked;
  for (;;) {
    for (const field of pending) {
      const answer = await askField(
        prompts,
        io,
        field,
        fallbacks.get(field.label),
        current.has(field.label),
      );
      answers.set(field.label, answer);
      fallbacks.set(field.label, answer ?? field.defaultValue);
      if (answer === undefined) current.delete(field.label);
      else current.add(field.label);
    }
    // Laid under what the sources hold (fields mode), when they hold some.
    const whole = (answered: unknown): unknown =>
      held === undefined ? answered : mergeValues(schema, [held, answered]);
    const input = whole(assemble(plan, answers));
    let kept: unknown;
    if (options.defaults !== undefined) {
      // A stored value's keys that no question asks for (a catchall's, a
      // loose object's) are kept, not dropped by the rewrite; unless the
      // whole value fails with them and passes without, as no question
      // could fix them. (withStoredExtras fills in place: a second assembly.)
      kept = whole(
        await withStoredExtras(
          plan,
          assemble(plan, answers),
          options.defaults,
        ),
      );
      const withKept = await validateSyncFirst(schema, kept);
      if (withKept.ok) return { input: kept, value: withKept.value };
    }
    const result = await validateSyncFirst(schema, input);
    if (result.ok) {
      if (kept !== undefined) {
        // Their names are data (a catchall's keys), so only their count.
        const left = countKeys(kept) - countKeys(input);
        io.output.write(
          `Note: ${left} stored key${
            left === 1 ? "" : "s"
          } that no question asks for ${
            left === 1 ? "was" : "were"
          } left out: with them the value fails the schema\n`,
        );
      }
      return { input, value: result.value };
    }
    io.output.write(
      `The answers do not fit together: ${
        result.issues.map((i) => `${i.path || "(value)"}: ${i.message}`).join(
          "; ",
        )
      }\n`,
    );
    const named = asked.filter((field) =>
      result.issues.some((issue) =>
        issue.path !== "" &&
        (issue.path === field.label ||
          issue.path.startsWith(`${field.label}.`) ||
          issue.path.startsWith(`${field.label}[`) ||
          field.label.startsWith(`${issue.path}.`))
      )
    );
    pending = named.length > 0 ? named : asked;
  }
}
