/**
 * `harmony-config list`: the keys each source holds.
 *
 * @module
 */
import type { ConfigDefinition } from "../../config.ts";
import type { ValidationIssue } from "../../errors.ts";
import type { ConfigSource } from "../../source.ts";
import { SqliteSource } from "../../sources/sqlite.ts";
import { openChain, planChain } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { cliErrorMessage, ExitCode } from "../errors.ts";
import { isValidKey } from "../../_internal/key.ts";
import { type Output, shownKey } from "../output.ts";
import { definitionsFor } from "../schema.ts";
import { fieldLayout } from "../../_internal/field_layout.ts";
import { isPlainObject } from "../../_internal/json.ts";
import { valueAt } from "../../_internal/layering.ts";
import { validateSyncFirst } from "../../_internal/validate.ts";

/** One listed key; `invalid` when it is not an identifier (written by another tool). */
interface ListedKey {
  readonly key: string;
  readonly updatedAt?: string;
  readonly invalid?: true;
  /** With the definitions: whether one defines the key. */
  readonly defined?: boolean;
  /** For a per-field env var (`Db__host`): the fields-mode key it sets a field of. */
  readonly fieldOf?: string;
  /** With a definition: whether what the source holds passes its schema. */
  readonly valid?: boolean;
  /** The failing paths and messages, when it does not. */
  readonly issues?: readonly ValidationIssue[];
}

/** The keys of one source, or why they could not be listed. */
interface SourceListing {
  readonly source: string;
  readonly keys: readonly ListedKey[];
  readonly error?: string;
}

/**
 * Runs `list`.
 *
 * @param context The command's options and streams.
 * @returns 0, or 1 when a source could not be listed.
 */
export async function listCommand(context: CommandContext): Promise<number> {
  const { options, out, cwd } = context;
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const loaded = await definitionsFor(options.schema, cwd);
  const definitions = new Map(
    (loaded?.definitions ?? []).map((def) => [def.key, def]),
  );
  const listings: SourceListing[] = [];
  for (const source of manager.sources) {
    const listing = await listSource(source);
    listings.push(
      loaded === undefined ? listing : {
        ...listing,
        keys: await Promise.all(
          listing.keys.map((k) => checked(source, k, definitions)),
        ),
      },
    );
  }
  const failed = listings.some((listing) => listing.error !== undefined);
  if (out.json) {
    await out.document({ sources: listings });
    return failed ? ExitCode.Error : ExitCode.Ok;
  }
  for (const listing of listings) {
    await out.line(out.style("bold", listing.source));
    if (listing.error !== undefined) {
      await out.line(`  ${out.style("red", "error:")} ${listing.error}`);
    } else if (listing.keys.length === 0) {
      await out.line(`  ${out.style("dim", "(no keys)")}`);
    }
    const shown = listing.keys.map((k) => shownKey(k.key));
    const width = Math.max(0, ...shown.map((key) => key.length));
    for (const [index, listed] of listing.keys.entries()) {
      const { updatedAt, invalid } = listed;
      const key = shown[index] ?? "";
      const line = updatedAt === undefined
        ? `  ${key.padEnd(width)}`
        : `  ${key.padEnd(width)}  ${out.style("dim", `${updatedAt} UTC`)}`;
      await out.line(
        (invalid
          ? `${line}  ${
            out.style(
              "yellow",
              "(not a valid key: get cannot read it; unset removes it)",
            )
          }`
          : `${line}${verdict(out, listed)}`).trimEnd(),
      );
    }
  }
  return failed ? ExitCode.Error : ExitCode.Ok;
}

async function listSource(source: ConfigSource): Promise<SourceListing> {
  try {
    if (source instanceof SqliteSource) {
      // The file is shared with other tools, which may store any text as a
      // key: such rows are shown, marked, so unset can remove them.
      const rows = await source.list();
      return {
        source: source.name,
        keys: rows.map((row) =>
          isValidKey(row.key) ? row : { ...row, invalid: true as const }
        ),
      };
    }
    const keys = [...await source.keys()].sort();
    return { source: source.name, keys: keys.map((key) => ({ key })) };
  } catch (error) {
    return { source: source.name, keys: [], error: cliErrorMessage(error) };
  }
}

/** What a definition says of a listed key: known or not, valid or not. */
async function checked(
  source: ConfigSource,
  listed: ListedKey,
  definitions: ReadonlyMap<string, ConfigDefinition<unknown>>,
): Promise<ListedKey> {
  if (listed.invalid) return listed;
  const def = definitions.get(listed.key);
  if (def === undefined) {
    const owner = [...definitions.values()].find((d) =>
      d.layering === "fields" && listed.key.startsWith(`${d.key}__`)
    );
    return owner === undefined
      ? { ...listed, defined: false }
      : { ...listed, defined: false, fieldOf: owner.key };
  }
  let value: unknown;
  try {
    value = await source.get(listed.key);
  } catch (error) {
    return {
      ...listed,
      defined: true,
      valid: false,
      issues: [{ path: "", message: cliErrorMessage(error) }],
    };
  }
  const issues = def.layering === "fields"
    ? await fieldIssues(def, value)
    : await wholeIssues(def, value);
  return issues.length === 0
    ? { ...listed, defined: true, valid: true }
    : { ...listed, defined: true, valid: false, issues };
}

async function wholeIssues(
  def: ConfigDefinition<unknown>,
  value: unknown,
): Promise<readonly ValidationIssue[]> {
  const result = await validateSyncFirst(def.schema, value);
  return result.ok ? [] : result.issues;
}

/**
 * A fields-mode source holds some fields: each is checked against its own
 * schema (a refinement across fields is checked on the merged value only).
 */
async function fieldIssues(
  def: ConfigDefinition<unknown>,
  value: unknown,
): Promise<readonly ValidationIssue[]> {
  if (!isPlainObject(value)) {
    return [{
      path: "",
      message: "Not an object: a fields-mode key holds fields",
    }];
  }
  const issues: ValidationIssue[] = [];
  for (const field of fieldLayout(def.schema).leaves) {
    const held = valueAt(value, field.path);
    if (held === undefined) continue;
    const result = await validateSyncFirst(field.schema, held);
    if (result.ok) continue;
    issues.push(
      ...result.issues.map((issue) => ({
        path: issue.path === ""
          ? field.label
          : issue.path.startsWith("[")
          ? `${field.label}${issue.path}`
          : `${field.label}.${issue.path}`,
        message: issue.message,
      })),
    );
  }
  return issues;
}

/** The note after a key: its definition, and whether its value is valid. */
function verdict(out: Output, listed: ListedKey): string {
  if (listed.fieldOf !== undefined) {
    return `  ${out.style("dim", `(a field of ${listed.fieldOf})`)}`;
  }
  if (listed.defined === false) {
    return `  ${out.style("dim", "(no definition)")}`;
  }
  if (listed.valid === true) return `  ${out.style("green", "valid")}`;
  if (listed.valid === false) {
    const paths = [
      ...new Set((listed.issues ?? []).map((i) => i.path || "(value)")),
    ];
    return `  ${out.style("red", `invalid at ${paths.join(", ")}`)}`;
  }
  return "";
}
