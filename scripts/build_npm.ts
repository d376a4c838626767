/**
 * Builds the npm package into `npm/` with npm's TypeScript compiler (dnt
 * lives on JSR, which this build cannot rely on).
 *
 * Everything is derived from `deno.json`: the version, the exports, and the
 * dependencies (the `npm:` imports the library's import graph actually
 * reaches, so test-only packages stay out; zod among them is a peer
 * dependency, the app's own copy). The compiler and Node's types
 * are pinned devDependencies of a scratch project in `.tmp/npm_build/`, so a
 * machine with only Node, npm and Deno can run it.
 *
 * Usage: `deno task build:npm`
 *
 * @module
 */
import {
  chmod,
  cp,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import {
  BIN_NAME,
  builtPath,
  CLI_EXPORT,
  type DenoJson,
  dependencyField,
  exportMap,
  type GraphModule,
  importGraph,
  NPM_DIR,
  npmDependencies,
  type NpmDependency,
  npmInstall,
  packageExports,
  readDenoJson,
  readmeSummary,
  ROOT,
  run,
  since,
  TMP_DIR,
  TYPES_NODE_VERSION,
  TYPESCRIPT_VERSION,
} from "./_npm.ts";

/** The oldest Node with `node:sqlite` unflagged. */
const MIN_NODE = "22.13";

/**
 * Packages the app provides, so the app and the library share one copy:
 * zod, whose schemas carry the `secret()` marks the library reads from
 * zod's registry. A second, nested copy would lose them (the library
 * refuses such schemas: `_internal/zod_copy.ts`). The range is deno.json's.
 */
const PEER_DEPENDENCIES: readonly string[] = ["zod"];

const BUILD_DIR = join(TMP_DIR, "npm_build");
// Per run, so two builds started at once in one work tree do not mix their
// files; the toolchain's node_modules above them is shared.
const RUN_DIR = join(BUILD_DIR, `run-${process.pid}`);
const SRC_DIR = join(RUN_DIR, "src");
const OUT_DIR = join(RUN_DIR, "out");
const STAGE_DIR = join(RUN_DIR, "npm");

/** The npm package.json, derived from deno.json and the import graph. */
export interface PackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  type: "module";
  engines: { node: string };
  exports: Record<
    string,
    { types: string; import: string; default: string }
  >;
  main: string;
  types: string;
  bin?: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  /** The peers again, for working on the package itself. */
  devDependencies: Record<string, string>;
}

async function main(): Promise<void> {
  const start = performance.now();
  const config = await readDenoJson();
  const entries = Object.values(exportMap(config));
  const graph = await importGraph(entries);
  const deps = npmDependencies(graph);
  console.log(
    `build:npm: ${graph.length} modules from ${entries.length} entry points; dependencies: ${
      deps.map((d) => `${d.name}@${d.range}`).join(", ") || "none"
    }`,
  );

  await prepareToolchain(config, dependencyField(deps));
  try {
    await build(config, graph, deps, start);
  } finally {
    await rm(RUN_DIR, { recursive: true, force: true });
  }
}

async function build(
  config: DenoJson,
  graph: readonly GraphModule[],
  deps: readonly NpmDependency[],
  start: number,
): Promise<void> {
  for (const module of graph) {
    await mkdir(dirname(join(SRC_DIR, module.path)), { recursive: true });
    await cp(join(ROOT, module.path), join(SRC_DIR, module.path));
  }
  await writeFile(
    join(RUN_DIR, "tsconfig.json"),
    JSON.stringify(await tsconfig(), null, 2),
  );
  const compileStart = performance.now();
  await run(join(BUILD_DIR, "node_modules", ".bin", "tsc"), [
    "-p",
    join(RUN_DIR, "tsconfig.json"),
  ], { cwd: RUN_DIR });
  console.log(
    `build:npm: tsc ${TYPESCRIPT_VERSION} took ${since(compileStart)} s`,
  );

  await rewriteDeclarationSpecifiers(OUT_DIR);
  await mkdir(STAGE_DIR, { recursive: true });
  await cp(OUT_DIR, join(STAGE_DIR, "esm"), { recursive: true });
  await cp(join(ROOT, "README.md"), join(STAGE_DIR, "README.md"));
  await cp(join(ROOT, "LICENSE"), join(STAGE_DIR, "LICENSE"));

  const isPeer = (d: NpmDependency): boolean =>
    PEER_DEPENDENCIES.includes(d.alias);
  const pkg = await packageJson(
    config,
    dependencyField(deps.filter((d) => !isPeer(d))),
    dependencyField(deps.filter(isPeer)),
  );
  const cli = exportMap(config)[CLI_EXPORT];
  if (cli !== undefined) {
    pkg.bin = { [BIN_NAME]: await writeBin(cli) };
    pkg.files.push("bin/");
  }
  await writeFile(
    join(STAGE_DIR, "package.json"),
    JSON.stringify(pkg, null, 2) + "\n",
  );
  // Swap the finished package in whole, never leaving a half-written npm/.
  await rm(NPM_DIR, { recursive: true, force: true });
  await rename(STAGE_DIR, NPM_DIR);
  console.log(
    `build:npm: wrote npm/ (${pkg.name}@${pkg.version}, ${
      Object.keys(pkg.exports).length
    } exports${pkg.bin ? `, bin ${BIN_NAME}` : ""}) in ${since(start)} s`,
  );
}

/**
 * A scratch npm project holding the pinned compiler, Node's types and the
 * library's dependencies (whose types the compiler needs). `npm install` is
 * quick when nothing changed.
 */
async function prepareToolchain(
  config: DenoJson,
  dependencies: Record<string, string>,
): Promise<void> {
  await mkdir(BUILD_DIR, { recursive: true });
  const manifest = {
    name: "harmony-config-npm-build",
    private: true,
    type: "module",
    description:
      `Build toolchain for ${config.name}; generated by scripts/build_npm.ts`,
    dependencies,
    devDependencies: {
      typescript: TYPESCRIPT_VERSION,
      "@types/node": TYPES_NODE_VERSION,
    },
  };
  const path = join(BUILD_DIR, "package.json");
  const text = JSON.stringify(manifest, null, 2) + "\n";
  const previous = await readFile(path, "utf8").catch(() => "");
  await writeFile(path, text);
  const installed = await readFile(
    join(BUILD_DIR, "node_modules", ".package-lock.json"),
    "utf8",
  ).catch(() => undefined);
  if (previous === text && installed !== undefined) return;
  const start = performance.now();
  await npmInstall([], { cwd: BUILD_DIR });
  console.log(`build:npm: npm install took ${since(start)} s`);
}

/**
 * `rewriteRelativeImportExtensions` rewrites `./x.ts` to `./x.js` in the
 * JavaScript only; declarations keep `./x.ts`, which consumers' compilers
 * older than 5.0 (and some bundlers) cannot resolve. Point them at `.js`.
 */
async function rewriteDeclarationSpecifiers(dir: string): Promise<void> {
  const files = await readdir(dir, { recursive: true });
  for (const file of files) {
    if (!file.endsWith(".d.ts")) continue;
    const path = join(dir, file);
    const text = await readFile(path, "utf8");
    const rewritten = text.replace(
      /((?:from|import)\s*\(?\s*)(["'])(\.\.?\/[^"']+)\.ts\2/g,
      "$1$2$3.js$2",
    );
    if (rewritten !== text) await writeFile(path, rewritten);
  }
}

/** Compiler options: deno.json's strictness plus what the npm build needs. */
async function tsconfig(): Promise<unknown> {
  const deno = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8")) as {
    compilerOptions?: Record<string, unknown>;
  };
  return {
    compilerOptions: {
      ...deno.compilerOptions,
      target: "ES2022",
      lib: ["ES2023", "ESNext.Disposable"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      rootDir: "src",
      outDir: "out",
      rewriteRelativeImportExtensions: true,
      isolatedDeclarations: true,
      isolatedModules: true,
      declaration: true,
      sourceMap: true,
      inlineSources: true,
      skipLibCheck: true,
      forceConsistentCasingInFileNames: true,
      newLine: "lf",
    },
    include: ["src/**/*.ts"],
  };
}

/**
 * The exports of deno.json with a `default` condition after `import`: Node
 * ≥ 22.12 can `require()` an ES module that has no top-level await (none of
 * the package's modules has one; tests/npm_package_test.ts requires every
 * export), and `require` resolves through `default`.
 */
function requirableExports(
  config: DenoJson,
): PackageJson["exports"] {
  return Object.fromEntries(
    Object.entries(packageExports(config)).map(([key, target]) => [
      key,
      { ...target, default: target.import },
    ]),
  );
}

async function packageJson(
  config: DenoJson,
  dependencies: Record<string, string>,
  peerDependencies: Record<string, string>,
): Promise<PackageJson> {
  const exports = requirableExports(config);
  const main = exports["."];
  if (main === undefined) throw new Error('deno.json exports has no "."');
  return {
    name: config.name,
    version: config.version,
    description: config.description ?? await readmeSummary(),
    license: config.license ?? "MIT",
    type: "module",
    engines: { node: `>=${MIN_NODE}` },
    exports,
    main: main.import,
    types: main.types,
    files: ["esm/", "README.md", "LICENSE"],
    dependencies,
    peerDependencies,
    devDependencies: peerDependencies,
  };
}

/**
 * Writes `bin/harmony-config.js`: a shebang wrapper that runs the CLI's
 * exported `main(args)` and exits with the code it returns. The compiled
 * module cannot be the bin itself, as it has no shebang and runs only when
 * it is the main module under Deno.
 */
async function writeBin(cliSource: string): Promise<string> {
  const declarations = await readFile(
    join(STAGE_DIR, builtPath(cliSource, ".d.ts")),
    "utf8",
  );
  const exportsMain =
    /export\s+declare\s+function\s+main\(/.test(declarations) ||
    /export\s*\{[^}]*\bmain\b[^}]*\}/.test(declarations);
  if (!exportsMain) {
    throw new Error(
      `${cliSource} must export main(args: string[]): Promise<number> for the npm bin`,
    );
  }
  const binPath = join(STAGE_DIR, "bin", `${BIN_NAME}.js`);
  await mkdir(dirname(binPath), { recursive: true });
  const target = builtPath(cliSource, ".js").replace(/^\.\//, "../");
  await writeFile(
    binPath,
    `#!/usr/bin/env node
// Generated by scripts/build_npm.ts: runs the CLI and exits with its code.
import process from "node:process";

// node:sqlite is experimental on Node 22, which warns on every command;
// that warning is not for the CLI's users. Every other warning still shows.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === "string" ? rest[0] : rest[0]?.type ?? warning?.name;
  const text = typeof warning === "string" ? warning : warning?.message;
  if (type === "ExperimentalWarning" && /SQLite/.test(String(text))) return;
  return emitWarning.call(this, warning, ...rest);
};

// Imported after the filter is in place (a static import would run first).
const { main } = await import("${target}");
process.exit(await main(process.argv.slice(2)));
`,
  );
  await chmod(binPath, 0o755);
  return `./bin/${BIN_NAME}.js`;
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`build:npm failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
