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
  runDeno,
  runFixture,
} from "../_helpers/subprocess.ts";
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
    const info = await runDeno(["info", "--json", join(root, "mod.ts")], {
      env: baseEnv(),
      cwd: root,
    });
    assert.equal(info.code, 0, info.stderr);
    const graph = JSON.parse(info.stdout) as {
      roots: string[];
      modules: {
        specifier: string;
        dependencies?: {
          isDynamic?: boolean;
          code?: { specifier: string };
        }[];
      }[];
    };
    const edges = new Map(graph.modules.map((m) => [
      m.specifier,
      (m.dependencies ?? []).flatMap((d) =>
        d.isDynamic || d.code === undefined ? [] : [d.code.specifier]
      ),
    ]));
    // Everything `import { ConfigManager } from "mod.ts"` evaluates.
    const loaded = new Set<string>();
    const pending = [...graph.roots];
    for (let next = pending.pop(); next; next = pending.pop()) {
      if (loaded.has(next)) continue;
      loaded.add(next);
      pending.push(...(edges.get(next) ?? []));
    }
    const prompting = [...loaded].filter((specifier) =>
      specifier.includes("/_internal/prompt/") ||
      specifier.includes("@inquirer")
    );
    assert.deepEqual(prompting, []);
    // The control: the engine is in the graph, behind a dynamic import.
    assert.ok(
      graph.modules.some((m) =>
        m.specifier.endsWith("/_internal/prompt/engine.ts")
      ),
    );
  },
);
