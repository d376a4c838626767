/**
 * The modules an entry point loads before any dynamic `import()` runs,
 * read from `deno info --json`: the static closure of its module graph.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { denoExecutable, run } from "./subprocess.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface GraphModule {
  readonly specifier: string;
  readonly dependencies?: readonly {
    readonly code?: { readonly specifier: string };
    readonly isDynamic?: boolean;
  }[];
}

/** The modules `entry` loads before any dynamic `import()`, relative to the root, plus node: built-ins. */
export async function staticClosure(entry: string): Promise<string[]> {
  const result = await run(denoExecutable(), ["info", "--json", entry], {
    cwd: ROOT,
  });
  assert.equal(result.code, 0, result.stderr);
  const graph = JSON.parse(result.stdout) as {
    roots: string[];
    modules: GraphModule[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string): string => graph.redirects[s] ?? s;
  const seen = new Set<string>();
  const pending = graph.roots.map(resolve);
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.isDynamic || dep.code === undefined) continue;
      pending.push(resolve(dep.code.specifier));
    }
  }
  const root = new URL("../../", import.meta.url).href;
  return [...seen].map((s) => s.startsWith(root) ? s.slice(root.length) : s);
}
