/**
 * Private: whether a schema comes from a zod this library can read secret
 * marks from. `secret()` leaves its mark in zod's global metadata registry,
 * which `isSecret` reads through the library's own zod. A schema built with
 * another copy of zod (an app on zod 4.0, on zod 3.25's `zod/v4`, or a
 * second install nested under a package) registers its metadata in that
 * copy's registry unless the copies share one, and then every secret would
 * be shown in clear. Such a schema is refused, loudly, instead.
 *
 * A copy is told apart by the `_zod.version` object every schema carries
 * (one object per copy), and a registry by writing a mark through the
 * schema's own `.meta()` and reading it back through ours; zod 4.1.13 and
 * later share one registry on `globalThis`, so their copies pass. That is
 * why 4.1.13 is the oldest supported zod: a CommonJS app that
 * `require()`s zod gets zod's CommonJS build while this package imports its
 * ES module build, two copies of one version, and before 4.1.13 each had
 * its own registry.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import {
  childSchemas,
  MAX_SCHEMA_DEPTH,
  MAX_SCHEMA_NODES,
  walkSchemas,
} from "./schema_walk.ts";

/** The zod versions the library supports, as its npm peer dependency states them. */
export const SUPPORTED_ZOD_RANGE = "^4.1.13";

/** The oldest zod 4 minor version supported. */
const MIN_MINOR = 1;

interface ZodVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The library's own zod. */
const OURS: ZodVersion = z.core.version;

/** Why schemas of a zod copy (keyed by its version object) are refused; `null` when they are not. */
const verdicts = new WeakMap<object, string | null>();

/** A metadata key nobody else uses, for the registry probe. */
const PROBE_KEY = "__harmonyConfigRegistryProbe";

function format(version: ZodVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

function versionOf(schema: unknown): ZodVersion | undefined {
  const version = (schema as { _zod?: { version?: unknown } } | null)?._zod
    ?.version;
  if (typeof version !== "object" || version === null) return undefined;
  const { major, minor, patch } = version as Partial<ZodVersion>;
  return typeof major === "number" && typeof minor === "number" &&
      typeof patch === "number"
    ? version as ZodVersion
    : undefined;
}

function supported(version: ZodVersion): boolean {
  return version.major === 4 && version.minor >= MIN_MINOR;
}

/**
 * Whether a mark written through the schema's own `.meta()` lands in the
 * registry the library reads. The probe writes to a clone, so the schema
 * itself is left alone.
 */
function sharesRegistry(schema: z.ZodType): boolean {
  const meta = (schema as { meta?: unknown }).meta;
  if (typeof meta !== "function") return false;
  try {
    const probe = meta.call(schema, { [PROBE_KEY]: true }) as z.ZodType;
    return z.globalRegistry.get(probe)?.[PROBE_KEY] === true;
  } catch {
    return false;
  }
}

/** Why `schema` (one node, not its children) is refused, or `null`. */
function problemWith(schema: unknown): string | null {
  const version = versionOf(schema);
  if (version === undefined) {
    return "is not a zod 4 schema (zod 3 schemas, and anything else, carry no `_zod.version`)";
  }
  const known = verdicts.get(version);
  if (known !== undefined) return known;
  let verdict: string | null = null;
  if (!supported(version)) {
    verdict = `comes from zod ${
      format(version)
    }, which @harmony/config does not support`;
  } else if (
    version !== OURS && !sharesRegistry(schema as z.ZodType)
  ) {
    verdict = `comes from a second copy of zod (${
      format(version)
    }) whose metadata registry is not the one @harmony/config reads (zod ${
      format(OURS)
    }), so its secret() marks would be lost and secrets shown in clear${
      format(version) === format(OURS)
        ? " (one zod loaded twice: installed twice, or once through require() and once through import; zod 4.1.13 and later share one registry between copies)"
        : ""
    }`;
  }
  verdicts.set(version, verdict);
  return verdict;
}

/**
 * The first node of `schema`'s tree that is refused, with why; `"endless"`
 * when the walk's bounds (see {@linkcode walkSchemas}) left nodes
 * unchecked.
 */
function firstProblem(schema: unknown): string | "endless" | null {
  let problem: string | null = null;
  const end = walkSchemas([schema], childrenOf, (node) => {
    problem = problemWith(node);
    return problem !== null;
  });
  return end === "cut" ? "endless" : problem;
}

function childrenOf(node: unknown): readonly unknown[] {
  try {
    return childSchemas(node as z.ZodType);
  } catch {
    // A lazy schema whose getter throws: zod reports it when parsing.
    return [];
  }
}

/**
 * Throws when `schema`, or any schema inside it, comes from a zod the
 * library cannot read secret marks from.
 *
 * @param schema The schema given to `defineConfig` or `secret()`.
 * @param what What it was given to, such as `defineConfig({ key: "Db" })`.
 * @param key The key, when there is one.
 * @throws {ConfigError} Naming the schema's zod version, the library's and
 * the supported range.
 */
export function assertSupportedSchema(
  schema: unknown,
  what: string,
  key?: string,
): void {
  const problem = firstProblem(schema);
  if (problem === null) return;
  if (problem === "endless") {
    // Every node must be checked, or a secret() mark of another zod copy
    // could hide past the part that was.
    throw new ConfigError(
      `The schema passed to ${what} has more than ${MAX_SCHEMA_NODES} schema nodes or ${MAX_SCHEMA_DEPTH} levels, so it cannot be checked for secret() marks: a z.lazy() that builds a new schema each time it is called (z.lazy(() => makeNode())) never ends; build the recursive schema once and refer to it, as in const Node = z.object({ get child() { return Node.optional(); } })`,
      key === undefined ? {} : { key },
    );
  }
  throw new ConfigError(
    `The schema passed to ${what} ${problem}: @harmony/config uses zod ${
      format(OURS)
    } and supports zod ${SUPPORTED_ZOD_RANGE} (its peer dependency); install one supported zod for the whole app (npm ls zod shows every copy)`,
    key === undefined ? {} : { key },
  );
}
