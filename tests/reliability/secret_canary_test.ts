/**
 * The secret canary matrix: schemas (tests/_fixtures/secret_canary_schemas.ts:
 * plain, every kind of custom message, transforms and refinements that
 * throw, nested and whole-value secrets, catchall, records, unions, arrays
 * of secrets, and schemas from other copies of zod) × sources (env, file,
 * SQLite, memory, OpenBao, and all of them in one chain) × channels (an
 * error's message, String(), stack, JSON.stringify, util.inspect and
 * Deno.inspect with depth, each of these for every cause in the chain;
 * explain() as JSON and inspected; validate()'s issues; the CLI's human and
 * --json output; the prompt screen). Fields mode too
 * (tests/_fixtures/secret_canary_fields.ts): secrets in per-field env vars,
 * a file, SQLite and OpenBao at once, explain()'s per-field leaves, set of
 * the merged value through the chain, toJsonSchema, and the CLI's get,
 * explain, schema, docs and list, with a secret default that no schema or
 * reference may show. Canary strings sit only where a value may never be
 * shown; every text a channel produces is one check. It prints the number
 * of checks and of leaks, and fails on any leak.
 *
 * It runs under Deno (deno task test) and on Node against the packed npm
 * build (deno task test:node), where zod40/zod41/zod43 are other copies of
 * zod installed beside the library's.
 *
 * @module
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { z } from "zod";
import { z as zod40 } from "zod40";
import { z as zod41 } from "zod41";
import { z as zod43 } from "zod43";
import {
  ConfigError,
  ConfigManager,
  type ConfigSource,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  PromptCancelledError,
  secret,
  SqliteSource,
  StoreSource,
  toJsonSchema,
  validate,
} from "../../mod.ts";
import type { ConfigDefinition } from "../../mod.ts";
import {
  type Canaries,
  type CanaryCase,
  CASES,
  type PromptStep,
} from "../_fixtures/secret_canary_schemas.ts";
import { fieldsCases, type Layers } from "../_fixtures/secret_canary_fields.ts";
import { KEY } from "../_helpers/fake_terminal.ts";
import { promptingManager } from "../_helpers/prompting.ts";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "../_helpers/openbao_server.ts";
import { store as baoStore } from "../_helpers/openbao_store.ts";
import {
  baseEnv,
  denoExecutable,
  isDeno,
  run,
  type RunResult,
} from "../_helpers/subprocess.ts";
import { insertRows } from "../_helpers/sqlite_rows.ts";
import { tempDir } from "../_helpers/temp.ts";

/** Letters that hex, UUIDs and base64 of short values rarely line up into. */
function letters(count: number): string {
  return [...randomBytes(count)].map((b) => "ghijklmnopqrstuvwxyz"[b % 20])
    .join("");
}

const CANARIES: Canaries = {
  secret: `canary-${randomUUID()}`,
  short: `qx${letters(13)}`,
  key: `key-canary-${randomUUID()}`,
};

/**
 * Credentials a client holds or sends: the OpenBao token every OpenBao
 * source of the matrix (library and CLI) uses, of no `hvs.` shape, so every
 * channel checks it too. The echoes of tokens, secret ids and JWTs by a
 * server or a proxy are tests/stores/openbao/credentials_test.ts's.
 */
const CREDENTIAL_CANARIES = {
  "OpenBao token": `dev-root-${letters(24)}`,
} as const;

/** The fake OpenBao of the matrix, whose root token is the canary above. */
function startCanaryOpenBao(): Promise<FakeOpenBao> {
  return startFakeOpenBao({ rootToken: CREDENTIAL_CANARIES["OpenBao token"] });
}

/** The default of a secret field (fields-mode cases): no schema, doc or report may show it. */
const DEFAULT_CANARY = `default-canary-${randomUUID()}`;

const WATCHED: readonly (readonly [string, string])[] = [
  ["secret", CANARIES.secret],
  ["short secret", CANARIES.short],
  ["data key", CANARIES.key],
  ["secret default", DEFAULT_CANARY],
  ...Object.entries(CREDENTIAL_CANARIES),
];

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const EXT = isDeno ? ".ts" : ".js";
const SCHEMA_MODULE = join(
  HERE,
  "..",
  "_fixtures",
  `secret_canary_schemas${EXT}`,
);
const CLI_FIXTURE = join(HERE, "..", "_fixtures", `secret_canary_cli${EXT}`);
const FIELDS_MODULE = join(
  HERE,
  "..",
  "_fixtures",
  `secret_canary_fields${EXT}`,
);

/** Counts checks, and records every leak and every untyped failure. */
class Ledger {
  checks = 0;
  readonly leaks: string[] = [];
  readonly untyped: string[] = [];
  /** How often each outcome was seen, to show the values really were read. */
  readonly seen = new Map<string, number>();

  /** Counts an outcome. */
  saw(outcome: string): void {
    this.seen.set(outcome, (this.seen.get(outcome) ?? 0) + 1);
  }

  /** Asserts each outcome was seen at least once. */
  assertSaw(...outcomes: string[]): void {
    for (const outcome of outcomes) {
      assert.ok(this.seen.has(outcome), `never saw: ${outcome}`);
    }
  }

  /** One check: `text`, produced by a channel at `where`, holds no canary. */
  check(text: string, where: string): void {
    this.checks++;
    for (const [name, canary] of WATCHED) {
      if (text.includes(canary)) this.leaks.push(`${where}: the ${name}`);
    }
  }

  /** Something that should have been a typed error was not. */
  fail(where: string, what: string): void {
    this.untyped.push(`${where}: ${what}`);
  }

  /** Asserts this part of the matrix found nothing. */
  assertClean(part: string): void {
    assert.deepEqual(
      this.leaks.slice(0, 20),
      [],
      `${part}: ${this.leaks.length} leaks in ${this.checks} checks`,
    );
    assert.deepEqual(this.untyped.slice(0, 20), [], `${part}: untyped errors`);
  }
}

const parts: { name: string; ledger: Ledger; seconds: number }[] = [];

/** Runs one part of the matrix with its own ledger, and asserts it clean. */
async function part(
  name: string,
  body: (ledger: Ledger) => Promise<void>,
): Promise<void> {
  const ledger = new Ledger();
  const start = performance.now();
  const logs = await capturingConsole(() => body(ledger));
  ledger.check(logs, `${name}: console`);
  parts.push({
    name,
    ledger,
    seconds: (performance.now() - start) / 1000,
  });
  ledger.assertClean(name);
}

const denoInspect = (globalThis as {
  Deno?: { inspect(value: unknown, options: object): string };
}).Deno?.inspect;

/** Every way an error shows itself, for it and every cause below it. */
function errorTexts(error: unknown): [string, string][] {
  const out: [string, string][] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    const at = depth === 0 ? "" : ` cause ${depth}`;
    out.push(
      [`String()${at}`, String(e)],
      [`message${at}`, String((e as Error).message)],
      [`stack${at}`, String((e as Error).stack)],
      [`JSON${at}`, JSON.stringify(e) ?? ""],
      [`util.inspect${at}`, inspect(e, { depth: 10, showHidden: true })],
    );
    if (denoInspect !== undefined) {
      out.push([
        `Deno.inspect${at}`,
        denoInspect(e, { depth: 10, showHidden: true }),
      ]);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function checkError(
  ledger: Ledger,
  error: unknown,
  where: string,
  expected: new (...args: never[]) => Error = ConfigError,
): void {
  if (!(error instanceof expected)) {
    ledger.fail(where, `threw ${(error as Error)?.name ?? typeof error}`);
  }
  for (const [channel, text] of errorTexts(error)) {
    ledger.check(text, `${where} ${channel}`);
  }
}

/** Captures every console method while `action` runs; returns what was logged. */
async function capturingConsole(action: () => Promise<void>): Promise<string> {
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  const lines: string[] = [];
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(args.map((a) => inspect(a, { depth: 10 })).join(" "));
    };
  }
  try {
    await action();
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]!));
  }
  return lines.join("\n");
}

/** The texts a value is tried as: its JSON, and for text sources broken JSON. */
function textVariants(c: Canaries): Record<string, string> {
  return {
    malformed: `{"password": "${c.secret}"`,
    bareWord: c.secret,
  };
}

/** The five sources, each over its own store, filled with the same values. */
interface Sources {
  readonly env: Record<string, string | undefined>;
  readonly files: string;
  readonly sqlite: SqliteSource;
  readonly raw: DatabaseSync;
  readonly bao: StoreSource;
  readonly memory: MemorySource;
  /** Puts `text` (JSON, or broken JSON for the text sources) under `key` everywhere it fits. */
  put(key: string, text: string): Promise<ConfigSource[]>;
}

async function openSources(dir: string, bao: FakeOpenBao): Promise<Sources> {
  const files = join(dir, "files");
  await mkdir(files, { recursive: true });
  const dbPath = join(dir, "config.db");
  const sqlite = await SqliteSource.open(dbPath);
  const raw = new DatabaseSync(dbPath);
  const env: Record<string, string | undefined> = {};
  const envSource = new EnvSource({ env });
  const fileSource = new LocalFileSource(files);
  const store = new StoreSource(baoStore(bao, { sessionFile: false }));
  const memory = new MemorySource();
  return {
    env,
    files,
    sqlite,
    raw,
    bao: store,
    memory,
    async put(key, text): Promise<ConfigSource[]> {
      env[`HARMONY_CONFIG_${key}`] = text;
      await writeFile(join(files, `${key}.json`), text);
      raw.prepare(
        "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
      ).run(key, text);
      const sources: ConfigSource[] = [envSource, fileSource, sqlite];
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return sources; // memory and OpenBao hold JSON values only
      }
      await memory.set(key, value);
      await store.set(key, value);
      return [...sources, memory, store];
    },
  };
}

/** Runs `body` over fresh sources: a temp dir, SQLite, files and an OpenBao server. */
async function withSources(
  body: (sources: Sources) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir();
  await using bao = await startCanaryOpenBao();
  const sources = await openSources(dir.path, bao);
  try {
    await body(sources);
  } finally {
    sources.raw.close();
    sources.sqlite.close();
  }
}

/** get() and explain() over `sources`: every error and report is checked. */
async function probe(
  ledger: Ledger,
  def: ConfigDefinition<unknown>,
  sources: readonly ConfigSource[],
  where: string,
): Promise<void> {
  const manager = new ConfigManager(sources);
  try {
    await manager.get(def);
    ledger.saw("a value that get() returns");
  } catch (error) {
    if (error instanceof ConfigValidationError) ledger.saw("an invalid value");
    checkError(ledger, error, `${where} get()`);
  }
  try {
    const explanation = await manager.explain(def);
    if (JSON.stringify(explanation).includes('"<redacted>"')) {
      ledger.saw("a redacted value in explain()");
    }
    ledger.check(JSON.stringify(explanation), `${where} explain() JSON`);
    ledger.check(
      inspect(explanation, { depth: 10 }),
      `${where} explain() inspect`,
    );
  } catch (error) {
    ledger.fail(`${where} explain()`, "threw, though it never should");
    checkError(ledger, error, `${where} explain()`);
  }
}

/** set() and validate() of a value: their errors and issues are checked. */
async function probeInput(
  ledger: Ledger,
  def: ConfigDefinition<unknown>,
  value: unknown,
  where: string,
): Promise<void> {
  const manager = new ConfigManager([new MemorySource()]);
  try {
    await manager.set(def, value);
  } catch (error) {
    checkError(ledger, error, `${where} set()`, ConfigValidationError);
  }
  try {
    const result = await validate(def.schema, value);
    // A value that passes comes back parsed; only issues are shown.
    if (!result.ok) {
      ledger.check(JSON.stringify(result.issues), `${where} validate()`);
    }
  } catch (error) {
    ledger.fail(`${where} validate()`, "threw");
    checkError(ledger, error, `${where} validate()`);
  }
}

/** Every case × value × source, and each value in a chain of all five. */
async function sourceMatrix(
  ledger: Ledger,
  cases: readonly CanaryCase[],
  sources: Sources,
): Promise<void> {
  for (const item of cases) {
    const { key } = item.def;
    const values = Object.entries(item.values(CANARIES)).map((
      [label, value],
    ) => [label, JSON.stringify(value)] as const);
    const texts = Object.entries(textVariants(CANARIES));
    for (const [label, text] of [...values, ...texts]) {
      const filled = await sources.put(key, text);
      for (const source of filled) {
        await probe(
          ledger,
          item.def,
          [source],
          `${item.name}/${label} in ${source.name}`,
        );
      }
      await probe(ledger, item.def, filled, `${item.name}/${label} in a chain`);
      if (values.some(([l]) => l === label)) {
        await probeInput(
          ledger,
          item.def,
          JSON.parse(text),
          `${item.name}/${label}`,
        );
      }
    }
  }
}

/** The same schemas, built with another copy of zod. */
function foreignCases(
  copy: typeof zod43,
): { name: string; build: () => ConfigDefinition<unknown> }[] {
  const quote = (issue: { input?: unknown }): string =>
    `rejected ${inspect(issue.input)}`;
  const as = (schema: unknown): z.ZodType => schema as z.ZodType;
  return [
    {
      name: "meta-marked",
      build: () =>
        defineConfig({
          key: "Plain",
          schema: as(copy.object({
            host: copy.string(),
            password: copy.string().min(16).meta({ secret: true }),
          })),
        }) as ConfigDefinition<unknown>,
    },
    {
      name: "secret()-marked",
      build: () =>
        defineConfig({
          key: "ErrorFn",
          schema: as(copy.object({
            host: copy.string(),
            password: secret(
              as(copy.string({ error: quote }).min(200, { error: quote })),
            ),
          })),
        }) as ConfigDefinition<unknown>,
    },
    {
      name: "nested in the library's zod",
      build: () =>
        defineConfig({
          key: "Nested",
          schema: z.object({
            app: z.object({
              db: as(copy.object({
                user: copy.string(),
                password: copy.string().min(200, { error: quote }).meta({
                  secret: true,
                }),
              })),
            }),
          }),
        }) as ConfigDefinition<unknown>,
    },
  ];
}

/** One run of the CLI: its arguments, the variables it adds, and what it is. */
interface CliRun {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly where: string;
}

/** The commands every case is shown by: human and JSON, get and explain. */
function commands(name: string): string[][] {
  const schema = ["--schema", `${SCHEMA_MODULE}#${name}`];
  return [
    ["get", ...schema, "--debug"],
    ["get", ...schema, "--json"],
    ["explain", ...schema],
    ["explain", ...schema, "--json"],
  ];
}

/** The flags a Deno child running the CLI needs, and no more. */
function cliDenoFlags(dir: string, bao: FakeOpenBao): string[] {
  return [
    "--quiet",
    "--no-prompt",
    "--allow-env",
    `--allow-read=${dir},${ROOT}`,
    `--allow-write=${dir}`,
    `--allow-net=${new URL(bao.address).host}`,
  ];
}

/** Runs the CLI fixture in a child of this runtime. */
function runCliChild(
  args: readonly string[],
  options: {
    dir: string;
    bao: FakeOpenBao;
    stdin?: string;
    env?: Record<string, string>;
    rawEnv?: Record<string, string>;
  },
): Promise<RunResult> {
  const env = baseEnv(options.env);
  const rest = {
    env,
    cwd: options.dir,
    timeoutMs: 300_000,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.rawEnv === undefined ? {} : { rawEnv: options.rawEnv }),
  };
  return isDeno
    ? run(denoExecutable(), [
      "run",
      ...cliDenoFlags(options.dir, options.bao),
      CLI_FIXTURE,
      ...args,
    ], rest)
    : run(process.execPath, [
      "--disable-warning=ExperimentalWarning",
      CLI_FIXTURE,
      ...args,
    ], rest);
}

/** What one run of a batch wrote. */
interface BatchResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `batch` in one CLI child and checks everything each run wrote;
 * `seen` records what a run shows, so the matrix knows it was exercised.
 *
 * @returns How many runs there were.
 */
async function checkBatch(
  ledger: Ledger,
  batch: readonly CliRun[],
  name: string,
  child: { dir: string; bao: FakeOpenBao; env?: Record<string, string> },
  seen: (result: BatchResult) => void,
): Promise<number> {
  const ran = await runCliChild(["--batch"], {
    ...child,
    stdin: JSON.stringify(batch),
  });
  assert.equal(ran.code, 0, ran.stderr);
  ledger.check(ran.stderr, `${name} stderr`);
  const results = JSON.parse(ran.stdout) as BatchResult[];
  assert.equal(results.length, batch.length);
  for (const [i, result] of results.entries()) {
    const where = batch[i]!.where;
    seen(result);
    ledger.check(result.stdout, `${where} stdout`);
    ledger.check(result.stderr, `${where} stderr`);
    if (/Unexpected/.test(result.stderr)) ledger.fail(where, result.stderr);
  }
  return batch.length;
}

/**
 * Every case × value × source (env, a --file dir, OpenBao, SQLite, and all
 * four in one chain) × the four commands, plus `set` of each value, in one
 * child process per round of values.
 */
async function cliMatrix(
  ledger: Ledger,
  dir: string,
  bao: FakeOpenBao,
): Promise<number> {
  const empty = join(dir, "empty");
  const data = join(dir, "data");
  const files = join(dir, "cli-files");
  const scratch = join(dir, "scratch");
  await mkdir(files, { recursive: true });
  using sqlite = await SqliteSource.open(join(data, "config", "config.db"));
  const store = new StoreSource(baoStore(bao, { sessionFile: false }));
  const baoEnv = { OPENBAO_URL: bao.address, BAO_TOKEN: bao.rootToken };
  const rounds = Math.max(
    ...CASES.map((c) => Object.keys(c.values(CANARIES)).length),
  ) + Object.keys(textVariants(CANARIES)).length;
  let runs = 0;
  for (let round = 0; round < rounds; round++) {
    const batch: CliRun[] = [];
    for (const item of CASES) {
      const entries = [
        ...Object.entries(item.values(CANARIES)).map((
          [label, value],
        ) => [label, JSON.stringify(value), true] as const),
        ...Object.entries(textVariants(CANARIES)).map((
          [label, text],
        ) => [label, text, false] as const),
      ];
      const entry = entries[round];
      if (entry === undefined) continue;
      const [label, text, isJson] = entry;
      const { key } = item.def;
      await writeFile(join(files, `${key}.json`), text);
      await sqlite.delete(key);
      await store.delete(key);
      // SQLite holds only JSON text written through the source, broken
      // text through SQL, as another writer could leave it.
      insertRows(join(data, "config", "config.db"), [[key, text]]);
      if (isJson) await store.set(key, JSON.parse(text));
      const variable = { [`HARMONY_CONFIG_${key}`]: text };
      const places: [string, Record<string, string>, string[]][] = [
        ["env", { ...variable, HARMONY_DATA_DIR: empty }, []],
        ["file", { HARMONY_DATA_DIR: empty }, ["--file", files]],
        ["sqlite", { HARMONY_DATA_DIR: data }, []],
        ...(isJson
          ? [["openbao", { ...baoEnv, HARMONY_DATA_DIR: empty }, []] as [
            string,
            Record<string, string>,
            string[],
          ]]
          : []),
        ["all", { ...variable, ...baoEnv, HARMONY_DATA_DIR: data }, [
          "--file",
          files,
        ]],
      ];
      for (const [place, env, extra] of places) {
        for (const argv of commands(item.name)) {
          batch.push({
            argv: [...argv, ...extra],
            env,
            where: `CLI ${argv.join(" ")} ${item.name}/${label} in ${place}`,
          });
        }
      }
      if (isJson) {
        for (const json of [[], ["--json"]]) {
          batch.push({
            argv: [
              "set",
              "--schema",
              `${SCHEMA_MODULE}#${item.name}`,
              text,
              ...json,
            ],
            env: { HARMONY_DATA_DIR: scratch },
            where: `CLI set ${json.join(" ")} ${item.name}/${label}`,
          });
        }
      }
    }
    runs += await checkBatch(ledger, batch, `CLI batch ${round}`, {
      dir,
      bao,
    }, (result) => {
      if (result.stderr.includes("Invalid value for key")) {
        ledger.saw("a CLI run that failed on the value");
      }
      if (result.stdout.includes("<redacted>")) {
        ledger.saw("a CLI run that showed a redacted value");
      }
      if (result.stderr.includes("threw SyntaxError")) {
        ledger.saw("a CLI run over a transform that threw");
      }
    });
  }
  return runs;
}

/**
 * A bounded set of real CLI processes on real streams and a real
 * environment, among them one whose environment holds bytes that are not
 * UTF-8 around the secret.
 */
async function cliProcesses(
  ledger: Ledger,
  dir: string,
  bao: FakeOpenBao,
): Promise<number> {
  const data = join(dir, "proc-data");
  {
    using sqlite = await SqliteSource.open(join(data, "config", "config.db"));
    await sqlite.set("ErrorFn", { host: "db", password: CANARIES.secret });
    await sqlite.set("Blob", { name: "n", blob: `{${CANARIES.secret}` });
  }
  const cases: {
    args: string[];
    env?: Record<string, string>;
    rawEnv?: Record<string, string>;
  }[] = [];
  for (const name of ["ErrorFn", "Blob"]) {
    for (
      const argv of [
        ...commands(name),
        ["doctor", "--schema", `${SCHEMA_MODULE}#${name}`],
      ]
    ) {
      cases.push({ args: argv, env: { HARMONY_DATA_DIR: data } });
    }
  }
  for (const name of ["Plain", "Token"]) {
    for (const argv of commands(name)) {
      cases.push({
        args: argv,
        env: { HARMONY_DATA_DIR: data },
        rawEnv: {
          [`HARMONY_CONFIG_${name}`]:
            `{"host":"db","password":"${CANARIES.secret}\\xff","token":"${CANARIES.secret}\\xfe"}`,
        },
      });
    }
  }
  // A schema module of zod 4.0: refused, naming the versions.
  const old = await runCliChild([
    "get",
    "--schema",
    `${join(HERE, "..", "_fixtures", `secret_canary_zod40${EXT}`)}#Db`,
  ], { dir, bao, env: { HARMONY_DATA_DIR: data } });
  ledger.check(
    old.stdout + old.stderr,
    "CLI process get with a zod 4.0 schema",
  );
  if (old.code !== 1 || !/zod 4\.0\.17.*\^4\.1\.13/.test(old.stderr)) {
    ledger.fail(
      "CLI with a zod 4.0 schema",
      `not refused by name: ${old.stderr}`,
    );
  }
  for (const item of cases) {
    const result = await runCliChild(item.args, {
      dir,
      bao,
      ...(item.env === undefined ? {} : { env: item.env }),
      ...(item.rawEnv === undefined ? {} : { rawEnv: item.rawEnv }),
    });
    const where = `CLI process ${item.args.join(" ")}${
      item.rawEnv ? " (not UTF-8)" : ""
    }`;
    ledger.check(result.stdout, `${where} stdout`);
    ledger.check(result.stderr, `${where} stderr`);
    if (
      result.code === 0 && item.rawEnv !== undefined && item.args[0] === "get"
    ) {
      ledger.fail(where, "read a variable that is not UTF-8");
    }
    if (/Unexpected|InvalidData/.test(result.stderr)) {
      ledger.fail(where, result.stderr);
    }
  }
  return cases.length + 1;
}

/** Puts each layer of a fields-mode case where it belongs, and clears the rest. */
async function placeLayers(
  key: string,
  layers: Layers,
  places: { files: string; sqlite: SqliteSource; openbao: StoreSource },
): Promise<void> {
  const file = join(places.files, `${key}.json`);
  await rm(file, { force: true });
  if (layers.file !== undefined) {
    await writeFile(file, JSON.stringify(layers.file));
  }
  await places.sqlite.delete(key);
  if (layers.sqlite !== undefined) await places.sqlite.set(key, layers.sqlite);
  await places.openbao.delete(key);
  if (layers.openbao !== undefined) {
    await places.openbao.set(key, layers.openbao);
  }
}

/**
 * Every fields-mode case × layers, in a chain of per-field env vars, a
 * file, SQLite and OpenBao: get, explain (with its per-field leaves), set
 * of the merged value through the chain, validate, and toJsonSchema.
 */
async function fieldsMatrix(
  ledger: Ledger,
  dir: string,
  bao: FakeOpenBao,
): Promise<void> {
  const files = join(dir, "fields-files");
  await mkdir(files, { recursive: true });
  const sqlite = await SqliteSource.open(join(dir, "fields.db"));
  const openbao = new StoreSource(baoStore(bao, { sessionFile: false }));
  try {
    for (const item of fieldsCases(DEFAULT_CANARY)) {
      ledger.check(
        JSON.stringify(toJsonSchema(item.def)),
        `${item.name} toJsonSchema`,
      );
      for (const [label, layers] of Object.entries(item.layers(CANARIES))) {
        const where = `${item.name}/${label} (fields)`;
        await placeLayers(item.def.key, layers, { files, sqlite, openbao });
        const chain: ConfigSource[] = [
          new EnvSource({ env: { ...layers.env } }),
          new LocalFileSource(files),
          sqlite,
          openbao,
        ];
        await probe(ledger, item.def, chain, where);
        const manager = new ConfigManager(chain);
        const explanation = await manager.explain(item.def);
        if ((explanation.leaves ?? []).some((l) => l.source !== "defaults")) {
          ledger.saw("a field's source in explain()");
        }
        let merged: unknown;
        try {
          const resolution = await manager.resolve(item.def);
          merged = resolution.kind === "invalid"
            ? resolution.raw
            : "value" in resolution
            ? resolution.value
            : undefined;
        } catch (error) {
          checkError(ledger, error, `${where} resolve()`);
        }
        if (merged === undefined) continue;
        try {
          await manager.set(item.def, merged as never, { target: sqlite });
        } catch (error) {
          checkError(ledger, error, `${where} set() through the chain`);
        }
        await probeInput(ledger, item.def, merged, where);
      }
    }
  } finally {
    sqlite.close();
  }
}

/**
 * The fields-mode cases through the CLI: get and explain (human and
 * --json) over a chain of per-field env vars, a --file dir, OpenBao and
 * SQLite; then schema, docs and list over the whole module.
 */
async function cliFields(
  ledger: Ledger,
  dir: string,
  bao: FakeOpenBao,
): Promise<number> {
  const data = join(dir, "fields-data");
  const files = join(dir, "fields-cli-files");
  await mkdir(files, { recursive: true });
  const sqlite = await SqliteSource.open(join(data, "config", "config.db"));
  const openbao = new StoreSource(baoStore(bao, { sessionFile: false }));
  const baoEnv = { OPENBAO_URL: bao.address, BAO_TOKEN: bao.rootToken };
  let runs = 0;
  try {
    const cases = fieldsCases(DEFAULT_CANARY);
    const rounds = Math.max(
      ...cases.map((c) => Object.keys(c.layers(CANARIES)).length),
    );
    for (let round = 0; round <= rounds; round++) {
      const batch: CliRun[] = [];
      const env = { HARMONY_DATA_DIR: data, ...baoEnv };
      if (round === rounds) {
        // The whole module: every schema, the reference, the listing.
        const module = ["--schema", FIELDS_MODULE];
        for (
          const argv of [
            ["schema", ...module],
            ["schema", "FieldsPlain", ...module],
            ["docs", ...module, "--file", files],
            ["docs", ...module, "--json"],
            ["list", ...module, "--json", "--file", files],
            ["list", ...module, "--file", files],
          ]
        ) {
          batch.push({ argv, env, where: `CLI ${argv.join(" ")}` });
        }
      }
      for (const item of cases) {
        const entry = Object.entries(item.layers(CANARIES))[round];
        if (entry === undefined) continue;
        const [label, layers] = entry;
        await placeLayers(item.def.key, layers, {
          files,
          sqlite,
          openbao,
        });
        const schema = ["--schema", `${FIELDS_MODULE}#${item.name}`];
        for (
          const argv of [
            ["get", ...schema, "--debug"],
            ["get", ...schema, "--json"],
            ["explain", ...schema],
            ["explain", ...schema, "--json"],
          ]
        ) {
          batch.push({
            argv: [...argv, "--file", files],
            env: { ...env, ...layers.env },
            where: `CLI ${argv.join(" ")} ${item.name}/${label} (fields)`,
          });
        }
      }
      runs += await checkBatch(ledger, batch, `CLI fields batch ${round}`, {
        dir,
        bao,
        env: { HARMONY_CANARY_DEFAULT: DEFAULT_CANARY },
      }, (result) => {
        if (result.stdout.includes("fields (each from the first source")) {
          ledger.saw("a CLI explain with each field's source");
        }
        if (result.stdout.includes('"x-harmony-secret": true')) {
          ledger.saw("a CLI schema with a secret marked");
        }
        if (result.stdout.startsWith("# Configuration reference")) {
          ledger.saw("a CLI docs reference");
        }
      });
    }
  } finally {
    sqlite.close();
  }
  return runs;
}

/** Drives one getOrPrompt session on a fake terminal; checks its screen and error. */
async function promptSession(
  ledger: Ledger,
  item: CanaryCase,
  steps: readonly PromptStep[],
  stored: ConfigSource | readonly ConfigSource[],
  where: string,
): Promise<void> {
  const { manager, term } = promptingManager(
    ...(Array.isArray(stored) ? stored : [stored]),
  );
  const pending = manager.getOrPrompt(item.def).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  try {
    for (const step of steps) {
      if ("ask" in step) await term.answer(`? ${step.ask}`, step.answer);
      else if ("rejected" in step) {
        await term.waitFor(/\n> /);
        term.type("\x15"); // Ctrl-U: clear what was typed
      } else if ("type" in step) term.type(step.type + KEY.enter);
      else if ("waitFor" in step) await term.waitFor(step.waitFor);
      else term.type(KEY.ctrlC);
    }
  } catch (error) {
    ledger.fail(where, `the session went astray: ${(error as Error).message}`);
    term.type(KEY.ctrlC);
  }
  const outcome = await pending;
  if (/\n> /.test(term.text)) ledger.saw("a rejected answer on the screen");
  if (outcome === undefined) ledger.saw("a prompt that was answered");
  if (outcome !== undefined) {
    checkError(
      ledger,
      outcome.error,
      `${where} getOrPrompt()`,
      PromptCancelledError,
    );
  }
  ledger.check(term.raw, `${where} screen`);
  ledger.check(term.text, `${where} screen (text)`);
}

describe("secret canary matrix", () => {
  test("schemas × sources (env, file, SQLite, memory, OpenBao, a chain) × error, explain, set and validate channels", async () => {
    await withSources(async (sources) => {
      await part("sources", async (ledger) => {
        await sourceMatrix(ledger, CASES, sources);
        // A value JSON cannot hold fails in the source, without the value.
        try {
          await new MemorySource().set("Plain", {
            password: CANARIES.secret,
            n: 1n,
          });
          ledger.fail("MemorySource.set of a bigint", "stored it");
        } catch (error) {
          checkError(ledger, error, "MemorySource.set of a bigint");
        }
        ledger.assertSaw(
          "a value that get() returns",
          "an invalid value",
          "a redacted value in explain()",
        );
      });
    });
  });

  test("a schema from another copy of zod is refused (zod 4.0, 4.1.12) or its secrets masked (4.3, which shares the registry)", async () => {
    await withSources(async (sources) => {
      await part("other zod copies", async (ledger) => {
        for (
          const [version, copy] of [
            ["4.0.17", zod40],
            ["4.1.12", zod41],
          ] as const
        ) {
          for (
            const { name, build } of foreignCases(
              copy as unknown as typeof zod43,
            )
          ) {
            const where = `zod ${version} ${name}`;
            try {
              build();
              ledger.fail(where, "defineConfig accepted it");
            } catch (error) {
              checkError(ledger, error, `${where} defineConfig()`);
              if (!String((error as Error).message).includes(version)) {
                ledger.fail(where, "the refusal does not name the version");
              }
            }
          }
        }
        const shared = foreignCases(zod43).map(({ name, build }) => {
          const def = build();
          const original = CASES.find((c) => c.def.key === def.key)!;
          return { ...original, name: `zod 4.3.6 ${name}`, def };
        });
        await sourceMatrix(ledger, shared, sources);
        ledger.assertSaw("an invalid value", "a redacted value in explain()");
      });
    });
  });

  test("the CLI's human and --json output: get, explain and set over every schema, value and source", async () => {
    await using dir = await tempDir();
    await using bao = await startCanaryOpenBao();
    let runs = 0;
    await part("CLI", async (ledger) => {
      runs += await cliMatrix(ledger, dir.path, bao);
      runs += await cliProcesses(ledger, dir.path, bao);
      ledger.assertSaw(
        "a CLI run that failed on the value",
        "a CLI run that showed a redacted value",
        "a CLI run over a transform that threw",
      );
    });
    console.log(`secret canary matrix: ${runs} CLI runs`);
  });

  test("the prompt screen: masked answers, their rejections, re-asking a stored value that fails", async () => {
    await withSources(async (sources) => {
      await part("prompt", async (ledger) => {
        const stores = [sources.memory, sources.sqlite, sources.bao];
        for (const [i, item] of CASES.entries()) {
          const steps = item.prompt?.(CANARIES);
          if (steps === undefined) continue;
          await promptSession(
            ledger,
            item,
            steps,
            new MemorySource(),
            `prompt ${item.name} (missing)`,
          );
          // A stored value that fails is asked for again, where it is.
          const invalid = Object.entries(item.values(CANARIES)).find((
            [label],
          ) => label !== "valid");
          if (invalid === undefined) continue;
          const store = stores[i % stores.length]!;
          await sources.put(item.def.key, JSON.stringify(invalid[1]));
          await promptSession(
            ledger,
            item,
            steps,
            store,
            `prompt ${item.name} (${invalid[0]} in ${store.name})`,
          );
        }
        ledger.assertSaw(
          "a rejected answer on the screen",
          "a prompt that was answered",
        );
      });
    });
  });

  test("fields mode: per-field env vars, a file, SQLite and OpenBao in one chain × get, explain per field, set, validate, toJsonSchema, and a prompt that asks only what no source has", async () => {
    await using dir = await tempDir();
    await using bao = await startFakeOpenBao();
    await part("fields mode", async (ledger) => {
      await fieldsMatrix(ledger, dir.path, bao);
      // The prompt asks only for what no source has (the password): the
      // token OpenBao holds and the host from an env var are never drawn.
      const [plain] = fieldsCases(DEFAULT_CANARY);
      const store = new StoreSource(baoStore(bao, { sessionFile: false }));
      await store.set(plain!.def.key, { token: CANARIES.secret });
      const env = new EnvSource({
        env: { HARMONY_CONFIG_FieldsPlain__host: CANARIES.short },
      });
      const session: CanaryCase = {
        name: "FieldsPlain",
        def: plain!.def,
        values: () => ({}),
      };
      await promptSession(
        ledger,
        session,
        [
          { ask: "port", answer: "" },
          { ask: "password", answer: "a-typed-long-password" },
        ],
        [env, new MemorySource(), store],
        "prompt FieldsPlain (fields: only the fields no source has)",
      );
      ledger.assertSaw(
        "a value that get() returns",
        "an invalid value",
        "a redacted value in explain()",
        "a field's source in explain()",
        "a prompt that was answered",
      );
    });
  });

  test("fields mode in the CLI: get and explain per field over every source, schema, docs and list", async () => {
    await using dir = await tempDir();
    await using bao = await startFakeOpenBao();
    let runs = 0;
    await part("fields CLI", async (ledger) => {
      runs += await cliFields(ledger, dir.path, bao);
      ledger.assertSaw(
        "a CLI explain with each field's source",
        "a CLI schema with a secret marked",
        "a CLI docs reference",
      );
    });
    console.log(`secret canary matrix: ${runs} fields-mode CLI runs`);
  });

  test("totals: checks and leaks", () => {
    const checks = parts.reduce((n, p) => n + p.ledger.checks, 0);
    const leaks = parts.reduce((n, p) => n + p.ledger.leaks.length, 0);
    const untyped = parts.reduce((n, p) => n + p.ledger.untyped.length, 0);
    for (const p of parts) {
      console.log(
        `secret canary matrix: ${p.name}: ${p.ledger.checks} checks, ${p.ledger.leaks.length} leaks (${
          p.seconds.toFixed(1)
        } s)`,
      );
    }
    console.log(
      `secret canary matrix: ${checks} checks, ${leaks} leaks, ${untyped} untyped errors`,
    );
    assert.equal(parts.length, 6, "every part ran");
    assert.equal(leaks, 0);
    assert.equal(untyped, 0);
  });
});
