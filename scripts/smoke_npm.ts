/**
 * Consumer smoke test of the npm build, as a user would meet it:
 *
 * 1. `npm pack` the build in `npm/`;
 * 2. install the tarball into a fresh temporary project;
 * 3. type-check a consumer file (and every subpath export, and
 *    `ConfigDefinition<T>` as people write it: tests/_fixtures/
 *    definition_types.ts) with `tsc --strict`, libraries' declarations
 *    included;
 * 4. run it, using `EnvSource` and `SqliteSource`, on Node 22 (latest and
 *    the `engines` minimum) and on Bun when npm can install it here, and
 *    `require()` every export from CommonJS on Node 22, 24 and the minimum;
 * 5. run the CLI bin (`harmony-config --version`, `harmony-config path`)
 *    when the package has one;
 * 6. install it beside zod 4.0, below its zod peer range: npm refuses, and
 *    forced (`--legacy-peer-deps`) every schema is refused with a
 *    ConfigError naming the versions, never used with its secrets unmarked.
 *
 * Step 2 installs the oldest zod of the peer range, so the range is true.
 *
 * Usage: `deno task smoke:npm` (after `deno task build:npm`)
 *
 * @module
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import {
  BIN_NAME,
  nodeBinary,
  NPM_DIR,
  npmInstall,
  readDenoJson,
  run,
  since,
  TYPES_NODE_VERSION,
  TYPESCRIPT_VERSION,
} from "./_npm.ts";

interface PackageJson {
  name: string;
  version: string;
  engines: { node: string };
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** A zod below the peer range, as an app that has not upgraded holds it. */
const OLD_ZOD = "4.0.17";

/** What the app on the old zod runs: every schema is refused, loudly. */
const OLD_ZOD_CONSUMER = `import assert from "node:assert/strict";
import { ConfigError, defineConfig, secret } from "@harmony/config";
import { z } from "zod";

const refused = (error) =>
  error instanceof ConfigError && error.message.includes("zod ${OLD_ZOD}") &&
  /supports zod \\^4\\.1\\.13/.test(error.message);
assert.throws(() => secret(z.string()), refused);
let message = "";
assert.throws(() => defineConfig({ key: "Port", schema: z.number() }), (error) => {
  message = error.message;
  return refused(error);
});
console.log("every schema refused: " + message);
`;

/** The consumer: the README's tour, on a temp database, with assertions. */
const CONSUMER = `import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import {
  ConfigManager,
  ConfigNotFoundError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  secret,
  SqliteSource,
} from "@harmony/config";
import { z } from "zod";
import { subpathExportCount } from "./subpaths.js";

const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    password: secret(z.string()),
  }),
});
const Missing = defineConfig({ key: "Missing", schema: z.string() });

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: consumer.js <dir>");
const env: Record<string, string | undefined> = {};
{
  await using manager = new ConfigManager([
    new EnvSource({ env }),
    await SqliteSource.open(join(dir, "config.db")),
  ]);
  await manager.set(Postgres, { host: "db", password: "s3cret" });
  const pg = await manager.get(Postgres);
  const port: number = pg.port; // typed from the schema
  assert.equal(port, 5432);
  assert.equal(pg.host, "db");

  env.HARMONY_CONFIG_PostgresConfig = JSON.stringify({ host: "env", password: "x" });
  const how = await manager.explain(Postgres);
  assert.equal(how.answeredBy, "env");
  assert.deepEqual(how.value, { host: "env", port: 5432, password: "<redacted>" });

  // A custom message on a secret, quoting the input, is never shown.
  const Token = defineConfig({
    key: "Token",
    schema: secret(z.string().min(100, { error: (iss) => \`bad \${String(iss.input)}\` })),
  });
  env.HARMONY_CONFIG_Token = JSON.stringify("canary-s3cret");
  await assert.rejects(manager.get(Token), (error: Error) =>
    error instanceof ConfigValidationError && !error.message.includes("canary-s3cret") &&
    error.message.includes("Too small"));
  await assert.rejects(manager.get(Missing), ConfigNotFoundError);
}
{
  // A second process-like open reads what the first stored.
  await using manager = new ConfigManager([await SqliteSource.open(join(dir, "config.db"))]);
  assert.equal((await manager.get(Postgres)).host, "db");
}
const subpaths = await subpathExportCount();
const runtime = "Bun" in globalThis ? "bun " + (globalThis as unknown as { Bun: { version: string } }).Bun.version : "node " + process.version;
console.log(\`smoke ok on \${runtime}: env + sqlite, \${subpaths} subpath exports loaded\`);
`;

/** The type test shared with the suite, read as a consumer writes it. */
const DEFINITION_TYPES = fileURLToPath(
  new URL("../tests/_fixtures/definition_types.ts", import.meta.url),
);

/** A CommonJS consumer: require() of every export, then a read. */
function requireConsumer(name: string, exportKeys: readonly string[]): string {
  const specifiers = exportKeys.map((key) =>
    key === "." ? name : `${name}${key.slice(1)}`
  );
  return `"use strict";
const assert = require("node:assert/strict");
for (const specifier of ${JSON.stringify(specifiers)}) {
  assert.ok(Object.keys(require(specifier)).length > 0, specifier);
}
const { ConfigManager, MemorySource, defineConfig } = require(${
    JSON.stringify(name)
  });
const { z } = require("zod");
const Port = defineConfig({ key: "Port", schema: z.number().int() });
new ConfigManager([new MemorySource({ Port: 8080 })]).get(Port).then((port) => {
  assert.equal(port, 8080);
  console.log("require ok on node " + process.version + ": ${specifiers.length} exports");
});
`;
}

async function main(): Promise<void> {
  const start = performance.now();
  const pkg = JSON.parse(
    await readFile(join(NPM_DIR, "package.json"), "utf8").catch(() => {
      throw new Error("npm/package.json is missing: run deno task build:npm");
    }),
  ) as PackageJson;
  const config = await readDenoJson();
  const project = await mkdtemp(join(tmpdir(), "harmony-config-smoke-"));
  const results: string[] = [];
  try {
    const packed = await run("npm", [
      "pack",
      "--json",
      "--pack-destination",
      project,
    ], { cwd: NPM_DIR, quiet: true });
    const info = (JSON.parse(packed.stdout) as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    }[])[0]!;
    const tarball = info.filename.replace(/^@/, "").replace("/", "-");
    results.push(
      `npm pack: ${tarball}, ${info.files.length} files, ${
        (info.size / 1024).toFixed(0)
      } kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked`,
    );

    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    // The oldest zod of the peer range, so the range the package states holds.
    const zodRange = pkg.peerDependencies?.zod;
    const oldestZod = /^\^(\d+\.\d+)(\.\d+)?$/.exec(zodRange ?? "");
    if (oldestZod === null) {
      throw new Error(
        `npm/package.json must list zod under peerDependencies as ^X.Y; it has ${
          JSON.stringify(zodRange)
        }`,
      );
    }
    const zodVersion = `${oldestZod[1]}${oldestZod[2] ?? ".0"}`;
    await npmInstall([
      `./${tarball}`,
      `zod@${zodVersion}`,
      `typescript@${TYPESCRIPT_VERSION}`,
      `@types/node@${TYPES_NODE_VERSION}`,
    ], { cwd: project });

    // Every subpath export, imported by name, so tsc resolves each one's
    // types and the runtime loads each module.
    const subpaths = Object.keys(pkg.exports)
      .filter((key) => key !== "." && key !== "./cli")
      .map((key) => `${pkg.name}${key.slice(1)}`);
    await writeFile(
      join(project, "subpaths.ts"),
      subpaths.map((s, i) => `import * as sub${i} from "${s}";\n`).join("") +
        `\n/** Loads every subpath export; returns how many there are. */\n` +
        `export async function subpathExportCount(): Promise<number> {\n` +
        `  const modules: object[] = [${
          subpaths.map((_, i) => `sub${i}`).join(", ")
        }];\n` +
        `  for (const m of modules) if (Object.keys(m).length === 0) throw new Error("empty subpath export");\n` +
        `  return await Promise.resolve(modules.length);\n}\n`,
    );
    await writeFile(join(project, "consumer.ts"), CONSUMER);
    await writeFile(
      join(project, "definition_types.ts"),
      (await readFile(DEFINITION_TYPES, "utf8")).replace(
        `from "../../mod.ts"`,
        `from "${pkg.name}"`,
      ),
    );
    await writeFile(
      join(project, "require_consumer.cjs"),
      requireConsumer(pkg.name, Object.keys(pkg.exports)),
    );
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "ES2022",
          lib: ["ES2023", "ESNext.Disposable"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          types: ["node"],
          skipLibCheck: false,
          outDir: "out",
        },
        files: ["consumer.ts", "subpaths.ts", "definition_types.ts"],
      }),
    );
    await run(join(project, "node_modules", ".bin", "tsc"), ["-p", "."], {
      cwd: project,
    });
    results.push(
      `tsc ${TYPESCRIPT_VERSION} --strict (skipLibCheck off): consumer, ConfigDefinition<T> as people write it, and ${subpaths.length} subpath exports type-check`,
    );

    const minimum = /(\d+\.\d+(?:\.\d+)?)/.exec(pkg.engines.node)?.[1];
    const versions = ["22", ...(minimum ? [minimum] : [])];
    for (const version of versions) {
      const data = await mkdtemp(join(project, "data-"));
      const out = await run("npx", [
        "-y",
        `node@${version}`,
        "--disable-warning=ExperimentalWarning",
        "out/consumer.js",
        data,
      ], { cwd: project, quiet: true });
      results.push(out.stdout.trim());
    }

    for (const version of ["22", "24", ...(minimum ? [minimum] : [])]) {
      const out = await run("npx", [
        "-y",
        `node@${version}`,
        "--disable-warning=ExperimentalWarning",
        "require_consumer.cjs",
      ], { cwd: project, quiet: true });
      results.push(out.stdout.trim());
    }

    const bun = await installBun(project);
    if (bun !== undefined) {
      const data = await mkdtemp(join(project, "data-"));
      const out = await run(bun, ["out/consumer.js", data], {
        cwd: project,
        quiet: true,
      });
      results.push(out.stdout.trim());
    } else {
      results.push("bun: not installable from npm here; skipped");
    }

    if (pkg.bin?.[BIN_NAME] !== undefined) {
      const node = await nodeBinary("22");
      const env = {
        PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}`,
        HARMONY_DATA_DIR: join(project, "cli-data"),
        NO_COLOR: "1",
      };
      const version = await run("npx", ["--no", "--", BIN_NAME, "--version"], {
        cwd: project,
        env,
        quiet: true,
      });
      if (!version.stdout.includes(config.version)) {
        throw new Error(
          `${BIN_NAME} --version printed ${
            JSON.stringify(version.stdout)
          }, expected ${config.version}`,
        );
      }
      const path = await run("npx", ["--no", "--", BIN_NAME, "path"], {
        cwd: project,
        env,
        quiet: true,
      });
      if (!path.stdout.includes(env.HARMONY_DATA_DIR)) {
        throw new Error(
          `${BIN_NAME} path printed ${
            JSON.stringify(path.stdout)
          }, expected it to name ${env.HARMONY_DATA_DIR}`,
        );
      }
      results.push(
        `bin: ${BIN_NAME} --version → ${version.stdout.trim()}; path → ${
          path.stdout.trim().replace(/\s*\n\s*/g, "; ")
        }`,
      );
    } else {
      results.push("bin: the package has no CLI yet; skipped");
    }
    results.push(
      `consumer installed with zod ${zodVersion} (peer ${zodRange})`,
    );
    results.push(await oldZodRefused(project, tarball));
  } finally {
    await rm(project, { recursive: true, force: true });
  }
  console.log(`\nsmoke:npm: passed in ${since(start)} s`);
  for (const line of results) console.log(`  - ${line}`);
}

/**
 * Installs the package beside a zod below its peer range: npm refuses it,
 * and, forced, the library refuses every schema with a ConfigError that
 * names the versions.
 */
async function oldZodRefused(
  project: string,
  tarball: string,
): Promise<string> {
  const app = join(project, "old-zod");
  await mkdir(app);
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({ name: "old-zod-app", private: true, type: "module" }),
  );
  const packages = [`../${tarball}`, `zod@${OLD_ZOD}`];
  const plain = await npmInstall(packages, {
    cwd: app,
    quiet: true,
    allowFailure: true,
  });
  if (plain.code === 0 || !/ERESOLVE|peer zod/i.test(plain.stderr)) {
    throw new Error(
      `npm installed the package beside zod ${OLD_ZOD} without a peer conflict:\n${plain.stderr}`,
    );
  }
  await npmInstall(["--legacy-peer-deps", ...packages], {
    cwd: app,
    quiet: true,
  });
  await writeFile(join(app, "consumer.mjs"), OLD_ZOD_CONSUMER);
  const out = await run("npx", [
    "-y",
    "node@22",
    "consumer.mjs",
  ], { cwd: app, quiet: true });
  return `npm refuses zod ${OLD_ZOD} (peer conflict); forced, ${out.stdout.trim()}`;
}

/**
 * Installs Bun from npm into the project. Its binary comes from an
 * optional dependency on the registry, not from a download, so it works
 * here; returns undefined when it does not.
 */
async function installBun(project: string): Promise<string | undefined> {
  const installed = await npmInstall(["--no-save", "bun"], {
    cwd: project,
    quiet: true,
    allowFailure: true,
  });
  if (installed.code !== 0) return undefined;
  const bun = join(project, "node_modules", ".bin", "bun");
  const version = await run(bun, ["--version"], {
    quiet: true,
    allowFailure: true,
  }).catch(() => undefined);
  return version?.code === 0 ? bun : undefined;
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`smoke:npm failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
