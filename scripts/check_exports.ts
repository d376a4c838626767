/**
 * Fails when `npm/package.json`'s exports differ from `deno.json`'s, or
 * point at files the build did not emit, or the CLI's bin is missing.
 *
 * Usage: `deno task check:exports` (after `deno task build:npm`)
 *
 * @module
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  BIN_NAME,
  CLI_EXPORT,
  exportMap,
  NPM_DIR,
  packageExports,
  readDenoJson,
} from "./_npm.ts";

/**
 * Compares the two manifests.
 *
 * @returns One line per problem; empty when they agree.
 */
export async function exportProblems(): Promise<string[]> {
  const config = await readDenoJson();
  let pkg: {
    name?: string;
    version?: string;
    exports?: Record<string, { types?: string; import?: string }>;
    bin?: Record<string, string>;
  };
  try {
    pkg = JSON.parse(await readFile(join(NPM_DIR, "package.json"), "utf8"));
  } catch {
    return ["npm/package.json is missing: run deno task build:npm"];
  }
  const problems: string[] = [];
  if (pkg.name !== config.name) {
    problems.push(`name: npm ${pkg.name} vs deno.json ${config.name}`);
  }
  if (pkg.version !== config.version) {
    problems.push(`version: npm ${pkg.version} vs deno.json ${config.version}`);
  }
  const expected = packageExports(config);
  const actual = pkg.exports ?? {};
  for (
    const key of new Set([...Object.keys(expected), ...Object.keys(actual)])
  ) {
    const want = expected[key];
    const got = actual[key];
    if (want === undefined) {
      problems.push(`export ${key} is in package.json but not in deno.json`);
    } else if (got === undefined) {
      problems.push(
        `export ${key} (${
          exportMap(config)[key]
        }) is missing from package.json`,
      );
    } else if (got.types !== want.types || got.import !== want.import) {
      problems.push(
        `export ${key}: package.json has ${JSON.stringify(got)}, expected ${
          JSON.stringify(want)
        }`,
      );
    }
    for (const file of [got?.types, got?.import]) {
      if (file === undefined) continue;
      try {
        await access(join(NPM_DIR, file));
      } catch {
        problems.push(`export ${key}: ${file} does not exist in npm/`);
      }
    }
  }
  const hasCli = exportMap(config)[CLI_EXPORT] !== undefined;
  const bin = pkg.bin?.[BIN_NAME];
  if (hasCli && bin === undefined) {
    problems.push(
      `deno.json exports ${CLI_EXPORT} but package.json has no bin ${BIN_NAME}`,
    );
  }
  if (!hasCli && bin !== undefined) {
    problems.push(
      `package.json has bin ${BIN_NAME} but deno.json exports no ${CLI_EXPORT}`,
    );
  }
  if (bin !== undefined) {
    try {
      await access(join(NPM_DIR, bin));
    } catch {
      problems.push(`bin ${BIN_NAME}: ${bin} does not exist in npm/`);
    }
  }
  return problems;
}

if (import.meta.main) {
  const problems = await exportProblems();
  if (problems.length > 0) {
    console.error("check:exports: npm/package.json and deno.json disagree:");
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  const count = Object.keys(exportMap(await readDenoJson())).length;
  console.log(`check:exports: ${count} exports match deno.json`);
}
