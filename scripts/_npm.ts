/**
 * Shared by the npm scripts: what `deno.json` says (exports, imports,
 * version), the library's import graph, and running commands.
 *
 * Everything about the npm package is derived from `deno.json` and from the
 * import graph of its exports, so new entry points and dependencies are
 * picked up without editing these scripts.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";

/** The repository root (the directory holding `deno.json`). */
export const ROOT: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "..",
);

/** Where the npm package is assembled. */
export const NPM_DIR: string = join(ROOT, "npm");

/** Scratch space for builds and installs; gitignored. */
export const TMP_DIR: string = join(ROOT, ".tmp");

/** The TypeScript compiler the npm build uses, pinned. */
export const TYPESCRIPT_VERSION = "6.0.3";

/** Node type definitions for the build: the oldest Node line we support. */
export const TYPES_NODE_VERSION = "22.20.5";

/** The npm package's binary name, when the CLI entry point exists. */
export const BIN_NAME = "harmony-config";

/** The `deno.json` export key of the CLI. */
export const CLI_EXPORT = "./cli";

/** The subset of `deno.json` these scripts read. */
export interface DenoJson {
  name: string;
  version: string;
  license?: string;
  description?: string;
  exports: string | Record<string, string>;
  imports?: Record<string, string>;
}

/** Reads `deno.json`. */
export async function readDenoJson(): Promise<DenoJson> {
  return JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8"));
}

/** The exports of `deno.json` as a map, `"."` → `"./mod.ts"`. */
export function exportMap(config: DenoJson): Record<string, string> {
  return typeof config.exports === "string"
    ? { ".": config.exports }
    : { ...config.exports };
}

/** `./stores/openbao/mod.ts` → `./esm/stores/openbao/mod.js` (or `.d.ts`). */
export function builtPath(source: string, ext: ".js" | ".d.ts"): string {
  const rel = source.replace(/^\.\//, "").replace(/\.[cm]?tsx?$/, "");
  return `./esm/${rel}${ext}`;
}

/** The `exports` field of package.json that mirrors `deno.json`. */
export function packageExports(
  config: DenoJson,
): Record<string, { types: string; import: string }> {
  const out: Record<string, { types: string; import: string }> = {};
  for (const [key, source] of Object.entries(exportMap(config))) {
    out[key] = {
      types: builtPath(source, ".d.ts"),
      import: builtPath(source, ".js"),
    };
  }
  return out;
}

/** An npm package the library needs, derived from a `npm:` import. */
export interface NpmDependency {
  /** The name the code imports it by (the import map key). */
  readonly alias: string;
  /** The registry name. */
  readonly name: string;
  /** The semver range from `deno.json`. */
  readonly range: string;
}

/**
 * Parses `npm:@scope/name@^1.2/sub` into name and range. Returns undefined
 * for anything that is not an `npm:` specifier.
 */
export function parseNpmSpecifier(
  specifier: string,
): { name: string; range: string } | undefined {
  const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(?:\/.*)?$/.exec(
    specifier,
  );
  if (!match) return undefined;
  return { name: match[1]!, range: match[2] ?? "*" };
}

/** One module of the library's import graph. */
export interface GraphModule {
  /** Path relative to the root, such as `sources/sqlite.ts`. */
  readonly path: string;
  /** The bare specifiers it imports, with what they resolve to. */
  readonly bare: ReadonlyMap<string, string>;
}

interface DenoInfoDependency {
  specifier: string;
  code?: { specifier?: string };
  type?: { specifier?: string };
}

interface DenoInfo {
  modules: {
    kind?: string;
    error?: string;
    specifier: string;
    local?: string;
    dependencies?: DenoInfoDependency[];
  }[];
}

/**
 * The local modules reachable from the given entry points (static and
 * dynamic imports, type-only imports too), from `deno info --json`.
 */
export async function importGraph(
  entries: readonly string[],
): Promise<GraphModule[]> {
  const modules = new Map<string, GraphModule>();
  for (const entry of entries) {
    const { stdout } = await run(Deno.execPath(), [
      "info",
      "--json",
      join(ROOT, entry),
    ], { quiet: true });
    const info = JSON.parse(stdout) as DenoInfo;
    for (const module of info.modules) {
      if (module.error !== undefined) {
        throw new Error(`${entry}: ${module.error}`);
      }
      if (module.kind !== "esm" || !module.local) continue;
      const path = relative(ROOT, module.local);
      if (path.startsWith("..")) {
        throw new Error(`${entry} imports ${module.local}, outside the repo`);
      }
      const bare = new Map<string, string>();
      for (const dep of module.dependencies ?? []) {
        const target = dep.code?.specifier ?? dep.type?.specifier;
        if (target === undefined) continue;
        if (target.startsWith("file:")) continue;
        if (target.startsWith("node:")) continue;
        bare.set(dep.specifier, target);
      }
      modules.set(path, { path, bare });
    }
  }
  return [...modules.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The npm packages the library's import graph uses, as package.json
 * dependencies. Test-only imports never appear: they are not in the graph.
 */
export function npmDependencies(
  graph: readonly GraphModule[],
): NpmDependency[] {
  const deps = new Map<string, NpmDependency>();
  for (const module of graph) {
    for (const [specifier, target] of module.bare) {
      const parsed = parseNpmSpecifier(target);
      if (!parsed) {
        throw new Error(
          `${module.path} imports ${specifier} (${target}); the npm build only supports npm: and node: imports`,
        );
      }
      const alias = specifier.startsWith("@")
        ? specifier.split("/").slice(0, 2).join("/")
        : specifier.split("/")[0]!;
      deps.set(alias, { alias, ...parsed });
    }
  }
  return [...deps.values()].sort((a, b) => a.alias.localeCompare(b.alias));
}

/** package.json `dependencies` for the given packages (npm aliases where renamed). */
export function dependencyField(
  deps: readonly NpmDependency[],
): Record<string, string> {
  return Object.fromEntries(
    deps.map((d) => [
      d.alias,
      d.alias === d.name ? d.range : `npm:${d.name}@${d.range}`,
    ]),
  );
}

/** Every `npm:` import in deno.json (library and test-only), as dependencies. */
export function allNpmImports(config: DenoJson): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [alias, target] of Object.entries(config.imports ?? {})) {
    const parsed = parseNpmSpecifier(target);
    if (!parsed || alias.endsWith("/")) continue;
    out[alias] = alias === parsed.name
      ? parsed.range
      : `npm:${parsed.name}@${parsed.range}`;
  }
  return out;
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Capture output instead of streaming it. */
  quiet?: boolean;
  /** Don't throw on a non-zero exit. */
  allowFailure?: boolean;
}

/** What a finished command produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm install` quietly (no audit, no funding notice, errors only) in
 * `cwd`, with `args` (packages or flags) after it.
 */
export function npmInstall(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...args,
  ], options);
}

/**
 * Runs a command. Output streams to the terminal (and is also captured)
 * unless `quiet`; a non-zero exit throws unless `allowFailure`.
 */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env } as Record<string, string>,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      if (!options.quiet) process.stdout.write(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      if (!options.quiet) process.stderr.write(chunk);
    });
    child.on("error", fail);
    child.on("close", (code, signal) => {
      const result = { code: code ?? 128, stdout, stderr };
      if (result.code !== 0 && !options.allowFailure) {
        const shown = options.quiet ? `\n${stdout}${stderr}` : "";
        fail(
          new Error(
            `${command} ${args.join(" ")} failed (${
              signal ?? `exit ${code}`
            })${shown}`,
          ),
        );
      } else {
        done(result);
      }
    });
  });
}

/** `npx -y node@<version>`'s arguments for running a script on that Node. */
export function nodeArgs(version: string, args: readonly string[]): string[] {
  return ["-y", `node@${version}`, ...args];
}

/** The path of a `npx node@<version>` binary, so it can go first on PATH. */
export async function nodeBinary(version: string): Promise<string> {
  const { stdout } = await run(
    "npx",
    nodeArgs(version, ["-p", "process.execPath"]),
    { quiet: true },
  );
  return stdout.trim();
}

/** Seconds since `start`, one decimal. */
export function since(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/**
 * The first sentence of the README's first paragraph: the npm description,
 * and what to paste as the JSR description.
 */
export async function readmeSummary(): Promise<string> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const paragraph = readme.split(/\n\s*\n/).find((p) =>
    p.trim() !== "" && !p.startsWith("#")
  );
  if (paragraph === undefined) throw new Error("README.md has no paragraph");
  const text = paragraph.replace(/\s+/g, " ").trim();
  return (/^.*?[.:](?=\s|$)/.exec(text)?.[0] ?? text).replace(/:$/, "");
}
