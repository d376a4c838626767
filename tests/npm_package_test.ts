/**
 * The npm package as a consumer meets it, installed from the packed
 * tarball (`deno task test:node` runs this on Node 22 and 24):
 *
 * - `require()` of every export works (Node ≥ 22.12 loads an ES module
 *   without top-level await through the `default` condition);
 * - the `harmony-config` bin prints no `ExperimentalWarning` for
 *   `node:sqlite`, and ends quietly when its stdout pipe is closed.
 *
 * Under Deno there is no installed package: these skip, saying so.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { baseEnv, isDeno, run } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";
import { runWithClosedStdout } from "./_helpers/cli.ts";

const NAME = "@harmony/config";

/** The directory whose node_modules holds the installed package, if any. */
function consumerRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "node_modules", NAME, "package.json"))) {
      return dir;
    }
    if (dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
}

const root = isDeno ? undefined : consumerRoot();
const skip = isDeno
  ? "the installed npm package: runs on Node (deno task test:node)"
  : root === undefined
  ? `${NAME} is not installed beside the tests`
  : false;

/** The subpath exports of the installed package.json. */
function exportKeys(dir: string): string[] {
  const pkg = JSON.parse(
    readFileSync(join(dir, "node_modules", NAME, "package.json"), "utf8"),
  );
  return Object.keys(pkg.exports);
}

describe("the npm package", { skip }, () => {
  it("can be require()d: every export, and a CommonJS program reads a value", async () => {
    const dir = root!;
    const specifiers = exportKeys(dir).map((key) =>
      key === "." ? NAME : `${NAME}${key.slice(1)}`
    );
    const program = `
      const assert = require("node:assert/strict");
      for (const specifier of ${JSON.stringify(specifiers)}) {
        assert.ok(Object.keys(require(specifier)).length > 0, specifier);
      }
      const { ConfigManager, MemorySource, defineConfig } = require(${
      JSON.stringify(NAME)
    });
      const { z } = require("zod");
      const Port = defineConfig({ key: "Port", schema: z.number().int() });
      new ConfigManager([new MemorySource({ Port: 8080 })]).get(Port).then((port) => {
        assert.equal(port, 8080);
        console.log("required " + ${specifiers.length} + " exports");
      });
    `;
    const result = await run(process.execPath, ["-e", program], {
      cwd: dir,
      env: baseEnv(),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout.trim(),
      `required ${specifiers.length} exports`,
    );
    assert.doesNotMatch(result.stderr, /ERR_REQUIRE|ESM/);
  });

  it("its bin prints no ExperimentalWarning for node:sqlite", async () => {
    await using data = await tempDir();
    const bin = join(root!, "node_modules", ".bin", "harmony-config");
    const env = baseEnv({ HARMONY_DATA_DIR: data.path });
    const set = await run(process.execPath, [bin, "set", "Port", "8080"], {
      env,
    });
    assert.equal(set.code, 0, set.stderr);
    const list = await run(process.execPath, [bin, "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /Port/);
    for (const result of [set, list]) {
      assert.doesNotMatch(result.stderr, /ExperimentalWarning|SQLite/);
    }
  });

  it("its bin ends quietly when stdout's reader has gone", async () => {
    await using data = await tempDir();
    const bin = join(root!, "node_modules", ".bin", "harmony-config");
    const result = await runWithClosedStdout(
      process.execPath,
      [bin, "path"],
      baseEnv({ HARMONY_DATA_DIR: data.path }),
    );
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
  });
});
