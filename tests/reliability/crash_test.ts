import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { LocalFileSource, SqliteSource } from "../../mod.ts";
import { baseEnv, denoExecutable, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const KILLS = 50;
const CHILD =
  new URL("../_fixtures/reliability_crash_child.ts", import.meta.url)
    .pathname;
const BIG_WRITER =
  new URL("../_fixtures/reliability_big_writer.ts", import.meta.url).pathname;

/** The temp files in `dir` of writes of `key`. */
async function tempFilesOf(dir: string, key: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) =>
    name.startsWith(`.${key}.json.`) && name.endsWith(".tmp")
  );
}

/**
 * Starts a child that writes a large value to `key` forever, waits (by
 * polling, bounded) until one of its temp files exists, kills it with
 * SIGKILL, and repeats until a kill left a temp file behind.
 */
async function killMidWrite(dir: string, key: string): Promise<string[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const child = spawn(denoExecutable(), [
      "run",
      "--quiet",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      BIG_WRITER,
      dir,
      key,
    ], { env: baseEnv(), stdio: ["ignore", "ignore", "inherit"] });
    const exited = new Promise((resolve) => child.on("close", resolve));
    for (let poll = 0; poll < 2000; poll++) {
      if ((await tempFilesOf(dir, key)).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill("SIGKILL");
    await exited;
    const left = await tempFilesOf(dir, key);
    if (left.length > 0) return left;
  }
  assert.fail("no kill landed while a temp file existed");
}

/**
 * Runs the child until it has reported `after` completed writes, kills it
 * with SIGKILL at once, and returns every announcement it made and the next
 * value number to use.
 */
function runAndKill(
  dir: string,
  dbPath: string,
  first: number,
  after: number,
): Promise<{ announced: string[]; next: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(denoExecutable(), [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      CHILD,
      dir,
      dbPath,
      String(first),
    ], { env: baseEnv(), stdio: ["ignore", "pipe", "inherit"] });
    const announced: string[] = [];
    let done = 0;
    let next = first;
    createInterface({ input: child.stdout }).on("line", (line) => {
      const [kind, ...rest] = line.split(" ");
      if (kind === "write") {
        announced.push(rest.join(" "));
        next = Math.max(next, Number(rest[1]) + 1);
      } else if (kind === "done" && ++done === after) {
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ announced, next, signal }));
  });
}

describe("crash safety", () => {
  test(
    "a write killed mid-way leaves a temp file (a copy of the value) that delete() and the next successful write remove",
    {
      skip: isDeno
        ? false
        : "spawns Deno children that import the TypeScript sources",
    },
    async () => {
      await using tmp = await tempDir();
      const dir = tmp.path;
      // Another key's leftover, long dead: cleanup of one key never touches it.
      const other = ".Other.json.0b8e5c1e-0000-4000-8000-000000000000.tmp";
      await writeFile(join(dir, other), "{}");
      await utimes(join(dir, other), 0, 0);
      const files = new LocalFileSource(dir);

      const leftByFirstKill = await killMidWrite(dir, "Secret");
      assert.ok(leftByFirstKill.length > 0);
      await files.delete("Secret");
      assert.deepEqual(await tempFilesOf(dir, "Secret"), []);

      await killMidWrite(dir, "Secret");
      await files.set("Secret", { replaced: true });
      assert.deepEqual(await tempFilesOf(dir, "Secret"), []);
      assert.deepEqual(await files.get("Secret"), { replaced: true });
      assert.deepEqual((await readdir(dir)).sort(), [other, "Secret.json"]);
    },
  );

  test(
    `a writer SIGKILLed ${KILLS} times at random moments leaves only whole files and an intact DB`,
    {
      skip: isDeno
        ? false
        : "spawns Deno children that import the TypeScript sources",
    },
    async () => {
      await using tmp = await tempDir();
      const dir = join(tmp.path, "files");
      const dbPath = join(tmp.path, "config.db");
      // key -> the values announced for it, as "n pad"
      const written = new Map<string, Set<string>>();
      let next = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const after = 1 + Math.floor(Math.random() * 12);
        const result = await runAndKill(dir, dbPath, next, after);
        assert.equal(result.signal, "SIGKILL", "the child was not killed");
        for (const entry of result.announced) {
          const [key, n, pad] = entry.split(" ");
          const set = written.get(key!) ?? new Set<string>();
          set.add(`${n} ${pad}`);
          written.set(key!, set);
        }
        next = result.next;
      }

      const holds = (key: string, value: unknown): void => {
        const v = value as { n: number; pad: string; nested: unknown };
        assert.ok(
          written.get(key)?.has(`${v.n} ${v.pad.length}`),
          `${key} holds value ${v.n}, which was never announced`,
        );
        assert.deepEqual(v, {
          n: v.n,
          pad: "x".repeat(v.pad.length),
          nested: { n: v.n, list: [v.n, v.n + 1] },
        });
      };

      // Every key's file parses. Temp files a kill may leave behind are not
      // keys: the source neither lists nor reads them.
      const names = await readdir(dir);
      const jsonFiles = names.filter((name) => /^K\d\.json$/.test(name));
      assert.equal(jsonFiles.length, 4);
      for (const name of jsonFiles) {
        const text = await readFile(join(dir, name), "utf8");
        holds(name.slice(0, -5), JSON.parse(text));
      }
      const files = new LocalFileSource(dir);
      assert.deepEqual(await files.keys(), ["K0", "K1", "K2", "K3"]);
      for (const key of await files.keys()) holds(key, await files.get(key));

      const raw = new DatabaseSync(dbPath);
      try {
        assert.deepEqual(
          raw.prepare("PRAGMA integrity_check").all().map((r) =>
            Object.values(r)[0]
          ),
          ["ok"],
        );
      } finally {
        raw.close();
      }
      using db = await SqliteSource.open(dbPath);
      assert.deepEqual(await db.keys(), ["K0", "K1", "K2", "K3"]);
      for (const key of await db.keys()) holds(key, await db.get(key));
    },
  );
});
