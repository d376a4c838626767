// Importing the library and reading from SQLite must not load
// @inquirer/prompts. A child process runs with an import map that points
// the module at a sentinel which marks its own evaluation; the child reports
// the mark after import, get() and getOrPrompt(), and after a real prompt as
// a control that the mapping is in effect.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { baseEnv, isDeno, runDeno } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const fixtures = fileURLToPath(new URL("./_fixtures/", import.meta.url));
const root = fileURLToPath(new URL("../", import.meta.url));

test(
  "importing mod.ts, get() and getOrPrompt() of a stored value do not load @inquirer/prompts",
  { skip: isDeno ? false : "swaps the module through a Deno import map" },
  async () => {
    await using dir = await tempDir();
    // The project's own import map, with only the prompt module replaced.
    const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
    const imports: Record<string, string> = { ...config.imports };
    assert.ok("@inquirer/prompts" in imports);
    imports["@inquirer/prompts"] = pathToFileURL(
      join(fixtures, "prompt_lazy_sentinel.ts"),
    ).href;
    const importMap = join(dir.path, "import_map.json");
    await writeFile(importMap, JSON.stringify({ imports }));

    const result = await runDeno([
      "run",
      "--quiet",
      "--no-config",
      "--no-lock",
      `--import-map=${importMap}`,
      `--allow-read=${dir.path}`,
      `--allow-write=${dir.path}`,
      join(fixtures, "prompt_lazy.ts"),
      join(dir.path, "config.db"),
    ], { env: baseEnv() });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      afterImport: false,
      value: { name: "stored" },
      afterGet: false,
      afterGetOrPrompt: false,
      afterPrompt: true,
    });
  },
);
