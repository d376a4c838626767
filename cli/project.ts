/**
 * The schema module a project names once, so that plain `harmony-config
 * get KEY` knows its definitions: `HARMONY_SCHEMA`, else the
 * `"harmony-config": { "schema": "./config.ts" }` member of the nearest
 * `deno.json`, `deno.jsonc` or `package.json` that has one, from the
 * working directory upward. `--schema` wins over both.
 *
 * `HARMONY_SCHEMA` lies outside the `HARMONY_CONFIG_` prefix on purpose:
 * any `HARMONY_CONFIG_<NAME>` is the env var of the key `<NAME>` (and
 * `HARMONY_CONFIG_SCHEMA` would be the value of a key `SCHEMA`).
 *
 * Under Deno, nothing here prompts: a variable or a file that is not
 * granted is passed over, and `doctor` says which flag lets it be read.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { parseJson } from "../_internal/json.ts";
import { isGranted, readTextFileIfAny } from "../_internal/runtime.ts";
import { optionalEnv } from "./env.ts";
import { UsageError } from "./errors.ts";

/** The variable that names the schema module for every command. */
export const SCHEMA_ENV_VAR = "HARMONY_SCHEMA";

/** The member of `deno.json` or `package.json` that holds the setting. */
const PROJECT_FIELD = "harmony-config";

/** The files looked in, in each directory, in this order. */
const PROJECT_FILES = ["deno.json", "deno.jsonc", "package.json"] as const;

/** A schema module found for the project. */
export interface ProjectSchema {
  /** The `--schema`-style reference: an absolute path, with `#Export` when one was named. */
  readonly reference: string;
  /** Where the setting was found: `HARMONY_SCHEMA` or a file's path. */
  readonly origin: string;
}

/** What looking for the setting found, for `doctor`. */
export interface ProjectLookup {
  /** The setting, if one was found. */
  readonly found?: ProjectSchema;
  /** Files that may hold it but could not be read in this run (not granted). */
  readonly unreadable: readonly string[];
  /** Files that could be read but are not JSON. */
  readonly unparsable: readonly string[];
}

/**
 * Finds the project's schema module.
 *
 * @param cwd The directory to start from.
 * @returns The setting, or `undefined` when there is none that can be read.
 * @throws {UsageError} When a file has the member but its `schema` is not a path.
 */
export function projectSchema(cwd: string): ProjectSchema | undefined {
  return lookUpProjectSchema(cwd).found;
}

/**
 * Looks for the project's schema module, and records what could not be
 * looked at.
 *
 * @param cwd The directory to start from.
 * @returns What was found, and the files that could not be read.
 * @throws {UsageError} When a file has the member but its `schema` is not a path.
 */
export function lookUpProjectSchema(cwd: string): ProjectLookup {
  // Read only where granted: an ungranted variable counts as unset.
  const fromEnv = optionalEnv(SCHEMA_ENV_VAR);
  if (fromEnv !== undefined) {
    return {
      found: { reference: absolute(cwd, fromEnv), origin: SCHEMA_ENV_VAR },
      unreadable: [],
      unparsable: [],
    };
  }
  const unreadable: string[] = [];
  const unparsable: string[] = [];
  for (let dir = resolve(cwd);; dir = dirname(dir)) {
    for (const name of PROJECT_FILES) {
      const file = join(dir, name);
      if (!isGranted({ name: "read", path: file })) {
        unreadable.push(file);
        continue;
      }
      let text: string | undefined;
      try {
        text = readTextFileIfAny(file);
      } catch {
        unreadable.push(file);
        continue;
      }
      if (text === undefined) continue;
      const setting = settingIn(text, file, name !== "package.json");
      if (setting === "unparsable") unparsable.push(file);
      else if (setting !== undefined) {
        return {
          found: { reference: absolute(dir, setting), origin: file },
          unreadable,
          unparsable,
        };
      }
    }
    if (dirname(dir) === dir) return { unreadable, unparsable };
  }
}

/** The `schema` of the file's `"harmony-config"` member, if it has one. */
function settingIn(
  text: string,
  file: string,
  comments: boolean,
): string | undefined | "unparsable" {
  // parseJson reads past a byte order mark, which editors on Windows may
  // save and npm reads past too.
  const parsed = parseJson(comments ? withoutComments(text) : text);
  if (!parsed.ok) return "unparsable";
  const document = parsed.value;
  if (typeof document !== "object" || document === null) return undefined;
  if (!Object.hasOwn(document, PROJECT_FIELD)) return undefined;
  const member = (document as Record<string, unknown>)[PROJECT_FIELD];
  const schema = typeof member === "object" && member !== null
    ? (member as Record<string, unknown>).schema
    : undefined;
  if (typeof schema !== "string" || schema === "" || schema.startsWith("#")) {
    throw new UsageError(
      `"${PROJECT_FIELD}" in ${file} needs "schema": a module path such as "./config.ts" (or "./config.ts#Postgres")`,
    );
  }
  return schema;
}

/** `path[#Export]` with the path made absolute against `base`. */
function absolute(base: string, reference: string): string {
  const hash = reference.lastIndexOf("#");
  const file = hash === -1 ? reference : reference.slice(0, hash);
  const rest = hash === -1 ? "" : reference.slice(hash);
  return resolve(base, file) + rest;
}

/**
 * JSONC (as `deno.json` may be) as JSON: comments and trailing commas
 * removed, strings left as they are.
 */
function withoutComments(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const gap = commentEnd(text, i);
    if (gap !== undefined) {
      out += " ";
      i = gap - 1;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end + 1);
      i = end;
    } else if (
      c !== "," || !/[}\]]/.test(text[significant(text, i + 1)] ?? "")
    ) {
      out += c;
    }
  }
  return out;
}

/** Where the comment that starts at `i` ends (just past it), if one does. */
function commentEnd(text: string, i: number): number | undefined {
  if (text[i] !== "/") return undefined;
  if (text[i + 1] === "/") {
    const end = text.indexOf("\n", i);
    return end === -1 ? text.length : end;
  }
  if (text[i + 1] === "*") {
    const end = text.indexOf("*/", i + 2);
    return end === -1 ? text.length : end + 2;
  }
  return undefined;
}

/** The index of the next character from `i` that is neither space nor comment. */
function significant(text: string, i: number): number {
  while (i < text.length) {
    const gap = commentEnd(text, i);
    if (gap !== undefined) i = gap;
    else if (/\s/.test(text[i]!)) i++;
    else break;
  }
  return i;
}

/** The index of the quote that ends the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (; i < text.length && text[i] !== '"'; i++) {
    if (text[i] === "\\") i++;
  }
  return i;
}
