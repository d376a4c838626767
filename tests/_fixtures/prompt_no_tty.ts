// Child process for tests/prompt_test.ts: getOrPrompt over the default chain
// with stdin a pipe, so there is no terminal to ask. Prints what was thrown.
import process from "node:process";
import { z } from "zod";
import {
  defineConfig,
  getOrPrompt,
  init,
  reset,
  secret,
  SqliteSource,
} from "../../mod.ts";

const Db = defineConfig({
  key: "PromptDb",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    password: secret(z.string()),
  }),
});

const manager = await init();
if (process.argv[2] === "invalid") {
  const sqlite = manager.sources.find((s) => s instanceof SqliteSource);
  await sqlite?.set(Db.key, { host: 42, password: "hunter2-stored" });
}
try {
  await getOrPrompt(Db);
  console.log(JSON.stringify({ thrown: null }));
} catch (error) {
  const e = error as Error & { skeleton?: string; issues?: unknown };
  console.log(JSON.stringify({
    thrown: e.name,
    message: e.message,
    skeleton: e.skeleton,
    issues: e.issues,
  }));
} finally {
  await reset();
}
