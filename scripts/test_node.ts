/**
 * Runs the test suite (the *_test.ts files under tests/, but not
 * tests/reliability/ except its secret canary matrix; written with
 * node:test) against the BUILT npm package on Node 22 and Node 24.
 *
 * 1. `npm pack` the build in `npm/` and install the tarball, with every npm
 *    import of `deno.json` (test-only ones too), into `npm_test/`.
 * 2. Compile `tests/` and `examples/` (tests run the examples) to
 *    JavaScript with the build's pinned TypeScript (types are not checked:
 *    `deno check` does that; Deno-only tests hold Deno types that Node's
 *    compiler does not know).
 * 3. Link `npm_test/<module>` to the installed package's `esm/<module>`, so
 *    a test's `../mod.ts`, compiled to `../mod.js`, loads the packed file.
 * 4. `node --test` on each Node version via `npx -y node@<v>`.
 *
 * Usage: `deno task test:node [22 24 ...]` (after `deno task build:npm`)
 *
 * @module
 */
import {
  cp,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import process from "node:process";
import {
  allNpmImports,
  NPM_DIR,
  npmInstall,
  readDenoJson,
  ROOT,
  run,
  since,
  TMP_DIR,
} from "./_npm.ts";

// One directory per run, so runs started at once by different people in
// one work tree do not relink or reinstall under each other.
const RESULTS_DIR = join(ROOT, "npm_test");
/** Test folders that run only under Deno. */
const DENO_ONLY_TEST_DIRS: readonly string[] = ["reliability", "scripts"];
/**
 * Suites of those folders that run on Node too: the secret canary matrix
 * checks the packed build, with the other zod copies (deno.json's zod40,
 * zod41, zod43) installed beside it.
 */
const NODE_TOO: readonly string[] = [
  join("reliability", "secret_canary_test.js"),
];
const TEST_DIR = join(RESULTS_DIR, `run-${process.pid}`);
const COMPILE_DIR = join(TMP_DIR, `npm_test_build-${process.pid}`);
const TSC = join(TMP_DIR, "npm_build", "node_modules", ".bin", "tsc");
const DEFAULT_VERSIONS = ["22", "24"];
/** Directories compiled beside the modules: the tests, and the examples they run. */
const COMPILED_DIRS = ["tests", "examples"];
/** Repository files that tests read as data, linked beside the modules. */
const REPO_DATA_FILES = ["deno.json", "README.md", "LICENSE"];

/** The counts node:test reports, and the tests it skipped with their reasons. */
interface Outcome {
  version: string;
  tests: number;
  pass: number;
  fail: number;
  skipped: number;
  todo: number;
  skips: string[];
  seconds: string;
}

async function main(versions: readonly string[]): Promise<void> {
  const start = performance.now();
  try {
    await readFile(join(NPM_DIR, "package.json"), "utf8");
    await readFile(TSC);
  } catch {
    throw new Error(
      "npm/ or the toolchain is missing: run deno task build:npm first",
    );
  }
  const outcomes: Outcome[] = [];
  try {
    await installPackage();
    const files = await compileTests();
    await linkLibrary();
    console.log(
      `test:node: prepared ${files.length} test files in ${since(start)} s`,
    );
    for (const version of versions) {
      outcomes.push(await runSuite(version, files));
    }
  } finally {
    await rm(TEST_DIR, { recursive: true, force: true });
    await rm(COMPILE_DIR, { recursive: true, force: true });
  }
  printTable(outcomes);
  if (outcomes.some((o) => o.fail > 0 || o.tests === 0)) process.exit(1);
}

/** Packs `npm/` and installs the tarball plus the test dependencies. */
async function installPackage(): Promise<void> {
  const config = await readDenoJson();
  await mkdir(TEST_DIR, { recursive: true });
  for (const entry of await readdir(TEST_DIR)) {
    if (entry.endsWith(".tgz")) await rm(join(TEST_DIR, entry));
  }
  const packed = await run("npm", [
    "pack",
    "--json",
    "--pack-destination",
    TEST_DIR,
  ], { cwd: NPM_DIR, quiet: true });
  const tarball = (JSON.parse(packed.stdout) as { filename: string }[])[0]!
    .filename.replace(/^@/, "").replace("/", "-");
  const manifest = {
    name: "harmony-config-node-tests",
    private: true,
    type: "module",
    dependencies: {
      ...allNpmImports(config),
      [config.name]: `file:./${tarball}`,
    },
  };
  await writeFile(
    join(TEST_DIR, "package.json"),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  // The tarball's name stays the same across builds; drop the installed
  // copy and the lock so npm extracts the new one.
  await rm(join(TEST_DIR, "node_modules", ...config.name.split("/")), {
    recursive: true,
    force: true,
  });
  await rm(join(TEST_DIR, "package-lock.json"), { force: true });
  const start = performance.now();
  await npmInstall([], { cwd: TEST_DIR });
  console.log(`test:node: npm install took ${since(start)} s`);
}

/**
 * Compiles tests/ and examples/ into npm_test/; returns the *_test.js files.
 */
async function compileTests(): Promise<string[]> {
  await rm(COMPILE_DIR, { recursive: true, force: true });
  await mkdir(COMPILE_DIR, { recursive: true });
  // Only tests/ and examples/ are copied: the library modules they import
  // stay unresolved here and are not emitted; at run time they are the
  // packed ones.
  for (const dir of COMPILED_DIRS) {
    await cp(join(ROOT, dir), join(COMPILE_DIR, dir), { recursive: true });
  }
  await writeFile(
    join(COMPILE_DIR, "package.json"),
    JSON.stringify({ type: "module", private: true }),
  );
  await writeFile(
    join(COMPILE_DIR, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        rewriteRelativeImportExtensions: true,
        noCheck: true,
        types: [],
        rootDir: ".",
        outDir: "out",
        sourceMap: true,
        newLine: "lf",
      },
      include: COMPILED_DIRS.map((dir) => `${dir}/**/*.ts`),
    }),
  );
  await run(TSC, ["-p", join(COMPILE_DIR, "tsconfig.json")], {
    cwd: COMPILE_DIR,
  });
  for (const dir of COMPILED_DIRS) {
    const target = join(TEST_DIR, dir);
    await rm(target, { recursive: true, force: true });
    // Non-TypeScript files (fixtures' data) first, then the compiled code.
    await cp(join(ROOT, dir), target, {
      recursive: true,
      filter: (source) => !source.endsWith(".ts"),
    });
    await cp(join(COMPILE_DIR, "out", dir), target, { recursive: true });
  }
  // Suites mirror the library's tree (tests/stores/openbao/kv_test.ts), so
  // look below tests/ too. tests/reliability/ stays out, as before: it has
  // only ever run under Deno, and so does tests/scripts/, which tests the
  // Deno-run development scripts, not the package.
  return (await readdir(join(TEST_DIR, "tests"), { recursive: true }))
    .filter((name) => {
      const parts = name.split(sep);
      return name.endsWith("_test.js") &&
        (!DENO_ONLY_TEST_DIRS.includes(parts[0] ?? "") ||
          NODE_TOO.includes(name)) &&
        !parts.some((part) => part.startsWith("_"));
    })
    .sort()
    .map((name) => join("tests", name));
}

/** Links each top-level module of the installed package into npm_test/. */
async function linkLibrary(): Promise<void> {
  const config = await readDenoJson();
  const esm = join(TEST_DIR, "node_modules", ...config.name.split("/"), "esm");
  for (const entry of await readdir(TEST_DIR)) {
    if (
      entry === "node_modules" || COMPILED_DIRS.includes(entry) ||
      entry === "package.json" || entry === "package-lock.json" ||
      entry.endsWith(".tgz") ||
      entry.endsWith(".tap")
    ) continue;
    await rm(join(TEST_DIR, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(esm)) {
    const link = join(TEST_DIR, entry);
    await symlink(relative(dirname(link), join(esm, entry)), link);
  }
  // Tests read these as data (the version check reads deno.json).
  for (const file of REPO_DATA_FILES) {
    await symlink(relative(TEST_DIR, join(ROOT, file)), join(TEST_DIR, file));
  }
}

async function runSuite(
  version: string,
  files: readonly string[],
): Promise<Outcome> {
  const start = performance.now();
  const tap = join(TEST_DIR, `node-${version}.tap`);
  console.log(`\ntest:node: Node ${version}`);
  const result = await run("npx", [
    "-y",
    `node@${version}`,
    // node:sqlite is still experimental on Node 22; its warning hides results.
    "--disable-warning=ExperimentalWarning",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ], {
    cwd: TEST_DIR,
    allowFailure: true,
    // Tests that drive the CLI or fixtures as subprocesses find Deno here.
    env: { DENO: Deno.execPath(), NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const report = await readFile(tap, "utf8").catch(() => "");
  // Kept after the run directory is gone, for reading failures at leisure.
  await writeFile(join(RESULTS_DIR, `node-${version}.tap`), report);
  const count = (name: string): number =>
    Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(report)?.[1] ?? 0);
  const skips = [...report.matchAll(/^\s*ok \d+ - (.*?) # SKIP ?(.*)$/gm)].map(
    ([, name, reason]) => `${name} — ${reason || "no reason given"}`,
  );
  const outcome: Outcome = {
    version: (/v\d+\.\d+\.\d+/.exec(result.stdout + result.stderr)?.[0]) ??
      version,
    tests: count("tests"),
    pass: count("pass"),
    fail: count("fail") + (result.code !== 0 && count("fail") === 0 ? 1 : 0),
    skipped: count("skipped"),
    todo: count("todo"),
    skips,
    seconds: since(start),
  };
  const node = await run("npx", ["-y", `node@${version}`, "--version"], {
    quiet: true,
  });
  outcome.version = node.stdout.trim();
  return outcome;
}

function printTable(outcomes: readonly Outcome[]): void {
  console.log("\ntest:node: results against the packed npm build");
  console.log("| Node | tests | pass | fail | skipped | todo | seconds |");
  console.log("| ---- | ----- | ---- | ---- | ------- | ---- | ------- |");
  for (const o of outcomes) {
    console.log(
      `| ${o.version} | ${o.tests} | ${o.pass} | ${o.fail} | ${o.skipped} | ${o.todo} | ${o.seconds} |`,
    );
  }
  const skips = new Set(outcomes.flatMap((o) => o.skips));
  if (skips.size > 0) {
    console.log("\nSkipped on Node:");
    for (const skip of skips) console.log(`  - ${skip}`);
  }
}

if (import.meta.main) {
  const versions = Deno.args.length > 0 ? Deno.args : DEFAULT_VERSIONS;
  try {
    await main(versions);
  } catch (error) {
    console.error(`test:node failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
