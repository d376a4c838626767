import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { inspect } from "node:util";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  secret,
  SqliteSource,
  StoreSource,
} from "../../mod.ts";
import type { ConfigDefinition, ConfigSource } from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";
import { startFakeOpenBao } from "../_helpers/openbao_server.ts";
import { baseEnv, isDeno, runDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const CANARY = `canary-${randomUUID()}`;
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const DbSchema = z.object({
  host: z.string(),
  password: secret(z.string().min(8)),
});
const Db = defineConfig({ key: "Db", schema: DbSchema });
const Token = defineConfig({ key: "Token", schema: secret(z.string()) });

/** Everything an error can show: message, String, inspect, stack, causes, JSON. */
function renderings(error: unknown): string[] {
  const out: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && e !== null && depth < 10;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    out.push(
      String(e),
      String((e as Error).message),
      String((e as Error).stack),
      JSON.stringify(e) ?? "",
      inspect(e, { depth: 10, showHidden: true }),
    );
    if (isDeno) {
      out.push(
        (globalThis as unknown as {
          Deno: { inspect(v: unknown, o: object): string };
        }).Deno.inspect(e, { depth: 10, showHidden: true }),
      );
    }
  }
  return out;
}

/** Captures every console method while `action` runs. */
async function capturingConsole<T>(
  action: () => Promise<T>,
): Promise<{ result: T; logs: string }> {
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  const lines: string[] = [];
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(args.map((a) => inspect(a, { depth: 10 })).join(" "));
    };
  }
  try {
    return { result: await action(), logs: lines.join("\n") };
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
}

function assertClean(text: string, what: string): void {
  assert.ok(!text.includes(CANARY), `the canary leaked into ${what}`);
}

/** Runs get and explain on `def` and checks every error and report. */
async function probe(
  manager: ConfigManager,
  def: ConfigDefinition<unknown>,
  what: string,
): Promise<void> {
  const { logs } = await capturingConsole(async () => {
    let error: unknown;
    try {
      await manager.get(def);
    } catch (e) {
      error = e;
    }
    if (error !== undefined) {
      assert.ok(error instanceof ConfigError, `${what}: ${error}`);
      for (const text of renderings(error)) assertClean(text, `${what} error`);
    }
    const explanation = await manager.explain(def);
    assertClean(JSON.stringify(explanation), `${what} explain()`);
    assertClean(inspect(explanation, { depth: 10 }), `${what} explain()`);
  });
  assertClean(logs, `${what} logs`);
}

describe("a secret canary never leaks", () => {
  test("from env, file, SQLite and memory: malformed JSON, wrong shapes, schema failures and valid values", async () => {
    await using dir = await tempDir();
    const files = join(dir.path, "files");
    await mkdir(files);
    const dbPath = join(dir.path, "config.db");
    using sqlite = await SqliteSource.open(dbPath);
    const raw = new DatabaseSync(dbPath);
    const putRow = (key: string, text: string): void => {
      raw.prepare(
        "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
      ).run(key, text);
    };

    const variants: Record<string, string> = {
      malformed: `{"host": "db", "password": "${CANARY}"`,
      wrongShape: JSON.stringify({ host: 5, password: CANARY }),
      tooShort: JSON.stringify({ host: "db", password: CANARY.slice(0, 7) }),
      notAnObject: JSON.stringify(CANARY),
      valid: JSON.stringify({ host: "db", password: CANARY }),
      bareWord: CANARY,
    };
    try {
      for (const [name, text] of Object.entries(variants)) {
        await writeFile(join(files, "Db.json"), text);
        await writeFile(join(files, "Token.json"), text);
        putRow("Db", text);
        putRow("Token", text);
        const sources: ConfigSource[] = [
          new EnvSource({
            env: { HARMONY_CONFIG_Db: text, HARMONY_CONFIG_Token: text },
          }),
          new LocalFileSource(files),
          sqlite,
        ];
        try {
          const parsed = JSON.parse(text);
          sources.push(new MemorySource({ Db: parsed, Token: parsed }));
        } catch {
          // Memory holds only JSON values: no malformed text to put there.
        }
        for (const source of sources) {
          const manager = new ConfigManager([source]);
          await probe(
            manager,
            Db as ConfigDefinition<unknown>,
            `${name} in ${source.name}`,
          );
          await probe(
            manager,
            Token as ConfigDefinition<unknown>,
            `${name} in ${source.name}`,
          );
        }
        // And in a chain, where later sources are explained too.
        await probe(
          new ConfigManager(sources),
          Db as ConfigDefinition<unknown>,
          `${name} in a chain`,
        );
      }
    } finally {
      raw.close();
    }
  });

  test("set() with invalid values holding the canary", async () => {
    const manager = new ConfigManager([new MemorySource()]);
    const bad: unknown[] = [
      { host: CANARY, password: 5 },
      { host: 5, password: CANARY },
      { host: "db", password: CANARY.slice(0, 5) },
      CANARY,
      [CANARY],
      { host: [CANARY], password: CANARY },
    ];
    const { logs } = await capturingConsole(async () => {
      for (const value of bad) {
        let error: unknown;
        try {
          await manager.set(Db, value as z.input<typeof DbSchema>);
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof ConfigError, String(error));
        for (const text of renderings(error)) assertClean(text, "set() error");
      }
      // A value JSON cannot hold fails in the source, without the value.
      let error: unknown;
      try {
        await new MemorySource().set("Db", { password: CANARY, n: 1n });
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof ConfigError);
      for (const text of renderings(error)) assertClean(text, "source error");
    });
    assertClean(logs, "logs");
  });

  test("from OpenBao: wrong shapes, schema failures and valid values", async () => {
    await using bao = await startFakeOpenBao();
    const store = new OpenBaoStore({
      address: bao.address,
      auth: { token: bao.rootToken },
      env: {},
      sessionFile: false,
    });
    const source = new StoreSource(store);
    const values: unknown[] = [
      { host: 5, password: CANARY },
      { host: "db", password: CANARY.slice(0, 7) },
      CANARY,
      { host: "db", password: CANARY },
    ];
    for (const value of values) {
      await source.set("Db", value);
      await source.set("Token", value);
      const manager = new ConfigManager([source]);
      await probe(manager, Db as ConfigDefinition<unknown>, "openbao");
      await probe(manager, Token as ConfigDefinition<unknown>, "openbao");
    }
  });

  test(
    "from the CLI: get, explain and doctor over malformed and wrong-shaped values",
    { skip: isDeno ? false : "runs cli.ts with Deno's permission flags" },
    async () => {
      await using data = await tempDir();
      const configDir = join(data.path, "config");
      {
        using sqlite = await SqliteSource.open(join(configDir, "config.db"));
        await sqlite.set("Db", { host: 5, password: CANARY });
      }
      const schema = [
        "--schema",
        `${join(ROOT, "tests", "_fixtures", "cli_schema.ts")}#Db`,
      ];
      const envs = [
        {},
        { HARMONY_CONFIG_Db: `{"password": "${CANARY}"` },
        { HARMONY_CONFIG_Db: JSON.stringify({ host: [], password: CANARY }) },
      ];
      const runs = [];
      for (const extra of envs) {
        const env = baseEnv({ HARMONY_DATA_DIR: data.path, ...extra });
        for (
          const args of [
            ["get", ...schema],
            ["explain", ...schema],
            ["explain", ...schema, "--json"],
            ["doctor", ...schema],
          ]
        ) {
          runs.push(
            await runDeno([
              "run",
              "--quiet",
              "--allow-env",
              `--allow-read=${configDir},${ROOT}`,
              `--allow-write=${configDir}`,
              join(ROOT, "cli.ts"),
              ...args,
            ], { env, cwd: ROOT }),
          );
        }
      }
      // The runs really read the values: some failed on them.
      assert.ok(runs.some((r) => r.code !== 0));
      for (const run of runs) {
        assertClean(run.stdout + run.stderr, "CLI output");
      }
    },
  );
});
