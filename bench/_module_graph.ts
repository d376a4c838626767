/**
 * Which npm packages a script loads before any dynamic `import()` runs,
 * from `deno info --json`: the static closure of its module graph.
 *
 * @module
 */

interface Dependency {
  readonly code?: { readonly specifier: string };
  readonly type?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}

interface GraphModule {
  readonly specifier: string;
  readonly kind?: string;
  readonly npmPackage?: string;
  readonly dependencies?: readonly Dependency[];
}

interface Graph {
  readonly roots: readonly string[];
  readonly modules: readonly GraphModule[];
  readonly redirects: Readonly<Record<string, string>>;
  readonly npmPackages: Readonly<
    Record<string, { readonly dependencies: readonly string[] }>
  >;
}

/** The npm packages (`name@version`) reached from `script` through static imports only. */
export async function staticNpmPackages(script: string): Promise<Set<string>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`deno info failed for ${script}`);
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as Graph;
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const resolve = (specifier: string): string =>
    graph.redirects[specifier] ?? specifier;

  const packages = new Set<string>();
  const addPackage = (id: string): void => {
    if (packages.has(id)) return;
    packages.add(id);
    for (const dep of graph.npmPackages[id]?.dependencies ?? []) {
      addPackage(dep);
    }
  };
  const seen = new Set<string>();
  const pending = graph.roots.map(resolve);
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    const module = bySpecifier.get(specifier);
    if (module === undefined) continue;
    if (module.npmPackage) addPackage(module.npmPackage);
    for (const dep of module.dependencies ?? []) {
      if (dep.isDynamic) continue;
      if (dep.code) pending.push(resolve(dep.code.specifier));
    }
  }
  return packages;
}
