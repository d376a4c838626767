/**
 * The README's Tour runs as printed: under Deno its TypeScript block, with
 * `await using`; under Node (`deno task test:node`, Node 22 and 24,
 * against the installed package) its JavaScript `try`/`finally` form, the
 * one Node 22 can parse, on the Tour's definition. Each run stores the
 * value in a fresh data dir and reads it back.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../mod.ts";
import { baseEnv, isDeno, run, runDeno } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The fenced blocks of the README's Tour section, by language. */
async function tourBlocks(): Promise<{ ts: string; js: string }> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const tour = readme.slice(
    readme.indexOf("## Tour"),
    readme.indexOf("\n## ", readme.indexOf("## Tour") + 1),
  );
  const block = (lang: string): string => {
    const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(tour);
    assert.ok(match, `the Tour has a ${lang} block`);
    return match[1]!;
  };
  return { ts: block("ts"), js: block("js") };
}

/** The Tour's stored value, read from the data dir it ran with. */
async function stored(dataDir: string): Promise<unknown> {
  using sqlite = await SqliteSource.open(
    join(dataDir, "config", "config.db"),
  );
  return await sqlite.get("PostgresConfig");
}

describe("the README's Tour", () => {
  it(
    isDeno
      ? "runs with await using under Deno"
      : "runs in its try/finally form on this Node",
    async () => {
      await using data = await tempDir();
      const { ts, js } = await tourBlocks();
      const env = baseEnv({ HARMONY_DATA_DIR: data.path });
      let result;
      if (isDeno) {
        const file = join(data.path, "tour.ts");
        await writeFile(file, ts);
        // deno.json maps zod, and the package's own name to its exports.
        result = await runDeno([
          "run",
          "--quiet",
          `--config=${join(ROOT, "deno.json")}`,
          "--allow-env",
          `--allow-read=${data.path}`,
          `--allow-write=${data.path}`,
          file,
        ], { env });
      } else {
        // The Tour's definition, then the JavaScript form in place of the
        // await using lines; beside node_modules, where the package resolves.
        const definition = ts.slice(0, ts.indexOf("await using"));
        assert.ok(!/await using/.test(js));
        const file = join(ROOT, `.readme-tour-${process.pid}.mjs`);
        assert.ok(existsSync(join(ROOT, "node_modules")), ROOT);
        await writeFile(file, definition + js);
        try {
          result = await run(process.execPath, [
            "--disable-warning=ExperimentalWarning",
            file,
          ], { env, cwd: ROOT });
        } finally {
          await rm(file, { force: true });
        }
      }
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await stored(data.path), {
        host: "db",
        port: 5432,
        password: "s3cret",
      });
    },
  );
});
