/**
 * `--schema` modules that fail to load, through the real CLI: the message
 * gives the real reason in the CLI's terms (the library's error, where the
 * module does not parse, what it imports that is missing, the file Deno
 * denied) without `--debug`, and never a value from the module's source or
 * from an unknown error's message.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LIBRARY_URL, ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const CANARY = "s3cret-canary-in-source-4242";

/** Definitions a generated module can re-export: cli_schema.ts, or its build on Node. */
const FIXTURE_URL = new URL(
  `../_fixtures/cli_schema.${isDeno ? "ts" : "js"}`,
  import.meta.url,
).href;

describe("harmony-config --schema that fails to load", () => {
  it("shows the library's error a module threw while loading", async () => {
    await using dir = await tempDir();
    const module = join(dir.path, "bad_key.js");
    await writeFile(
      module,
      `import { defineConfig } from ${JSON.stringify(LIBRARY_URL)};\n` +
        `export const Bad = defineConfig({ key: "bad-key", schema: undefined });\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["get", "--schema", `${module}#Bad`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /The schema module .*bad_key\.js threw InvalidKeyError while loading: .*"bad-key" is not an identifier/,
    );
    assert.doesNotMatch(result.stderr, /--debug/);
  });

  it("says where a module does not parse, without quoting its source", async () => {
    await using dir = await tempDir();
    const module = join(dir.path, "syntax.js");
    await writeFile(
      module,
      `export const Db = {\n  key: "Db" "${CANARY}",\n};\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["get", "--schema", `${module}#Db`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    // Deno's parser says where; Node's error for a dynamic import carries
    // no location (its stack names only the loader).
    assert.match(
      result.stderr,
      isDeno
        ? new RegExp(
          `does not parse: .+ at ${module.replaceAll(".", "\\.")}:2:`,
        )
        : /does not parse: Unexpected string$/m,
    );
    assert.ok(!result.stderr.includes(CANARY), result.stderr);
  });

  it("names an import that cannot be found", async () => {
    await using dir = await tempDir();
    const module = join(dir.path, "imports.js");
    await writeFile(
      module,
      `import "./missing_dep.js";\nexport const A = 1;\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["get", "--schema", `${module}#A`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot be loaded: .*missing_dep\.js/);
  });

  it("shows only the class of an unknown error, whose message may hold a value", async () => {
    await using dir = await tempDir();
    const module = join(dir.path, "throws.js");
    await writeFile(
      module,
      `throw new RangeError("password ${CANARY} is wrong");\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["get", "--schema", `${module}#A`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /threw RangeError while loading/);
    assert.ok(!result.stderr.includes(CANARY), result.stderr);
  });

  it("passes over an export that throws when read, and loads the module's definitions", async () => {
    await using dir = await tempDir();
    const module = join(dir.path, "trap.js");
    await writeFile(
      module,
      `export { Db } from ${JSON.stringify(FIXTURE_URL)};\n` +
        `export const trap = new Proxy({}, { get() { throw new Error("${CANARY}"); } });\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["schema", "--schema", module],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).title, "Db");
    assert.ok(!result.stderr.includes(CANARY), result.stderr);
  });

  it("says there is no module at a path that does not exist", async () => {
    await using dir = await tempDir();
    const result = await runCli(
      scopedFlags(dir.path, ROOT, dir.path),
      ["get", "--schema", `${join(dir.path, "nope.ts")}#A`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /No schema module at .*nope\.ts: check the path/,
    );
  });

  it("names the file Deno denied, and a flag that covers it", {
    skip: isDeno ? false : "Deno's permission model: Node has none",
  }, async () => {
    await using dir = await tempDir();
    const project = join(dir.path, "project");
    const shared = join(dir.path, "shared");
    await mkdir(project);
    await mkdir(shared);
    await writeFile(join(project, "deno.json"), "{}\n");
    await writeFile(join(shared, "dep.js"), "export const x = 1;\n");
    const module = join(project, "schema.js");
    await writeFile(
      module,
      `import { x } from "../shared/dep.js";\nexport const A = x;\n`,
    );
    const result = await runCli(
      scopedFlags(dir.path, ROOT, project),
      ["get", "--schema", `${module}#A`],
      { env: { HARMONY_DATA_DIR: dir.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `needs read access to ${
          join(shared, "dep.js")
        }, which the schema module imports: add --allow-read=${shared}\\b`,
      ),
    );
  });
});
