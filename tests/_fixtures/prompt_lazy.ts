// Child process for tests/prompt_lazy_test.ts, run with an import map (Deno)
// or resolve hooks (Node, prompt_lazy_register) that point
// @inquirer/prompts at prompt_lazy_sentinel.ts. Reports whether the
// prompt module was loaded after import, get() and getOrPrompt() from
// SQLite, and (as a control) after an actual prompt.
import process from "node:process";
import { PassThrough } from "node:stream";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  PromptSource,
  SqliteSource,
} from "../../mod.ts";

const loaded = (): boolean =>
  (globalThis as { __inquirerLoaded?: boolean }).__inquirerLoaded === true;

const Lazy = defineConfig({
  key: "Lazy",
  schema: z.object({ name: z.string() }),
});
const report: Record<string, unknown> = { afterImport: loaded() };
const path = process.argv[2];
if (path === undefined) throw new Error("usage: prompt_lazy.ts <db path>");
const sqlite = await SqliteSource.open(path);
await sqlite.set(Lazy.key, { name: "stored" });
await using manager = new ConfigManager([
  new EnvSource({ env: {} }),
  sqlite,
  new PromptSource(),
]);
report.value = await manager.get(Lazy);
report.afterGet = loaded();
await manager.getOrPrompt(Lazy);
report.afterGetOrPrompt = loaded();
try {
  // The control: prompting does load the module (here, the sentinel).
  await new PromptSource({
    input: new PassThrough(),
    output: new PassThrough(),
  })
    .prompt(Lazy);
} catch {
  // The sentinel has no prompt functions; only the load matters.
}
report.afterPrompt = loaded();
console.log(JSON.stringify(report));
