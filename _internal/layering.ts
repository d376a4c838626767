/**
 * Private: field-level layering, for definitions with `layering: "fields"`.
 * Every source of the chain is read (any may hold a field); each gives a
 * layer, its whole value with the entries it holds for single fields laid
 * over it (`ConfigSource.readFields`, such as the env source's
 * `HARMONY_CONFIG_<KEY>__<field>` variables). The layers merge in chain
 * order: each leaf comes from the first layer that has it, objects merge
 * field by field, and arrays and every other value replace whole, never by
 * index. The schema then validates the merged value once, so its defaults
 * apply after the merge and a required field left out everywhere is still
 * an error, whose issue says which source each failing field came from.
 *
 * It knows sources only through `ConfigSource`; the resolver, `explain`,
 * `set` and `getOrPrompt` call it for fields-mode definitions.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import {
  ConfigValidationError,
  SourceUnavailableError,
  type ValidationIssue,
} from "../errors.ts";
import type { ExplainLeaf, ExplainStep } from "../explain.ts";
import type { Resolution } from "../resolution.ts";
import type { ConfigSource, FieldEntry, SourceEntry } from "../source.ts";
import { lazyEntry, readEntry } from "./entry.ts";
import { registerFieldsSync } from "./fields_sync.ts";
import {
  type FieldLayout,
  fieldLayout,
  type LayoutField,
  type MergedObject,
  pathKey,
} from "./field_layout.ts";
import { isPlainObject } from "./json.ts";
import { sourceFailure } from "./safe_error.ts";
import { failedStep, missStep, redacted } from "./steps.ts";
import {
  formatPath,
  validateSync,
  validateSyncFirst,
  type ValidationResult,
} from "./validate.ts";

/** What one source holds for a key: its whole value with its field entries laid over it. */
export interface Layer {
  /** The source. */
  readonly source: ConfigSource;
  /** Its whole value for the key, if it has one. */
  readonly entry: SourceEntry | undefined;
  /** What it holds for single fields. */
  readonly fields: readonly FieldEntry[];
  /** The layer as one partial value: `entry.value` with each field entry set at its path. */
  readonly value: unknown;
}

/** What reading one source of the chain gave. */
export type SourceRead =
  | { readonly source: ConfigSource; readonly layer: Layer }
  | { readonly source: ConfigSource; readonly layer?: undefined }
  | {
    readonly source: ConfigSource;
    readonly layer?: undefined;
    readonly failure: SourceUnavailableError;
  };

/** Every source of the chain, read for one key. */
export interface ChainRead {
  /** One per source, in chain order. */
  readonly reads: readonly SourceRead[];
  /** The layers of the sources that hold something, in chain order. */
  readonly layers: readonly Layer[];
  /** The sources that could not be reached. */
  readonly unavailable: readonly SourceUnavailableError[];
}

/** The layer a leaf came from, and its path. */
export interface Origin {
  /** The leaf's path. */
  readonly path: readonly string[];
  /** The layer that gave it. */
  readonly layer: Layer;
}

/** The layers merged into one value, with where each leaf came from. */
export interface Merged {
  /** The merged value; `undefined` when no layer holds anything. */
  readonly value: unknown;
  /** The origin of each leaf, by {@linkcode pathKey}. */
  readonly origins: ReadonlyMap<string, Origin>;
}

const NO_FIELDS: readonly FieldEntry[] = [];

/** Whether `value` is a promise (of any realm). */
function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Reads every source for `def`. A source that is unavailable is recorded
 * and skipped; any other failure is thrown, as in whole mode.
 *
 * @param detailed Ask for `entry()` (timestamps, versions), as `explain` does.
 */
export async function readChain<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  detailed: boolean,
): Promise<ChainRead> {
  const layout = fieldLayout(def.schema);
  const reads: SourceRead[] = [];
  const layers: Layer[] = [];
  const unavailable: SourceUnavailableError[] = [];
  for (const source of sources) {
    let layer: Layer | undefined;
    try {
      const entry = detailed
        ? await readEntry(source, def.key, true)
        : lazyEntry(source, def.key, await source.get(def.key));
      let fields = source.readFields?.(def.key, layout.fields) ?? NO_FIELDS;
      if (isThenable(fields)) fields = await fields;
      layer = makeLayer(source, entry, fields);
    } catch (error) {
      if (!(error instanceof SourceUnavailableError)) {
        throw sourceFailure(error, source.name, def.key);
      }
      unavailable.push(error);
      reads.push({ source, failure: error });
      continue;
    }
    if (layer === undefined) {
      reads.push({ source });
    } else {
      reads.push({ source, layer });
      layers.push(layer);
    }
  }
  return { reads, layers, unavailable };
}

/** Builds a layer, or `undefined` when the source holds nothing for the key. */
function makeLayer(
  source: ConfigSource,
  entry: SourceEntry | undefined,
  fields: readonly FieldEntry[],
): Layer | undefined {
  if (entry === undefined && fields.length === 0) return undefined;
  let value = entry?.value;
  if (fields.length > 0) {
    // Less specific first, so an entry for a field wins over one for the
    // object around it, and both over the whole value.
    const ordered = [...fields].sort((a, b) => a.path.length - b.path.length);
    for (const field of ordered) value = setAt(value, field.path, field.value);
  }
  return { source, entry, fields, value };
}

/**
 * `root` with `value` at `path`, copying each object on the way rather
 * than changing it (a source may hand out the objects it keeps); a part of
 * the path that is not an object is replaced by one.
 */
export function setAt(
  root: unknown,
  path: readonly string[],
  value: unknown,
): unknown {
  if (path.length === 0) return value;
  const [name, ...rest] = path as [string, ...string[]];
  const copy: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  define(copy, name, setAt(own(copy, name), rest, value));
  return copy;
}

/** Sets an own property, even one named `__proto__` (JSON data may have one). */
function define(
  target: Record<string, unknown>,
  name: string,
  value: unknown,
): void {
  if (name !== "__proto__") {
    target[name] = value;
    return;
  }
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** An own property, never one inherited (`__proto__` is the prototype otherwise). */
function own(target: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(target, name) ? target[name] : undefined;
}

/** Where, in its source, the leaf at `path` of `layer` was read. */
function locatorAt(layer: Layer, path: readonly string[]): string {
  let best: FieldEntry | undefined;
  for (const field of layer.fields) {
    if (
      field.path.length <= path.length &&
      field.path.every((name, i) => name === path[i]) &&
      (best === undefined || field.path.length > best.path.length)
    ) {
      best = field;
    }
  }
  return best?.locator ?? layer.entry?.locator ?? layer.source.name;
}

/**
 * Merges layers in chain order: each leaf from the first layer that has
 * it; an object the schema merges, field by field; anything else whole.
 */
export function mergeLayers(
  layers: readonly Layer[],
  layout: FieldLayout,
): Merged {
  const origins = new Map<string, Origin>();
  const made = new Set<object>();
  let root: unknown;
  for (const layer of layers) {
    root = mergeInto(root, layer.value, layout.root, made, [], (path) => {
      origins.set(pathKey(path), { path, layer });
    });
  }
  return { value: root, origins };
}

/**
 * Merges values as layers are merged, the first one's fields winning,
 * without recording where each leaf came from: `get`'s hot path, and what
 * a person answers laid under what the sources already hold. One value is
 * returned as it is (a parse never changes its input).
 */
export function mergeValues(
  schema: ConfigDefinition<unknown>["schema"],
  values: readonly unknown[],
): unknown {
  const layout = fieldLayout(schema);
  const made = new Set<object>();
  let root: unknown;
  for (const value of values) {
    if (value === undefined) continue;
    root = root === undefined
      ? value
      : mergeInto(root, value, layout.root, made, undefined, undefined);
  }
  return root;
}

/**
 * Lays `incoming` under `current`. `node` is the object the schema merges
 * at this place, or `undefined` for a leaf. With `took`, the path of each
 * leaf taken from `incoming` is reported (and built); without, no path is.
 * Objects of `current` that this merge did not make (`made`) came from a
 * source or a caller: they are copied, never changed.
 */
function mergeInto(
  current: unknown,
  incoming: unknown,
  node: MergedObject | undefined,
  made: Set<object>,
  path: readonly string[] | undefined,
  took: ((path: readonly string[]) => void) | undefined,
): unknown {
  if (incoming === undefined) return current;
  if (node !== undefined && isPlainObject(incoming)) {
    // Where an earlier layer put a value that is not an object, it holds.
    if (current !== undefined && !isPlainObject(current)) return current;
    let target = current as Record<string, unknown> | undefined;
    if (target === undefined) {
      if (took === undefined) return incoming; // nothing to merge with
      target = {};
    } else if (!made.has(target)) {
      target = { ...target };
    }
    made.add(target);
    for (const name of Object.keys(incoming)) {
      define(
        target,
        name,
        mergeInto(
          own(target, name),
          incoming[name],
          node.objects.get(name),
          made,
          path === undefined ? undefined : [...path, name],
          took,
        ),
      );
    }
    return target;
  }
  if (current !== undefined) return current;
  if (took !== undefined && path !== undefined) took(path);
  return incoming;
}

/** What {@linkcode ValidationIssue.source} says of a field no source has. */
const NO_SOURCE = "no source";

/** The merged layers and what the schema says of them. */
export interface Assessment<T> {
  /** The merged value and the origin of each leaf. */
  readonly merged: Merged;
  /** The schema's verdict; on failure each issue names its field's source. */
  readonly checked: ValidationResult<T>;
  /** The layers each failing issue came from (none for a field no source has). */
  readonly blamed: ReadonlyMap<ValidationIssue, readonly Layer[]>;
}

/** Merges `layers` and validates the result once, so defaults apply after the merge. */
async function assess<T, I>(
  def: ConfigDefinition<T, I>,
  layers: readonly Layer[],
): Promise<Assessment<T>> {
  const merged = mergeLayers(layers, fieldLayout(def.schema));
  let checked = validateSyncFirst(def.schema, merged.value);
  if (isThenable(checked)) checked = await checked;
  return judged(merged, checked);
}

function judged<T>(
  merged: Merged,
  checked: ValidationResult<T>,
): Assessment<T> {
  const blamed = new Map<ValidationIssue, readonly Layer[]>();
  if (checked.ok) return { merged, checked, blamed };
  const leaves = [...merged.origins.values()].map((origin) => ({
    label: formatPath(origin.path),
    origin,
  }));
  const issues = checked.issues.map((issue) => {
    const at = leaves.find((leaf) => within(issue.path, leaf.label));
    const origins = at !== undefined
      ? [at.origin]
      : leaves.filter((leaf) => within(leaf.label, issue.path)).map((leaf) =>
        leaf.origin
      );
    const locators = [
      ...new Set(origins.map((o) => locatorAt(o.layer, o.path))),
    ];
    const sourced: ValidationIssue = {
      ...issue,
      source: locators.length > 0 ? locators.join(", ") : NO_SOURCE,
    };
    blamed.set(sourced, [...new Set(origins.map((o) => o.layer))]);
    return sourced;
  });
  return { merged, checked: { ok: false, issues }, blamed };
}

/** Whether the issue path `path` is `ancestor` or lies inside it. */
function within(path: string, ancestor: string): boolean {
  return ancestor === "" || path === ancestor ||
    path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

/** The error for merged fields that fail the schema: each issue names its source, and the fix each source's. */
function layeredInvalidError<T, I>(
  def: ConfigDefinition<T, I>,
  sources: readonly ConfigSource[],
  layers: readonly Layer[],
  assessment: Assessment<T>,
): ConfigValidationError {
  const issues = assessment.checked.ok ? [] : assessment.checked.issues;
  const fixes = new Set<string>();
  const missing: string[] = [];
  for (const issue of issues) {
    const blamed = assessment.blamed.get(issue) ?? [];
    if (blamed.length === 0) {
      missing.push(issue.path || "(value)");
    } else {
      fixes.add(
        blamed.some((layer) => layer.source.persists)
          ? `correct or delete the value at ${issue.source}`
          : `change ${issue.source} to match the schema`,
      );
    }
  }
  if (missing.length > 0) {
    const layout = fieldLayout(def.schema);
    const places = new Set<string>();
    for (const label of missing) {
      const field = layout.fields.find((f) => f.label === label);
      if (field === undefined) continue;
      for (const source of sources) {
        const place = source.locateField?.(def.key, field.path);
        if (place !== undefined) places.add(place);
      }
    }
    const them = missing.length === 1 ? "it" : "them";
    fixes.add(
      `give ${andList(missing)} a value: ${
        places.size > 0 ? `set ${andList([...places])}, or ` : ""
      }store ${them} in a source that persists`,
    );
  }
  const from = [...new Set(layers.map((layer) => layer.source.name))];
  return new ConfigValidationError(
    def.key,
    `the fields merged from ${from.join(", ")}`,
    issues,
    [...fixes].join("; "),
  );
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 2
    ? items.join(" and ")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** A layer's locators: its whole value's, then each field entry's. */
function layerLocator(layer: Layer): string {
  const all = [
    ...(layer.entry === undefined ? [] : [layer.entry.locator]),
    ...layer.fields.map((field) => field.locator),
  ];
  return all.join(", ");
}

/** The first layer that gave a leaf; the first layer when none did (an empty object). */
function firstContributor(
  layers: readonly Layer[],
  merged: Merged,
): Layer | undefined {
  const giving = new Set([...merged.origins.values()].map((o) => o.layer));
  return layers.find((layer) => giving.has(layer)) ?? layers[0];
}

/** A fields-mode resolution, with what it was built from. */
export interface LayeredOutcome<T> {
  /** What every source said. */
  readonly chain: ChainRead;
  /** The merged value and its verdict; absent when no source holds anything. */
  readonly assessment?: Assessment<T>;
  /** `found` or `invalid`; absent when no source holds anything (the caller tries the defaults). */
  readonly resolution?: Resolution<T>;
}

/**
 * Resolves a fields-mode definition: reads every source, merges, validates.
 * `steps` receives one step per source, as `explain` reports them.
 */
export async function resolveLayers<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  steps?: ExplainStep[],
): Promise<LayeredOutcome<T>> {
  const chain = await readChain(sources, def, steps !== undefined);
  if (chain.layers.length === 0) {
    steps?.push(...stepsOf(def, chain, undefined));
    return { chain };
  }
  const assessment = await assess(def, chain.layers);
  steps?.push(...stepsOf(def, chain, assessment));
  const readFrom = sources;
  const { checked, merged } = assessment;
  if (checked.ok) {
    return {
      chain,
      assessment,
      resolution: {
        kind: "found",
        value: checked.value,
        source: firstContributor(chain.layers, merged)!.source,
        migrated: false,
        readFrom,
      },
    };
  }
  const [first] = checked.issues.filter((issue) =>
    (assessment.blamed.get(issue) ?? []).length > 0
  );
  const blamed = first === undefined
    ? firstContributor(chain.layers, merged)!
    : assessment.blamed.get(first)![0]!;
  return {
    chain,
    assessment,
    resolution: {
      kind: "invalid",
      source: blamed.source,
      locator: first?.source ?? layerLocator(blamed),
      raw: merged.value,
      issues: checked.issues,
      error: layeredInvalidError(def, sources, chain.layers, assessment),
      readFrom,
    },
  };
}

/** The step of each source, as `explain` reports it. */
function stepsOf<T, I>(
  def: ConfigDefinition<T, I>,
  chain: ChainRead,
  assessment: Assessment<T> | undefined,
): ExplainStep[] {
  const giving = new Set(
    [...(assessment?.merged.origins.values() ?? [])].map((o) => o.layer),
  );
  const ok = assessment?.checked.ok === true;
  return chain.reads.map((read): ExplainStep => {
    if ("failure" in read) return failedStep(read.source, read.failure);
    const layer = read.layer;
    if (layer === undefined) return missStep(read.source, def.key);
    const own = assessment === undefined || assessment.checked.ok
      ? []
      : assessment.checked.issues.filter((issue) =>
        assessment.blamed.get(issue)?.includes(layer)
      );
    const base = {
      source: read.source.name,
      locator: layerLocator(layer),
      ...timestamps(layer.entry),
    };
    return own.length > 0
      ? { ...base, status: "invalid", issues: own, winner: false }
      : {
        ...base,
        status: "hit",
        value: redacted(def.schema, layer.value),
        winner: ok && giving.has(layer),
      };
  });
}

/** The entry's `updatedAt` and `version`, where the source has them. */
function timestamps(
  entry: SourceEntry | undefined,
): { updatedAt?: string; version?: number } {
  return {
    ...(entry?.updatedAt === undefined ? {} : { updatedAt: entry.updatedAt }),
    ...(entry?.version === undefined ? {} : { version: entry.version }),
  };
}

/**
 * Each declared field that has a value, in schema order, with the source
 * that set it (`defaults` for a default the schema filled). Values are
 * redacted with the whole schema, so a secret anywhere above a field
 * hides it too.
 */
export function leafReport<T, I>(
  def: ConfigDefinition<T, I>,
  assessment: Assessment<T>,
): ExplainLeaf[] {
  const { merged, checked } = assessment;
  const shown = redacted(def.schema, checked.ok ? checked.value : merged.value);
  const leaves: ExplainLeaf[] = [];
  for (const field of fieldLayout(def.schema).fields) {
    const origin = merged.origins.get(pathKey(field.path));
    const value = valueAt(shown, field.path);
    const withValue = value === undefined ? {} : { value };
    if (origin !== undefined) {
      leaves.push({
        path: field.label,
        source: origin.layer.source.name,
        locator: locatorAt(origin.layer, field.path),
        ...withValue,
      });
    } else if (
      checked.ok && !field.merged && value !== undefined &&
      !hasOriginAbove(merged, field)
    ) {
      leaves.push({ path: field.label, source: "defaults", ...withValue });
    }
  }
  return leaves;
}

/** Whether a layer gave a value for an object around `field` (which then holds the field too). */
function hasOriginAbove(merged: Merged, field: LayoutField): boolean {
  for (let n = field.path.length - 1; n >= 0; n--) {
    if (merged.origins.has(pathKey(field.path.slice(0, n)))) return true;
  }
  return false;
}

/** The value at `path` inside plain objects, or `undefined`. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const name of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) {
      return undefined;
    }
    current = current[name];
  }
  return current;
}

/**
 * `get`'s path without a promise: every source offers `getSync` and
 * answers its fields without waiting, and the schema is synchronous.
 * Anything else (a source that is unavailable or fails, no source with a
 * field, an invalid value) returns `undefined`, and the full path decides.
 */
function resolveLayersSync<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
): { value: T } | undefined {
  const layout = fieldLayout(def.schema);
  const layers: Layer[] = [];
  try {
    for (const source of sources) {
      if (source.getSync === undefined) return undefined;
      const value = source.getSync(def.key);
      const fields = source.readFields?.(def.key, layout.fields) ?? NO_FIELDS;
      if (isThenable(fields)) {
        fields.then(undefined, () => {}); // the full path reads it again
        return undefined;
      }
      const layer = makeLayer(
        source,
        lazyEntry(source, def.key, value),
        fields,
      );
      if (layer !== undefined) layers.push(layer);
    }
    if (layers.length === 0) return undefined;
    const checked = validateSync(
      def.schema,
      mergeValues(def.schema, layers.map((layer) => layer.value)),
    );
    return checked.ok ? { value: checked.value } : undefined;
  } catch {
    // Unavailable, a failure, or an async schema: the full path says which.
    return undefined;
  }
}

/** An assessment of a value the schema's defaults gave alone: every leaf is from `defaults`. */
export function defaultsOnly<T>(value: T): Assessment<T> {
  return {
    merged: { value: undefined, origins: new Map() },
    checked: { ok: true, value },
    blamed: new Map(),
  };
}

/**
 * What each source holds, each read on its own, for a report when the
 * chain failed as a whole: failures become steps, nothing is a winner.
 */
export async function inspectLayers<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
): Promise<ExplainStep[]> {
  const steps: ExplainStep[] = [];
  for (const source of sources) {
    try {
      const read = (await readChain([source], def, true)).reads[0]!;
      const [step] = stepsOf(def, { ...EMPTY_CHAIN, reads: [read] }, undefined);
      steps.push({ ...step!, winner: false });
    } catch (error) {
      steps.push(failedStep(source, error));
    }
  }
  return steps;
}

const EMPTY_CHAIN: ChainRead = { reads: [], layers: [], unavailable: [] };

// From now on `get` of a fields-mode definition may skip the promises.
registerFieldsSync(resolveLayersSync);
