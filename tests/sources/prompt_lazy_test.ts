// Importing the library and reading from SQLite must not load
// @inquirer/prompts. A child process runs with @inquirer/prompts pointed at
// a sentinel which marks its own evaluation: through an import map under
// Deno, and through resolve hooks (`node --import`) under Node, where the
// child imports the packed build. The child reports the mark after import,
// get() and getOrPrompt(), and after a real prompt as a control that the
// redirection is in effect.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  baseEnv,
  type FixtureOptions,
  isDeno,
  runFixture,
} from "../_helpers/subprocess.ts";
import { staticClosure } from "../_helpers/module_graph.ts";
import { tempDir } from "../_helpers/temp.ts";

const fixtures = fileURLToPath(new URL("../_fixtures/", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

/** Deno flags for a child that sees the sentinel through an import map in `dir`. */
async function importMapFlags(dir: string): Promise<string[]> {
  // The project's own import map, with only the prompt module replaced.
  const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const imports: Record<string, string> = { ...config.imports };
  assert.ok("@inquirer/prompts" in imports);
  imports["@inquirer/prompts"] = pathToFileURL(
    join(fixtures, "prompt_lazy_sentinel.ts"),
  ).href;
  const importMap = join(dir, "import_map.json");
  await writeFile(importMap, JSON.stringify({ imports }));
  return [
    "--no-config",
    "--no-lock",
    `--import-map=${importMap}`,
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
  ];
}

test(
  "importing mod.ts, get() and getOrPrompt() of a stored value do not load @inquirer/prompts",
  async () => {
    await using dir = await tempDir();
    const options: FixtureOptions = isDeno
      ? { env: baseEnv(), denoFlags: await importMapFlags(dir.path) }
      : {
        env: baseEnv(),
        // Compiled beside this test, as every fixture is under Node.
        nodeFlags: [
          "--import",
          pathToFileURL(join(fixtures, "prompt_lazy_register.js")).href,
        ],
      };
    const result = await runFixture(
      new URL("../_fixtures/prompt_lazy.ts", import.meta.url),
      [join(dir.path, "config.db")],
      options,
    );
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

test(
  "mod.ts reaches no prompt module without a dynamic import()",
  { skip: isDeno ? false : "reads the TypeScript module graph with deno info" },
  async () => {
    // Everything `import { ConfigManager } from "mod.ts"` evaluates.
    const loaded = await staticClosure("mod.ts");
    const prompting = loaded.filter((module) =>
      module.startsWith("_internal/prompt/") || module.includes("@inquirer")
    );
    assert.deepEqual(prompting, []);
    // The controls: PromptSource itself is loaded, and the walk does see
    // prompt modules where they are imported statically.
    assert.ok(loaded.includes("sources/prompt.ts"));
    assert.ok(
      (await staticClosure("_internal/prompt/get_or_prompt.ts")).includes(
        "_internal/prompt/skeleton.ts",
      ),
    );
  },
);
