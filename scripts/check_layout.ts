/**
 * Checks the library's layout rules, as denoland/std's
 * `_tools/check_mod_exports.ts` and `check_circular_package_dependencies.ts`
 * check theirs:
 *
 * 1. **cycle**: no import cycles among the library's modules.
 * 2. **unexported**: every library file is reached from an entry point, or is
 *    private (a path segment starting with `_`).
 * 3. **cli-import**: `cli.ts` and `cli/` import only `cli/` files, private
 *    files, entry points, and public files an entry point other than the CLI
 *    reaches ({@linkcode cliImportAllowance}).
 * 4. **core-import**: the core ({@linkcode isCore}) imports no concrete source
 *    or store, only the interfaces in {@linkcode CORE_MAY_IMPORT}.
 * 5. **public-api**: each entry point exports exactly the symbols that
 *    `docs/public-api.md` lists under the entry's export key.
 *
 * Everything is derived from `deno.json` (`exports`, `exclude`,
 * `publish.exclude`), from `deno info --json` (it takes one file, so one run
 * per entry point, in parallel, then one per library file no entry reaches,
 * so that rules 3 and 4 see every import) and from one `deno doc --json` run
 * over all entry points, so new entry points and folders need no edit here.
 * What the rules allow is in the named constants at the top. Problems
 * outside the five rules (an unreadable `deno.json`, a module that does not
 * load or an import that does not resolve, a failing `deno` command) are
 * reported as **config** and **load** problems.
 *
 * Usage:
 *
 * ```sh
 * deno task check:layout            # the repository
 * deno run --allow-read --allow-run=deno scripts/check_layout.ts [root] [--json]
 * ```
 *
 * It prints one line per problem and a summary line, and exits 1 when there
 * is any problem; otherwise it prints
 * `layout ok: N files, M entry points, K public symbols` and exits 0. With
 * `--json` it prints one {@linkcode LayoutReport} as JSON instead.
 *
 * The pure functions ({@linkcode findCycles}, {@linkcode reachable},
 * {@linkcode cliImportProblems}, {@linkcode coreImportProblems},
 * {@linkcode parsePublicApi}, {@linkcode diffPublicApi}, …) are exported for
 * unit tests; {@linkcode checkLayout} runs them all on a directory.
 *
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { mapLimit } from "../_internal/promise.ts";

// ---------------------------------------------------------------------------
// The rules' data. Edit these lists, not the functions below.
// ---------------------------------------------------------------------------

/**
 * Folders that never hold library files, relative to the root. `deno.json`'s
 * `exclude` and `publish.exclude` patterns are added to these at run time;
 * this list covers what is not published even when `deno.json` forgets it.
 */
export const NON_LIBRARY_DIRS: readonly string[] = [
  "tests/", // tests mirror the tree; their helpers are in tests/_helpers/
  "bench/", // benchmarks
  "examples/", // runnable examples, not imported by the library
  "scripts/", // build and check scripts, this one included
  "docs/", // design records and the public-API list
  "npm/", // the npm build's output
  "npm_test/", // the npm smoke test's scratch package
  "node_modules/", // installed packages
  ".tmp/", // scratch space for builds
  ".git/", // the repository itself
];

/** File name endings that make a file a module the layout rules look at. */
export const LIBRARY_EXTENSIONS: readonly string[] = [".ts", ".mts", ".tsx"];

/** The CLI entry file: it and {@linkcode CLI_DIR} are the CLI (rule 3). */
export const CLI_ENTRY_FILE = "cli.ts";

/** The folder of the CLI's own modules (rule 3). */
export const CLI_DIR = "cli/";

/**
 * Top-level files that are not core although they sit beside `mod.ts`
 * (rule 4). Every file `deno.json` exports is excluded as well.
 */
export const CORE_EXCLUDED_FILES: readonly string[] = [
  "mod.ts", // the root entry point: re-exports sources on purpose
  "cli.ts", // the CLI entry point: wires concrete sources and stores
  "testing.ts", // the testing entry point: exports in-memory fakes
  "global.ts", // builds the default chain, so it names concrete sources
];

/** Folders of private modules that are core everywhere else (rule 4). */
export const CORE_PRIVATE_DIR = "_internal/";

/** Folders under {@linkcode CORE_PRIVATE_DIR} that are not core (rule 4). */
export const CORE_EXCLUDED_DIRS: readonly string[] = [
  "_internal/prompt/", // drives @inquirer/prompts for PromptSource, a source itself
];

/** Folders of concrete sources and stores the core may not import (rule 4). */
export const CONCRETE_DIRS: readonly string[] = [
  "sources/", // one file or folder per concrete configuration source
  "stores/", // secret-store clients (OpenBao, Zitadel, …)
];

/** Files under {@linkcode CONCRETE_DIRS} that the core may import (rule 4). */
export const CORE_MAY_IMPORT: readonly string[] = [
  "stores/secret_store.ts", // the SecretStore interface that every store implements
];

/**
 * Whether imports of types only (`import type`) count toward cycles (rule 1).
 * They vanish at run time, but they still tie the two modules' designs
 * together; a cycle's message says which of its steps are type-only.
 */
export const CYCLES_COUNT_TYPE_ONLY = true;

/** Where the written list of public symbols lives, relative to the root. */
export const PUBLIC_API_FILE = "docs/public-api.md";

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** The rule a problem breaks. */
export type Rule =
  | "cycle"
  | "unexported"
  | "cli-import"
  | "core-import"
  | "public-api"
  | "load"
  | "config";

/** One broken rule, with the root-relative files it concerns. */
export interface Problem {
  /** Which rule. */
  rule: Rule;
  /** One line that names the files and says what to do. */
  message: string;
  /** The files involved, relative to the root, `/`-separated. */
  files: string[];
}

/** One import from a module to a local file. */
export interface Edge {
  /** The imported file, relative to the root, `/`-separated. */
  to: string;
  /** `import()` rather than a static import. */
  dynamic: boolean;
  /** Only types are imported (`import type`, `export type … from`). */
  typeOnly: boolean;
}

/** Local modules (root-relative paths) and their imports of local files. */
export type Graph = Map<string, Edge[]>;

/** What the check found. */
export interface LayoutReport {
  /** The root that was checked, absolute. */
  root: string;
  /** How many library files there are. */
  files: number;
  /** How many entry points `deno.json` exports. */
  entryPoints: number;
  /** How many symbols the entry points export, summed over the entries. */
  publicSymbols: number;
  /** Every problem, in rule order. */
  problems: Problem[];
}

/** The parsed `docs/public-api.md`. */
export interface PublicApiList {
  /** Export key (`.`, `./cli`, …) to the symbols listed for it. */
  entries: Map<string, Set<string>>;
  /** Problems with the list itself (duplicate rows, empty cells). */
  problems: Problem[];
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/**
 * Whether a root-relative path is private: any segment starts with `_`, as
 * `_internal/resolver.ts` or `stores/openbao/_http.ts`.
 *
 * @param path A root-relative, `/`-separated path.
 * @returns True when the path is private.
 * @example Private and public paths
 * ```ts
 * import { isPrivate } from "./check_layout.ts";
 * isPrivate("stores/openbao/_http.ts"); // true
 * isPrivate("manager.ts"); // false
 * ```
 */
export function isPrivate(path: string): boolean {
  return path.split("/").some((segment) => segment.startsWith("_"));
}

/**
 * Whether a root-relative path is part of the CLI: `cli.ts` or under `cli/`.
 *
 * @param path A root-relative, `/`-separated path.
 * @returns True for the CLI's files.
 * @example
 * ```ts
 * import { isCliFile } from "./check_layout.ts";
 * isCliFile("cli/args.ts"); // true
 * ```
 */
export function isCliFile(path: string): boolean {
  return path === CLI_ENTRY_FILE || path.startsWith(CLI_DIR);
}

/**
 * Turns one `deno.json` `exclude` pattern (relative to the root; `*`, `**`
 * and `?` globs; a trailing `/` for folders) into a test for root-relative
 * paths. A pattern matches a path when it matches the path or one of its
 * parent folders. Negated (`!`) patterns give undefined: they only re-include.
 *
 * @param pattern The pattern as written in `deno.json`.
 * @returns A matcher, or undefined for a negated or empty pattern.
 * @example
 * ```ts
 * import { excludeMatcher } from "./check_layout.ts";
 * excludeMatcher("_probe*")?.("_probe_a.ts"); // true
 * excludeMatcher("npm/")?.("npm/esm/mod.js"); // true
 * ```
 */
export function excludeMatcher(
  pattern: string,
): ((path: string) => boolean) | undefined {
  let p = pattern.trim();
  if (p === "" || p.startsWith("!")) return undefined;
  p = p.replace(/^\.\//, "").replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "" || p === ".") return () => true;
  let source = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*" && p[i + 1] === "*") {
      i++;
      if (p[i + 1] === "/") {
        i++;
        source += "(?:.*/)?";
      } else {
        source += ".*";
      }
    } else if (c === "*") {
      source += "[^/]*";
    } else if (c === "?") {
      source += "[^/]";
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  const regex = new RegExp(`^${source}(?:/.*)?$`);
  return (path: string): boolean => regex.test(path);
}

/**
 * Whether a root-relative file is a library file: a module
 * ({@linkcode LIBRARY_EXTENSIONS}, not `.d.ts`) outside
 * {@linkcode NON_LIBRARY_DIRS} and outside every exclude pattern.
 *
 * @param path A root-relative, `/`-separated path.
 * @param excludes Matchers from {@linkcode excludeMatcher}.
 * @returns True for library files.
 * @example
 * ```ts
 * import { isLibraryFile } from "./check_layout.ts";
 * isLibraryFile("tests/_helpers/temp.ts", []); // false
 * isLibraryFile("sources/env.ts", []); // true
 * ```
 */
export function isLibraryFile(
  path: string,
  excludes: readonly ((path: string) => boolean)[],
): boolean {
  if (!LIBRARY_EXTENSIONS.some((ext) => path.endsWith(ext))) return false;
  if (path.endsWith(".d.ts")) return false;
  if (NON_LIBRARY_DIRS.some((dir) => path.startsWith(dir))) return false;
  return !excludes.some((excluded) => excluded(path));
}

/**
 * Whether a library file is core (rule 4): a public top-level file other
 * than {@linkcode CORE_EXCLUDED_FILES} and the entry points, or a file under
 * {@linkcode CORE_PRIVATE_DIR} outside {@linkcode CORE_EXCLUDED_DIRS}.
 * A private top-level file (`_env.ts`) is not core: the new layout keeps
 * private modules under `_internal/`.
 *
 * @param path A root-relative, `/`-separated library file.
 * @param entryFiles The files `deno.json` exports.
 * @returns True for core files.
 * @example
 * ```ts
 * import { isCore } from "./check_layout.ts";
 * isCore("manager.ts", new Set(["mod.ts"])); // true
 * isCore("global.ts", new Set(["mod.ts"])); // false
 * ```
 */
export function isCore(path: string, entryFiles: ReadonlySet<string>): boolean {
  if (path.startsWith(CORE_PRIVATE_DIR)) {
    return !CORE_EXCLUDED_DIRS.some((dir) => path.startsWith(dir));
  }
  return !path.includes("/") && !path.startsWith("_") &&
    !CORE_EXCLUDED_FILES.includes(path) && !entryFiles.has(path);
}

/**
 * Whether a file is a concrete source or store that the core may not import.
 *
 * @param path A root-relative, `/`-separated path.
 * @returns True for files under {@linkcode CONCRETE_DIRS} outside
 *   {@linkcode CORE_MAY_IMPORT}.
 * @example
 * ```ts
 * import { isConcrete } from "./check_layout.ts";
 * isConcrete("sources/env.ts"); // true
 * isConcrete("stores/secret_store.ts"); // false
 * ```
 */
export function isConcrete(path: string): boolean {
  return CONCRETE_DIRS.some((dir) => path.startsWith(dir)) &&
    !CORE_MAY_IMPORT.includes(path);
}

// ---------------------------------------------------------------------------
// Graph rules
// ---------------------------------------------------------------------------

/**
 * Every file reached from `roots` by following imports (static, dynamic and
 * type-only), the roots included.
 *
 * @param graph The module graph.
 * @param roots Where to start.
 * @returns The reached files.
 * @example
 * ```ts
 * import { reachable } from "./check_layout.ts";
 * const e = (to: string) => ({ to, dynamic: false, typeOnly: false });
 * reachable(new Map([["mod.ts", [e("a.ts")]], ["a.ts", []]]), ["mod.ts"]);
 * // Set { "mod.ts", "a.ts" }
 * ```
 */
export function reachable(graph: Graph, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of graph.get(file) ?? []) stack.push(edge.to);
  }
  return seen;
}

/**
 * The import cycles of a graph: one shortest cycle for each strongly
 * connected set of files (Tarjan), starting and ending at the set's first
 * file in sort order, so `["a.ts", "b.ts", "a.ts"]`. Every kind of import
 * counts, type-only and dynamic ones too: the rule is about layout.
 *
 * @param graph The module graph.
 * @returns The cycles, sorted.
 * @example
 * ```ts
 * import { findCycles } from "./check_layout.ts";
 * const e = (to: string) => ({ to, dynamic: false, typeOnly: false });
 * findCycles(new Map([["a.ts", [e("b.ts")]], ["b.ts", [e("a.ts")]]]));
 * // [["a.ts", "b.ts", "a.ts"]]
 * ```
 */
export function findCycles(graph: Graph): string[][] {
  const successors = (file: string): string[] =>
    [...new Set((graph.get(file) ?? []).map((edge) => edge.to))].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const connect = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const to of successors(file)) {
      if (!index.has(to)) {
        connect(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      components.push(component);
    }
  };
  for (const file of [...graph.keys()].sort()) {
    if (!index.has(file)) connect(file);
  }
  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...members].sort()[0]!;
    if (members.size === 1 && !successors(start).includes(start)) continue;
    // Breadth-first from start back to start, inside the component.
    const parent = new Map<string, string>();
    const queue = [start];
    let last: string | undefined;
    search: while (queue.length > 0) {
      const file = queue.shift()!;
      for (const to of successors(file)) {
        if (to === start) {
          last = file;
          break search;
        }
        if (members.has(to) && !parent.has(to)) {
          parent.set(to, file);
          queue.push(to);
        }
      }
    }
    const middle: string[] = [];
    for (let file = last!; file !== start; file = parent.get(file)!) {
      middle.unshift(file);
    }
    cycles.push([start, ...middle, start]);
  }
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

/**
 * Rule 1 over a graph: one problem per cycle from {@linkcode findCycles},
 * leaving type-only imports out unless {@linkcode CYCLES_COUNT_TYPE_ONLY},
 * and naming the steps that import only types or import dynamically.
 *
 * @param graph The module graph.
 * @returns One problem per cycle.
 * @example
 * ```ts
 * import { cycleProblems } from "./check_layout.ts";
 * const e = (to: string) => ({ to, dynamic: false, typeOnly: false });
 * cycleProblems(new Map([["a.ts", [e("b.ts")]], ["b.ts", [e("a.ts")]]]))[0]
 *   ?.message; // "a.ts -> b.ts -> a.ts: …"
 * ```
 */
export function cycleProblems(graph: Graph): Problem[] {
  const counted: Graph = CYCLES_COUNT_TYPE_ONLY ? graph : new Map(
    [...graph].map((
      [file, edges],
    ) => [file, edges.filter((edge) => !edge.typeOnly)]),
  );
  return findCycles(counted).map((cycle) => {
    const notes: string[] = [];
    for (let i = 0; i + 1 < cycle.length; i++) {
      const from = cycle[i]!;
      const edges = (counted.get(from) ?? []).filter((edge) =>
        edge.to === cycle[i + 1]
      );
      if (edges.length > 0 && edges.every((edge) => edge.typeOnly)) {
        notes.push(`${from} imports only types from ${cycle[i + 1]}`);
      } else if (edges.length > 0 && edges.every((edge) => edge.dynamic)) {
        notes.push(`${from} imports ${cycle[i + 1]} dynamically`);
      }
    }
    return {
      rule: "cycle" as const,
      message: `${cycle.join(" -> ")}${
        notes.length > 0 ? ` (${notes.join("; ")})` : ""
      }: move what both sides need into a module that imports neither`,
      files: cycle.slice(0, -1),
    };
  });
}

/** What {@linkcode cliImportAllowance} needs to know about the library. */
export interface CliImportContext {
  /** Every library file. */
  libraryFiles: ReadonlySet<string>;
  /** The files `deno.json` exports. */
  entryFiles: ReadonlySet<string>;
  /** Library files reached from an entry point that is not the CLI's. */
  publicReach: ReadonlySet<string>;
}

/**
 * The one place that says what a CLI file (`cli.ts`, `cli/`) may import, and
 * why: the import is allowed when this returns a reason, and breaks rule 3
 * when it returns undefined. To tighten the rule, drop a case here.
 *
 * - `"cli"`: another CLI file;
 * - `"private"`: a private library file (a segment starts with `_`);
 * - `"entry"`: an entry point (`mod.ts`, `stores/openbao/mod.ts`, …);
 * - `"public"`: a public library file an entry point other than the CLI's
 *   reaches, so what the CLI uses is what a user can use (`manager.ts`).
 *
 * Test, bench, example and script files are never allowed, though
 * `tests/_helpers/` is private by its name: they are not library files.
 *
 * @param target The imported file, root-relative.
 * @param context The library's files and reach.
 * @returns Why the import is allowed, or undefined when it is not.
 * @example
 * ```ts
 * import { cliImportAllowance } from "./check_layout.ts";
 * const context = {
 *   libraryFiles: new Set(["mod.ts", "cli/args.ts"]),
 *   entryFiles: new Set(["mod.ts"]),
 *   publicReach: new Set(["mod.ts"]),
 * };
 * cliImportAllowance("cli/args.ts", context); // "cli"
 * cliImportAllowance("mod.ts", context); // "entry"
 * cliImportAllowance("tests/_helpers/temp.ts", context); // undefined
 * ```
 */
export function cliImportAllowance(
  target: string,
  context: CliImportContext,
): "cli" | "private" | "entry" | "public" | undefined {
  if (!context.libraryFiles.has(target)) return undefined;
  if (isCliFile(target)) return "cli";
  if (isPrivate(target)) return "private";
  if (context.entryFiles.has(target)) return "entry";
  if (context.publicReach.has(target)) return "public";
  return undefined;
}

/**
 * Rule 3 over a graph: every import from a CLI file that
 * {@linkcode cliImportAllowance} does not allow.
 *
 * @param graph The module graph.
 * @param context The library's files and reach.
 * @returns One problem per forbidden import.
 * @example
 * ```ts
 * import { cliImportProblems } from "./check_layout.ts";
 * const e = (to: string) => ({ to, dynamic: false, typeOnly: false });
 * cliImportProblems(new Map([["cli.ts", [e("tests/x.ts")]]]), {
 *   libraryFiles: new Set(["cli.ts"]),
 *   entryFiles: new Set(["cli.ts"]),
 *   publicReach: new Set(),
 * }).length; // 1
 * ```
 */
export function cliImportProblems(
  graph: Graph,
  context: CliImportContext,
): Problem[] {
  const problems: Problem[] = [];
  for (const [from, edges] of sortedEntries(graph)) {
    if (!isCliFile(from) || !context.libraryFiles.has(from)) continue;
    for (const edge of edges) {
      if (cliImportAllowance(edge.to, context) !== undefined) continue;
      const how = describeImport(edge);
      const message = context.libraryFiles.has(edge.to)
        ? `${from} ${how} ${edge.to}, which is public but no entry point other than the CLI reaches: import it through an entry point, make it private (_), or move it under ${CLI_DIR}`
        : `${from} ${how} ${edge.to}, which is not a library file: the CLI may not import test, bench, example or script files`;
      problems.push({ rule: "cli-import", message, files: [from, edge.to] });
    }
  }
  return problems;
}

/**
 * Rule 4 over a graph: every import of a concrete source or store
 * ({@linkcode isConcrete}) by a core file ({@linkcode isCore}).
 *
 * @param graph The module graph.
 * @param libraryFiles Every library file.
 * @param entryFiles The files `deno.json` exports.
 * @returns One problem per forbidden import.
 * @example
 * ```ts
 * import { coreImportProblems } from "./check_layout.ts";
 * const e = (to: string) => ({ to, dynamic: false, typeOnly: false });
 * coreImportProblems(
 *   new Map([["manager.ts", [e("sources/env.ts")]]]),
 *   new Set(["manager.ts", "sources/env.ts"]),
 *   new Set(["mod.ts"]),
 * ).length; // 1
 * ```
 */
export function coreImportProblems(
  graph: Graph,
  libraryFiles: ReadonlySet<string>,
  entryFiles: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = [];
  for (const [from, edges] of sortedEntries(graph)) {
    if (!libraryFiles.has(from) || !isCore(from, entryFiles)) continue;
    for (const edge of edges) {
      if (!isConcrete(edge.to)) continue;
      const only = CORE_MAY_IMPORT.length === 0
        ? "nothing"
        : `only ${CORE_MAY_IMPORT.join(", ")}`;
      problems.push({
        rule: "core-import",
        message: `core file ${from} ${
          describeImport(edge)
        } ${edge.to}: the core imports no concrete source or store (of ${
          CONCRETE_DIRS.join(" and ")
        } it may import ${only}); let the source describe itself, or move the wiring to global.ts or an entry point`,
        files: [from, edge.to],
      });
    }
  }
  return problems;
}

/**
 * Rule 2: public library files that no entry point reaches.
 *
 * @param libraryFiles Every library file.
 * @param reached Files reached from the entry points.
 * @returns One problem per stray file.
 * @example
 * ```ts
 * import { unexportedProblems } from "./check_layout.ts";
 * unexportedProblems(new Set(["mod.ts", "x.ts", "_y.ts"]), new Set(["mod.ts"]))
 *   .map((p) => p.files[0]); // ["x.ts"]
 * ```
 */
export function unexportedProblems(
  libraryFiles: ReadonlySet<string>,
  reached: ReadonlySet<string>,
): Problem[] {
  return [...libraryFiles].sort()
    .filter((file) => !reached.has(file) && !isPrivate(file))
    .map((file) => ({
      rule: "unexported" as const,
      message:
        `${file} is neither exported nor private: rename it with a leading _ or move it under ${CORE_PRIVATE_DIR}, or import it from an entry point`,
      files: [file],
    }));
}

// ---------------------------------------------------------------------------
// The written public API
// ---------------------------------------------------------------------------

const SEPARATOR_ROW = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Parses `docs/public-api.md`: one section per entry point, under a heading
 * whose first backticked text is the entry's export key (`` ## `.` (mod.ts) ``,
 * `` ## `./openbao` ``), holding tables whose first column is the symbol,
 * in backticks or not. Deeper headings stay in the section; a heading of the
 * same or a higher level without a key ends it. Tables outside any section
 * are ignored.
 *
 * @param markdown The file's text.
 * @param file The file's name, for messages.
 * @returns The listed symbols per export key, and problems with the list.
 * @example
 * ```ts
 * import { parsePublicApi } from "./check_layout.ts";
 * const list = parsePublicApi(
 *   "## `.` (mod.ts)\n| Symbol | Kind |\n|---|---|\n| `defineConfig` | function |\n",
 * );
 * list.entries.get("."); // Set { "defineConfig" }
 * ```
 */
export function parsePublicApi(
  markdown: string,
  file: string = PUBLIC_API_FILE,
): PublicApiList {
  const entries = new Map<string, Set<string>>();
  const problems: Problem[] = [];
  const lines = markdown.split(/\r?\n/);
  let key: string | undefined;
  let level = 0;
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith("```") || line.startsWith("~~~")) fence = !fence;
    if (fence || line.startsWith("```") || line.startsWith("~~~")) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading !== null) {
      const depth = heading[1]!.length;
      const named = /`([^`]+)`/.exec(heading[2]!)?.[1]?.trim();
      if (named !== undefined && (named === "." || named.startsWith("./"))) {
        key = named;
        level = depth;
        if (entries.has(key)) {
          problems.push({
            rule: "public-api",
            message: `${file}:${i + 1}: a second section for \`${key}\``,
            files: [file],
          });
        } else {
          entries.set(key, new Set());
        }
      } else if (depth <= level) {
        key = undefined;
        level = 0;
      }
      continue;
    }
    if (key === undefined || !line.startsWith("|")) continue;
    if (SEPARATOR_ROW.test(line)) continue;
    if (SEPARATOR_ROW.test(lines[i + 1]?.trim() ?? "")) continue; // header row
    const cell = line.replace(/^\|/, "").split("|")[0]!.trim();
    const symbol = (/`([^`]+)`/.exec(cell)?.[1] ?? cell).trim();
    const symbols = entries.get(key)!;
    if (symbol === "") {
      problems.push({
        rule: "public-api",
        message: `${file}:${i + 1}: a row under \`${key}\` names no symbol`,
        files: [file],
      });
    } else if (symbols.has(symbol)) {
      problems.push({
        rule: "public-api",
        message: `${file}:${
          i + 1
        }: \`${symbol}\` is listed twice under \`${key}\``,
        files: [file],
      });
    } else {
      symbols.add(symbol);
    }
  }
  return { entries, problems };
}

/**
 * Rule 5: compares what each entry point exports with what the list says,
 * as sets, and reports extra and missing names per entry, and list sections
 * for keys `deno.json` does not export.
 *
 * @param exports Export key to entry file (`deno.json`'s `exports`).
 * @param exported Export key to the names the entry file exports.
 * @param listed The parsed list.
 * @param file The list's name, for messages.
 * @returns One problem per difference.
 * @example
 * ```ts
 * import { diffPublicApi } from "./check_layout.ts";
 * diffPublicApi(
 *   { ".": "mod.ts" },
 *   new Map([[".", new Set(["a", "b"])]]),
 *   new Map([[".", new Set(["a", "c"])]]),
 * ).length; // 2: b is not listed, c is not exported
 * ```
 */
export function diffPublicApi(
  exports: Readonly<Record<string, string>>,
  exported: ReadonlyMap<string, ReadonlySet<string>>,
  listed: ReadonlyMap<string, ReadonlySet<string>>,
  file: string = PUBLIC_API_FILE,
): Problem[] {
  const problems: Problem[] = [];
  for (const [key, entryFile] of Object.entries(exports)) {
    const names = exported.get(key);
    if (names === undefined) continue; // deno doc failed: reported already
    const list = listed.get(key);
    const label = `\`${key}\` (${entryFile})`;
    if (list === undefined) {
      problems.push({
        rule: "public-api",
        message:
          `${file} has no section for ${label}: add a heading ## \`${key}\` (${entryFile}) with a table of its ${names.size} exported symbols`,
        files: [entryFile, file],
      });
      continue;
    }
    for (const name of [...names].sort()) {
      if (list.has(name)) continue;
      problems.push({
        rule: "public-api",
        message:
          `${label} exports ${name}, which ${file} does not list: add a row saying why it is public, or stop exporting it`,
        files: [entryFile, file],
      });
    }
    for (const name of [...list].sort()) {
      if (names.has(name)) continue;
      problems.push({
        rule: "public-api",
        message:
          `${file} lists ${name} under ${label}, which does not export it: export it or remove the row`,
        files: [entryFile, file],
      });
    }
  }
  for (const key of [...listed.keys()].sort()) {
    if (Object.hasOwn(exports, key)) continue;
    problems.push({
      rule: "public-api",
      message:
        `${file} has a section for \`${key}\`, which deno.json does not export: remove it or add the export`,
      files: [file],
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------
// deno info / deno doc
// ---------------------------------------------------------------------------

interface DenoInfoDependencyTarget {
  specifier?: string;
  error?: string;
}

interface DenoInfoModule {
  specifier: string;
  error?: string | null;
  dependencies?: {
    specifier: string;
    code?: DenoInfoDependencyTarget;
    type?: DenoInfoDependencyTarget;
    isDynamic?: boolean;
  }[];
}

/** One local module as `deno info --json` reports it. */
export interface LoadedModule {
  /** Its imports of local files. */
  edges: Edge[];
  /** Why it did not load (it does not exist, it does not parse). */
  error?: string;
  /** Its imports that do not resolve (`import "nope"` with no mapping). */
  unresolved: string[];
}

/**
 * Reads a `deno info --json` output into root-relative local modules; modules
 * outside the root, `npm:`, `jsr:` and `node:` ones are dropped.
 *
 * @param info The parsed output.
 * @param root The absolute root.
 * @returns Each local module's imports of local files and its errors.
 * @example
 * ```ts
 * import { modulesFromInfo } from "./check_layout.ts";
 * modulesFromInfo({ modules: [] }, "/repo").size; // 0
 * ```
 */
export function modulesFromInfo(
  info: unknown,
  root: string,
): Map<string, LoadedModule> {
  const out = new Map<string, LoadedModule>();
  const modules = (info as { modules?: DenoInfoModule[] } | null)?.modules ??
    [];
  for (const module of modules) {
    const from = localPath(module.specifier, root);
    if (from === undefined) continue;
    const loaded: LoadedModule = { edges: [], unresolved: [] };
    for (const dependency of module.dependencies ?? []) {
      const code = dependency.code?.specifier;
      const type = dependency.type?.specifier;
      for (const specifier of new Set([code, type])) {
        const to = specifier === undefined
          ? undefined
          : localPath(specifier, root);
        if (to === undefined) continue;
        loaded.edges.push({
          to,
          dynamic: dependency.isDynamic === true,
          typeOnly: code === undefined,
        });
      }
      const error = dependency.code?.error ?? dependency.type?.error;
      if (error !== undefined) {
        loaded.unresolved.push(`"${dependency.specifier}" (${error})`);
      }
    }
    if (typeof module.error === "string") loaded.error = module.error;
    out.set(from, loaded);
  }
  return out;
}

interface DocSymbol {
  name: string;
  declarations?: { declarationKind?: string }[];
  declarationKind?: string;
  kind?: string;
  location?: { filename?: string };
}

/**
 * Reads a `deno doc --json` output (Deno 2's `{ version, nodes }` with one
 * `nodes[specifier].symbols` list per module) into the names each module
 * exports: those with a declaration of `declarationKind: "export"`, which
 * covers re-exports and type-only exports. For the older form (`nodes` an
 * array, or a bare array), the names of all nodes are returned under the
 * key `"*"`; the caller then runs one module at a time.
 *
 * @param doc The parsed output.
 * @returns Module specifier to exported names.
 * @example
 * ```ts
 * import { exportsFromDoc } from "./check_layout.ts";
 * exportsFromDoc({
 *   version: 2,
 *   nodes: {
 *     "file:///r/mod.ts": {
 *       symbols: [{ name: "a", declarations: [{ declarationKind: "export" }] }],
 *     },
 *   },
 * }); // Map { "file:///r/mod.ts" => Set { "a" } }
 * ```
 */
export function exportsFromDoc(doc: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const isExport = (symbol: DocSymbol): boolean =>
    symbol.declarationKind === "export" ||
    (symbol.declarations ?? []).some((d) => d.declarationKind === "export");
  const nodes = Array.isArray(doc)
    ? doc
    : (doc as { nodes?: unknown } | null)?.nodes;
  if (Array.isArray(nodes)) {
    out.set(
      "*",
      new Set(
        (nodes as DocSymbol[])
          .filter((node) => node.kind !== "import" && isExport(node))
          .map((node) => node.name),
      ),
    );
    return out;
  }
  for (
    const [specifier, module] of Object.entries(
      (nodes ?? {}) as Record<string, { symbols?: DocSymbol[] }>,
    )
  ) {
    out.set(
      specifier,
      new Set(
        (module.symbols ?? []).filter(isExport).map((symbol) => symbol.name),
      ),
    );
  }
  return out;
}

/** The `deno` to run: this executable when allowed, else `deno` on PATH. */
function denoExecutable(): string {
  const self = Deno.execPath();
  const state = Deno.permissions.querySync({ name: "run", command: self })
    .state;
  return state === "granted" ? self : "deno";
}

/** Runs `deno <args>` in `root` and parses its JSON output. */
async function denoJson(
  root: string,
  args: string[],
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const output = await new Deno.Command(denoExecutable(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim();
  if (!output.success) {
    return {
      ok: false,
      error: stderr.split("\n").find((line) => line.trim() !== "") ??
        `exit code ${output.code}`,
    };
  }
  try {
    return {
      ok: true,
      value: JSON.parse(new TextDecoder().decode(output.stdout)),
    };
  } catch (error) {
    return { ok: false, error: `unreadable JSON: ${String(error)}` };
  }
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

interface DenoConfig {
  exports?: string | Record<string, string>;
  exclude?: string[];
  publish?: { exclude?: string[] };
}

/**
 * Checks every rule on the tree at `root`.
 *
 * @param root The directory holding `deno.json`.
 * @returns The report; it is clean when `problems` is empty.
 * @example
 * ```ts ignore
 * import { checkLayout } from "./check_layout.ts";
 * const report = await checkLayout(".");
 * console.log(report.problems.length);
 * ```
 */
export async function checkLayout(root: string): Promise<LayoutReport> {
  root = resolve(root);
  const problems: Problem[] = [];
  const done = (
    files: number,
    entryPoints: number,
    publicSymbols: number,
  ): LayoutReport => ({
    root,
    files,
    entryPoints,
    publicSymbols,
    problems: sortProblems(problems),
  });

  const configFile = join(root, "deno.json");
  let config: DenoConfig;
  try {
    config = JSON.parse(await readFile(configFile, "utf8"));
  } catch (error) {
    problems.push({
      rule: "config",
      message: `deno.json cannot be read in ${root}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      files: ["deno.json"],
    });
    return done(0, 0, 0);
  }
  const exports: Record<string, string> = {};
  const rawExports = typeof config.exports === "string"
    ? { ".": config.exports }
    : config.exports ?? {};
  for (const [key, value] of Object.entries(rawExports)) {
    exports[key] = normalize(value);
  }
  const entryFiles = new Set(Object.values(exports));
  if (entryFiles.size === 0) {
    problems.push({
      rule: "config",
      message: "deno.json has no exports: nothing is an entry point",
      files: ["deno.json"],
    });
  }

  const excludes = [
    ...(config.exclude ?? []),
    ...(config.publish?.exclude ?? []),
  ].map(excludeMatcher).filter((m) => m !== undefined);
  const libraryFiles = new Set(
    (await walk(root, root, excludes)).filter((file) =>
      isLibraryFile(file, excludes)
    ),
  );

  // The graph: every entry point's, then that of each library file they
  // miss, so that rules 3 and 4 see every import. One deno info per root
  // (it takes one file), run in parallel.
  const graph: Graph = new Map();
  const loaded = new Map<string, LoadedModule>();
  const info = async (file: string): Promise<void> => {
    const result = await denoJson(root, [
      "info",
      "--json",
      "--config",
      configFile,
      join(root, file),
    ]);
    if (!result.ok) {
      problems.push({
        rule: "load",
        message: `deno info ${file} failed: ${result.error}`,
        files: [file],
      });
      return;
    }
    for (const [path, module] of modulesFromInfo(result.value, root)) {
      graph.set(path, module.edges);
      loaded.set(path, module);
    }
  };
  const limit = Math.max(2, navigator.hardwareConcurrency ?? 4);
  await mapLimit([...entryFiles].sort(), limit, info);
  const reached = reachable(graph, entryFiles);
  const missed = [...libraryFiles].filter((file) => !graph.has(file));
  await mapLimit(missed.sort(), limit, info);

  const broken = new Set<string>();
  for (const [path, module] of [...loaded].sort(([a], [b]) => a < b ? -1 : 1)) {
    if (module.error !== undefined) {
      broken.add(path);
      const importers = sortedEntries(graph)
        .filter(([, edges]) => edges.some((edge) => edge.to === path))
        .map(([from]) => from);
      problems.push({
        rule: "load",
        message: `${path}${
          importers.length > 0 ? ` (imported by ${importers.join(", ")})` : ""
        } cannot be loaded: ${module.error}`,
        files: [path, ...importers],
      });
    }
    // A test helper's own imports are not the library's business.
    if (!isLibraryFile(path, excludes)) continue;
    for (const unresolved of module.unresolved) {
      problems.push({
        rule: "load",
        message: `${path} imports ${unresolved}`,
        files: [path],
      });
    }
  }

  // Rule 1.
  problems.push(...cycleProblems(graph));
  // Rule 2.
  problems.push(...unexportedProblems(libraryFiles, reached));
  // Rule 3.
  const publicRoots = [...entryFiles].filter((file) => !isCliFile(file));
  problems.push(...cliImportProblems(graph, {
    libraryFiles,
    entryFiles,
    publicReach: reachable(graph, publicRoots),
  }));
  // Rule 4.
  problems.push(...coreImportProblems(graph, libraryFiles, entryFiles));

  // Rule 5: one deno doc over every entry point that loads.
  const exported = await exportedNames(
    root,
    configFile,
    Object.fromEntries(
      Object.entries(exports).filter(([, file]) =>
        graph.has(file) && !broken.has(file)
      ),
    ),
    problems,
  );
  let markdown: string | undefined;
  try {
    markdown = await readFile(join(root, PUBLIC_API_FILE), "utf8");
  } catch {
    problems.push({
      rule: "public-api",
      message:
        `${PUBLIC_API_FILE} is missing: write the list of public symbols, one table per entry point under a heading naming its export key in backticks`,
      files: [PUBLIC_API_FILE],
    });
  }
  if (markdown !== undefined) {
    const list = parsePublicApi(markdown);
    problems.push(...list.problems);
    problems.push(...diffPublicApi(exports, exported, list.entries));
  }

  let symbols = 0;
  for (const names of exported.values()) symbols += names.size;
  return done(libraryFiles.size, Object.keys(exports).length, symbols);
}

/**
 * The names each entry point exports, by export key, from one
 * `deno doc --json` over all of them (or one per file with an older
 * `deno doc` whose output does not say which module a symbol belongs to).
 */
async function exportedNames(
  root: string,
  configFile: string,
  exports: Readonly<Record<string, string>>,
  problems: Problem[],
): Promise<Map<string, Set<string>>> {
  const exported = new Map<string, Set<string>>();
  const files = [...new Set(Object.values(exports))].sort();
  if (files.length === 0) return exported;
  const args = ["doc", "--json", "--config", configFile];
  const result = await denoJson(root, [
    ...args,
    ...files.map((file) => join(root, file)),
  ]);
  if (!result.ok) {
    problems.push({
      rule: "load",
      message: `deno doc ${files.join(" ")} failed: ${result.error}`,
      files,
    });
    return exported;
  }
  const byFile = new Map<string, Set<string>>();
  const parsed = exportsFromDoc(result.value);
  if (parsed.has("*") && files.length > 1) {
    await Promise.all(files.map(async (file): Promise<void> => {
      const one = await denoJson(root, [...args, join(root, file)]);
      const names = one.ok ? exportsFromDoc(one.value).get("*") : undefined;
      if (names !== undefined) byFile.set(file, names);
    }));
  } else if (parsed.has("*")) {
    byFile.set(files[0]!, parsed.get("*")!);
  } else {
    for (const [specifier, names] of parsed) {
      const path = localPath(specifier, root);
      if (path !== undefined) byFile.set(path, names);
    }
  }
  for (const [key, file] of Object.entries(exports)) {
    const names = byFile.get(file);
    if (names !== undefined) exported.set(key, names);
  }
  return exported;
}

/**
 * Formats a report as text: one line per problem, then a summary line.
 *
 * @param report What {@linkcode checkLayout} found.
 * @returns The lines to print.
 * @example
 * ```ts
 * import { formatReport } from "./check_layout.ts";
 * formatReport({
 *   root: "/r",
 *   files: 3,
 *   entryPoints: 1,
 *   publicSymbols: 2,
 *   problems: [],
 * }); // ["layout ok: 3 files, 1 entry points, 2 public symbols"]
 * ```
 */
export function formatReport(report: LayoutReport): string[] {
  const counts =
    `${report.files} files, ${report.entryPoints} entry points, ${report.publicSymbols} public symbols`;
  if (report.problems.length === 0) return [`layout ok: ${counts}`];
  const byRule = new Map<Rule, number>();
  for (const problem of report.problems) {
    byRule.set(problem.rule, (byRule.get(problem.rule) ?? 0) + 1);
  }
  const tally = [...byRule].map(([rule, n]) => `${n} ${rule}`).join(", ");
  return [
    ...report.problems.map((problem) => `${problem.rule}: ${problem.message}`),
    `layout: ${report.problems.length} problem${
      report.problems.length === 1 ? "" : "s"
    } (${tally}) in ${counts}`,
  ];
}

/**
 * The command line: `check_layout.ts [root] [--json]`.
 *
 * @param args The arguments.
 * @returns The exit code: 0 when clean, 1 on any problem, 2 on bad usage.
 * @example
 * ```ts ignore
 * import { main } from "./check_layout.ts";
 * Deno.exit(await main(["--json"]));
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const json = args.includes("--json");
  const rest = args.filter((arg) => arg !== "--json");
  if (rest.length > 1 || rest.some((arg) => arg.startsWith("-"))) {
    console.error("usage: check_layout.ts [root] [--json]");
    return 2;
  }
  const root = rest[0] ??
    resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const report = await checkLayout(root);
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const lines = formatReport(report);
    const print = report.problems.length === 0 ? console.log : console.error;
    for (const line of lines) print(line);
  }
  return report.problems.length === 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const RULE_ORDER: readonly Rule[] = [
  "config",
  "load",
  "cycle",
  "unexported",
  "cli-import",
  "core-import",
  "public-api",
];

function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((problem, i) => ({ problem, i }))
    .sort((a, b) =>
      RULE_ORDER.indexOf(a.problem.rule) - RULE_ORDER.indexOf(b.problem.rule) ||
      a.i - b.i
    )
    .map(({ problem }) => problem);
}

function sortedEntries(graph: Graph): [string, Edge[]][] {
  return [...graph].sort(([a], [b]) => a.localeCompare(b));
}

function describeImport(edge: Edge): string {
  return edge.dynamic
    ? "dynamically imports"
    : edge.typeOnly
    ? "imports types from"
    : "imports";
}

/** `./stores/x.ts` → `stores/x.ts`. */
function normalize(path: string): string {
  return path.replace(/^\.\//, "").split(/[\\/]+/).join("/");
}

/** A `file:` specifier under `root`, root-relative; else undefined. */
function localPath(specifier: string, root: string): string | undefined {
  if (!specifier.startsWith("file:")) return undefined;
  const path = relative(root, fileURLToPath(specifier));
  if (path === "" || path.startsWith("..") || isAbsolute(path)) {
    return undefined;
  }
  return path.split(sep).join("/");
}

/** Every file under `dir`, root-relative, skipping excluded folders. */
async function walk(
  root: string,
  dir: string,
  excludes: readonly ((path: string) => boolean)[],
): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const path = relative(root, full).split(sep).join("/");
    if (entry.isDirectory()) {
      const asDir = `${path}/`;
      if (NON_LIBRARY_DIRS.some((d) => asDir.startsWith(d))) continue;
      if (excludes.some((excluded) => excluded(path))) continue;
      files.push(...await walk(root, full, excludes));
    } else if (entry.isFile()) {
      files.push(path);
    }
  }
  return files;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
