/**
 * The modules an entry point loads before any dynamic `import()` runs,
 * read from `deno info --json`: the static closure of its module graph.
 * The benchmarks use the same walk for the npm packages a script loads.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { denoExecutable, run } from "./subprocess.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface GraphModule {
  readonly specifier: string;
  readonly npmPackage?: string;
  readonly dependencies?: readonly {
    readonly code?: { readonly specifier: string };
    readonly isDynamic?: boolean;
  }[];
}

/** What `deno info --json` prints, as far as the walk needs it. */
export interface ModuleGraph {
  readonly roots: readonly string[];
  readonly modules: readonly GraphModule[];
  readonly redirects: Readonly<Record<string, string>>;
  readonly npmPackages?: Readonly<
    Record<string, { readonly dependencies: readonly string[] }>
  >;
}

/** The static closure of `graph`: the modules reached, and the npm packages (`name@version`) they load. */
export function staticReach(
  graph: ModuleGraph,
): { modules: Set<string>; npmPackages: Set<string> } {
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string): string => graph.redirects[s] ?? s;
  const npmPackages = new Set<string>();
  const addPackage = (id: string): void => {
    if (npmPackages.has(id)) return;
    npmPackages.add(id);
    for (const dep of graph.npmPackages?.[id]?.dependencies ?? []) {
      addPackage(dep);
    }
  };
  const modules = new Set<string>();
  const pending = graph.roots.map(resolve);
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (modules.has(specifier)) continue;
    modules.add(specifier);
    const module = bySpecifier.get(specifier);
    if (module?.npmPackage) addPackage(module.npmPackage);
    for (const dep of module?.dependencies ?? []) {
      if (dep.isDynamic || dep.code === undefined) continue;
      pending.push(resolve(dep.code.specifier));
    }
  }
  return { modules, npmPackages };
}

/** The modules `entry` loads before any dynamic `import()`, relative to the root, plus node: built-ins. */
export async function staticClosure(entry: string): Promise<string[]> {
  const result = await run(denoExecutable(), ["info", "--json", entry], {
    cwd: ROOT,
  });
  assert.equal(result.code, 0, result.stderr);
  const { modules } = staticReach(JSON.parse(result.stdout) as ModuleGraph);
  const root = new URL("../../", import.meta.url).href;
  return [...modules].map((s) => s.startsWith(root) ? s.slice(root.length) : s);
}
