/**
 * The `harmony-config` CLI, run as a real subprocess against a temporary
 * data dir, on Deno and on Node alike: under Deno `deno run` with explicit
 * least-privilege flags on cli.ts; under Node (the suite compiled, against
 * the npm build) `node cli.js`, the packed entry point. Tests about Deno's
 * permission model itself skip on Node, each saying why.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { main } from "../../cli.ts";
import { COMMANDS } from "../../cli/args.ts";
import { VERSION } from "../../cli/version.ts";
import { Output } from "../../cli/output.ts";
import { isDeno, type RunResult } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { BROAD_FLAGS, ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import { startFakeOpenBao } from "../_helpers/openbao_server.ts";

/** Loaded by the CLI itself, so on Node it is the compiled fixture. */
const SCHEMA = fileURLToPath(
  new URL(`../_fixtures/cli_schema.${isDeno ? "ts" : "js"}`, import.meta.url),
);
const ESC = "\x1b[";
const CANARY = "canary-7f3a9c-never-print-me";
const DB_VALUE = JSON.stringify({ host: "sqlite-host", password: CANARY });

/** Why a test about Deno's permission model does not run on Node. */
function denoPermissionsOnly(what: string): false | string {
  return isDeno ? false : `${what}: Node has no permission model`;
}

/** Runs the CLI: see tests/_helpers/cli.ts. */
const cli = runCli;
const scoped = scopedFlags;
const BROAD = BROAD_FLAGS;

function assertOk(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what}: ${result.stderr}`);
}

function everything(results: readonly RunResult[]): string {
  return results.map((r) => r.stdout + r.stderr).join("\n");
}

describe("harmony-config", () => {
  it("sets from stdin and from an argument, and explains a key held by env, a file dir and SQLite", async () => {
    await using data = await tempDir();
    await using files = await tempDir();
    const flags = scoped(data.path, files.path, ROOT);
    flags[2] += `,${files.path}`;
    const env = { HARMONY_DATA_DIR: data.path };

    const fromStdin = await cli(flags, ["set", "Db", "-"], {
      env,
      stdin: DB_VALUE + "\n",
    });
    assertOk(fromStdin, "set Db -");
    const dbPath = join(data.path, "config", "config.db");
    assert.match(fromStdin.stdout, new RegExp(`Stored Db in sqlite:${dbPath}`));

    // With --file the dir is the first source that persists.
    const toFile = await cli(flags, [
      "set",
      "Db",
      JSON.stringify({ host: "file-host", password: CANARY }),
      "--file",
      files.path,
      "--json",
    ], { env });
    assertOk(toFile, "set Db --file");
    assert.deepEqual(JSON.parse(toFile.stdout), {
      key: "Db",
      source: `file:${files.path}`,
      locator: join(files.path, "Db.json"),
      shadowedBy: [],
    });
    assert.equal((await stat(join(files.path, "Db.json"))).mode & 0o777, 0o600);

    const withEnv = {
      ...env,
      HARMONY_CONFIG_Db: JSON.stringify({ host: "env-host", password: CANARY }),
    };
    const [asJson, asText, revealed] = await Promise.all([
      cli(flags, ["explain", "Db", "--file", files.path, "--json"], {
        env: withEnv,
      }),
      cli(flags, [
        "explain",
        "--schema",
        `${SCHEMA}#Db`,
        "--file",
        files.path,
      ], { env: withEnv }),
      cli(flags, ["get", "Db", "--reveal", "--file", files.path], { env }),
    ]);
    assertOk(asJson, "explain --json");
    const explanation = JSON.parse(asJson.stdout);
    assert.equal(explanation.answeredBy, "env");
    assert.deepEqual(
      explanation.steps.map((
        s: { source: string; status: string; winner: boolean },
      ) => [s.source, s.status, s.winner]),
      [
        ["env", "hit", true],
        [`file:${files.path}`, "hit", false],
        [`sqlite:${dbPath}`, "hit", false],
      ],
    );
    assert.deepEqual(
      explanation.steps.map((s: { locator: string }) => s.locator),
      ["HARMONY_CONFIG_Db", join(files.path, "Db.json"), `${dbPath}#Db`],
    );
    assert.match(
      explanation.steps[2].updatedAt,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    );
    // Without a schema every scalar is hidden, the shape is kept.
    assert.deepEqual(explanation.value, {
      host: "<redacted>",
      password: "<redacted>",
    });

    assertOk(asText, "explain --schema");
    assert.match(asText.stdout, /Db: answered by env/);
    assert.match(asText.stdout, /env-host/); // not secret with the schema
    assert.match(asText.stdout, /file-host/);
    assert.match(asText.stdout, /sqlite-host/);
    assert.match(asText.stdout, /"password":"<redacted>"/);
    assert.match(asText.stdout, /updated \d{4}-/);
    assert.ok(!asText.stdout.includes(ESC), "NO_COLOR is honoured");

    // --reveal shows the value, which proves the canary really is stored.
    assertOk(revealed, "get --reveal");
    assert.deepEqual(JSON.parse(revealed.stdout), {
      host: "file-host",
      password: CANARY,
    });
    assert.ok(
      !everything([fromStdin, toFile, asJson, asText]).includes(CANARY),
    );
  });

  it("never prints a canary secret without --reveal: get, explain, list, set, errors, --json", async () => {
    await using data = await tempDir();
    const flags = scoped(data.path, ROOT);
    const env = { HARMONY_DATA_DIR: data.path };
    assertOk(
      await cli(flags, ["set", "Db", DB_VALUE], { env }),
      "set Db",
    );
    const badEnv = {
      ...env,
      HARMONY_CONFIG_Db: JSON.stringify({ host: 5, password: CANARY }),
    };
    const schema = ["--schema", `${SCHEMA}#Db`];
    const runs = await Promise.all([
      cli(flags, ["get", "Db"], { env }),
      cli(flags, ["get", "Db", "--json"], { env }),
      cli(flags, ["get", ...schema], { env }),
      cli(flags, ["get", ...schema, "--json"], { env }),
      cli(flags, ["explain", "Db"], { env }),
      cli(flags, ["explain", ...schema, "--json"], { env }),
      cli(["--allow-env", ...flags.slice(1)], ["list"], { env }),
      cli(["--allow-env", ...flags.slice(1)], ["list", "--json"], { env }),
      // Errors: an invalid stored value, an invalid value to set, bad JSON.
      cli(flags, ["get", ...schema], { env: badEnv }),
      cli(flags, ["explain", ...schema, "--json"], { env: badEnv }),
      cli(flags, ["set", ...schema, JSON.stringify({ password: CANARY })], {
        env,
      }),
      cli(flags, ["set", "Db", `{"password": ${CANARY}}`, "--json"], { env }),
      cli(flags, ["set", "Db", "-", "--debug"], { env, stdin: CANARY }),
      cli(flags, ["set", "Db", `-${CANARY}`], { env }),
    ]);
    const [get, getJson, getSchema, getSchemaJson] = runs;
    for (const run of runs.slice(0, 8)) assertOk(run, "a read command");
    assert.equal(
      get!.stdout.trim(),
      '{"host":"<redacted>","password":"<redacted>"}',
    );
    assert.match(get!.stderr, /--reveal/);
    assert.equal(JSON.parse(getJson!.stdout).value.password, "<redacted>");
    assert.deepEqual(JSON.parse(getSchema!.stdout), {
      host: "sqlite-host",
      port: 5432,
      password: "<redacted>",
    });
    assert.equal(
      JSON.parse(getSchemaJson!.stdout).source.startsWith("sqlite:"),
      true,
    );
    const [invalidGet, invalidExplain, invalidSet, badJson, badStdin, dashed] =
      runs.slice(8);
    assert.equal(invalidGet!.code, 1);
    assert.match(
      invalidGet!.stderr,
      /Invalid value for key "Db" in HARMONY_CONFIG_Db: host/,
    );
    assert.equal(invalidExplain!.code, 1);
    assert.equal(JSON.parse(invalidExplain!.stdout).steps[0].status, "invalid");
    assert.equal(invalidSet!.code, 1);
    assert.match(invalidSet!.stderr, /host: .*nothing was stored/);
    assert.equal(badJson!.code, 2);
    assert.equal(JSON.parse(badJson!.stderr).error.type, "UsageError");
    assert.equal(badStdin!.code, 2);
    assert.match(badStdin!.stderr, /read from stdin is not valid JSON/);
    assert.equal(dashed!.code, 2);
    assert.match(dashed!.stderr, /Unknown option: .*after --/);
    assert.ok(
      !everything(runs).includes(CANARY),
      "the canary leaked into some output",
    );
    assert.ok(!everything(runs).includes(ESC), "NO_COLOR is honoured");
  });

  it("exits 0 ok, 1 error, 2 usage, 3 not found; a stack only with --debug", async () => {
    await using data = await tempDir();
    const flags = scoped(data.path, ROOT);
    const env = { HARMONY_DATA_DIR: data.path };
    const badEnv = { ...env, HARMONY_CONFIG_Db: '{"host":5}' };
    const [path, usage, missing, unsetMissing, explainMissing, invalid, debug] =
      await Promise.all([
        cli(flags, ["path", "--json"], { env }),
        cli(flags, ["frobnicate"], { env }),
        cli(flags, ["get", "Nope"], { env }),
        cli(flags, ["unset", "Nope"], { env }),
        cli(flags, ["explain", "Nope"], { env }),
        cli(flags, ["get", "--schema", `${SCHEMA}#Db`], { env: badEnv }),
        cli(flags, ["get", "Nope", "--debug"], { env }),
      ]);
    assertOk(path, "path");
    assert.deepEqual(JSON.parse(path.stdout), {
      dataDir: data.path,
      dbPath: join(data.path, "config", "config.db"),
    });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Unknown command: use one of get, set/);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /No value for key "Nope"/);
    assert.match(missing.stderr, /harmony-config set Nope/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack without --debug");
    assert.equal(unsetMissing.code, 3);
    assert.equal(explainMissing.code, 3);
    assert.match(explainMissing.stdout, /Nope: no answer/);
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /Invalid value for key "Db" in HARMONY_CONFIG_Db/,
    );
    assert.doesNotMatch(invalid.stderr, /\n\s+at /, "no stack without --debug");
    assert.equal(debug.code, 3);
    assert.match(debug.stderr, /\n\s+at /, "--debug shows the stack");
  });

  it("exits 1 naming the flags to add when Deno denies a permission", {
    skip: denoPermissionsOnly("runs without --allow-write to be denied"),
  }, async () => {
    await using data = await tempDir();
    const flags = scoped(data.path);
    const env = { HARMONY_DATA_DIR: data.path };
    const [denied, debug] = await Promise.all([
      // No write access to the data dir: a permission error naming the fix.
      cli(flags.slice(0, 2), ["get", "Nope"], { env }),
      cli(flags.slice(0, 2), ["get", "Nope", "--debug"], { env }),
    ]);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      new RegExp(
        `add --allow-read=${join(data.path, "config")} --allow-write=`,
      ),
    );
    assert.doesNotMatch(denied.stderr, /\n\s+at /, "no stack without --debug");
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /\n\s+at /, "--debug shows the stack");
  });

  /** A data dir holding Db in SQLite, a --file dir, and doctor's JSON report. */
  async function doctorSetup(
    data: string,
    files: string,
  ): Promise<
    {
      env: Record<string, string>;
      args: string[];
      report: { ok: boolean; flags: string[] };
    }
  > {
    const env = { HARMONY_DATA_DIR: data, HARMONY_CONFIG_Port: "8080" };
    const args = ["--file", files];
    assertOk(
      await cli(BROAD, ["set", "Db", DB_VALUE, "--source", "sqlite"], { env }),
      "set --source sqlite",
    );
    const doctor = await cli(BROAD, ["doctor", "--json", ...args], { env });
    assertOk(doctor, "doctor");
    return { env, args, report: JSON.parse(doctor.stdout) };
  }

  it("doctor checks every source and prints the least-privilege flags of the chain", async () => {
    await using data = await tempDir();
    await using files = await tempDir();
    const { env, args, report } = await doctorSetup(data.path, files.path);
    assert.equal(report.ok, true);
    const configDir = join(data.path, "config");
    assert.deepEqual(report.flags, [
      "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR",
      `--allow-read=${files.path},${configDir}`,
      `--allow-write=${files.path},${configDir}`,
    ]);
    const text = await cli(BROAD, ["doctor", ...args], { env });
    assertOk(text, "doctor");
    assert.match(text.stdout, /ok {3}env: reads HARMONY_CONFIG_<KEY>/);
    assert.match(
      text.stdout,
      /ok {3}file:.*readable, 0 keys; files 0600, dir 0700/,
    );
    assert.match(text.stdout, /ok {3}sqlite:.*1 key; files 0600, dir 0700/);
    // Node has no permission flags: the text gives them under Deno only.
    if (isDeno) {
      assert.match(
        text.stdout,
        new RegExp(
          `Minimal deno run flags for this chain:\n  ${
            report.flags.join(" ").replaceAll("*", "\\*")
          }\n`,
        ),
      );
    }
  });

  it("doctor's flags are enough for get, and each flag is needed", {
    skip: denoPermissionsOnly("runs get with doctor's flags, then one less"),
  }, async () => {
    await using data = await tempDir();
    await using files = await tempDir();
    const { env, args, report } = await doctorSetup(data.path, files.path);
    const flags = report.flags;
    const [get, port, doctorAgain, ...withoutOne] = await Promise.all([
      cli(flags, ["get", "Db", "--reveal", ...args], { env }),
      cli(flags, ["get", "Port", "--reveal", ...args], { env }),
      cli(flags, ["doctor", "--json", ...args], { env }),
      ...flags.map((_, i) =>
        cli(flags.filter((_, j) => j !== i), ["get", "Db", ...args], { env })
      ),
    ]);
    assertOk(get, "get with doctor's flags");
    assert.equal(JSON.parse(get.stdout).host, "sqlite-host");
    assertOk(port, "get Port with doctor's flags");
    assert.equal(port.stdout.trim(), "8080");
    assertOk(doctorAgain, "doctor with its own flags");
    assert.deepEqual(JSON.parse(doctorAgain.stdout), report);
    for (const [i, result] of withoutOne.entries()) {
      assert.equal(result.code, 1, `without ${flags[i]}: ${result.stderr}`);
      assert.match(result.stderr, /add --allow-/);
    }
  });

  it("doctor fails on a schema export that is not a definition and names the real ones", async () => {
    await using data = await tempDir();
    const env = { HARMONY_DATA_DIR: data.path };
    const result = await cli(BROAD, [
      "doctor",
      "--schema",
      `${SCHEMA}#Nope`,
    ], { env });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /ok {3}sqlite:/);
    assert.match(
      result.stdout,
      /FAIL schema:.*no ConfigDefinition export named Nope: use one of #Db, #Limits/,
    );
    if (isDeno) {
      assert.match(
        result.stdout,
        new RegExp(`--allow-read=${join(data.path, "config")},${ROOT}`),
      );
    }
  });

  it("doctor reports a permission the run lacks and the flag that fixes it", {
    skip: denoPermissionsOnly("runs doctor without --allow-write"),
  }, async () => {
    await using data = await tempDir();
    const env = { HARMONY_DATA_DIR: data.path };
    const result = await cli(
      ["--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR", "--allow-read"],
      ["doctor"],
      { env },
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      new RegExp(
        `FAIL sqlite:.*lacks --allow-write=${join(data.path, "config")}`,
      ),
    );
    assert.match(result.stdout, /fix: add --allow-write=/);
  });

  it("lists keys source by source, SQLite with updated_at, and unsets", async () => {
    await using data = await tempDir();
    await using files = await tempDir();
    const env = { HARMONY_DATA_DIR: data.path, HARMONY_CONFIG_Shown: "1" };
    const flags = ["--allow-env", ...scoped(data.path, files.path).slice(1)];
    flags[2] += `,${files.path}`;
    const args = ["--file", files.path];
    const sets = await Promise.all([
      cli(flags, ["set", "Alpha", "1", "--source", "sqlite", ...args], { env }),
      cli(flags, ["set", "Beta", '"b"', "--source", `file:${files.path}`], {
        env,
      }),
    ]);
    for (const set of sets) assertOk(set, "set");
    const list = await cli(flags, ["list", "--json", ...args], { env });
    assertOk(list, "list");
    const sources = JSON.parse(list.stdout).sources;
    assert.deepEqual(sources.map((s: { source: string }) => s.source), [
      "env",
      `file:${files.path}`,
      `sqlite:${join(data.path, "config", "config.db")}`,
    ]);
    assert.deepEqual(sources[0].keys, [{ key: "Shown" }]);
    assert.deepEqual(sources[1].keys, [{ key: "Beta" }]);
    assert.equal(sources[2].keys[0].key, "Alpha");
    assert.match(
      sources[2].keys[0].updatedAt,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    );

    const [unset, text] = await Promise.all([
      cli(flags, ["unset", "Alpha", ...args], { env }),
      cli(flags, ["list", ...args], { env }),
    ]);
    assertOk(unset, "unset");
    assert.match(unset.stdout, /Removed Alpha from sqlite:/);
    assertOk(text, "list");
    assert.match(text.stdout, /^env\n {2}Shown\n/);
    const after = await cli(flags, ["get", "Alpha"], { env });
    assert.equal(after.code, 3);
  });

  it("uses the schema's defaults and rejects a KEY that does not match it", async () => {
    await using data = await tempDir();
    const flags = scoped(data.path, ROOT);
    const env = { HARMONY_DATA_DIR: data.path };
    const [defaults, mismatch] = await Promise.all([
      cli(flags, ["get", "--schema", `${SCHEMA}#Limits`, "--json"], { env }),
      cli(flags, ["get", "Other", "--schema", `${SCHEMA}#Limits`], { env }),
    ]);
    assertOk(defaults, "get defaults");
    assert.deepEqual(JSON.parse(defaults.stdout), {
      key: "Limits",
      source: "defaults",
      value: { retries: 3 },
    });
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /does not match the schema's key Limits/);
    // Without a schema a value round-trips exactly, own "__proto__" key included.
    const odd = '{"__proto__":{"x":1},"a":[1,null,"s"]}';
    assertOk(await cli(flags, ["set", "Odd", odd], { env }), "set Odd");
    const back = await cli(flags, ["get", "Odd", "--reveal"], { env });
    assertOk(back, "get Odd");
    assert.equal(back.stdout.trim(), odd);
  });

  it("puts OpenBao before SQLite when OPENBAO_URL is set, and reports it unavailable when sealed", async () => {
    await using data = await tempDir();
    await using bao = await startFakeOpenBao();
    const env = {
      HARMONY_DATA_DIR: data.path,
      OPENBAO_URL: bao.address,
      BAO_TOKEN: bao.rootToken,
    };
    const host = new URL(bao.address).host;
    const broad = [
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-net",
    ];
    const [toBao, toSqlite] = await Promise.all([
      cli(broad, ["set", "Db", DB_VALUE], { env }),
      cli(broad, [
        "set",
        "Db",
        JSON.stringify({ host: "local", password: CANARY }),
        "--source",
        "sqlite",
      ], { env }),
    ]);
    assertOk(toBao, "set to OpenBao");
    assert.match(
      toBao.stdout,
      new RegExp(`Stored Db in openbao:${bao.address}`),
    );
    assertOk(toSqlite, "set --source sqlite");
    assert.deepEqual(bao.readKv("harmony/config/Db"), JSON.parse(DB_VALUE));

    const doctor = await cli(broad, ["doctor", "--json"], { env });
    assertOk(doctor, "doctor");
    const flags: string[] = JSON.parse(doctor.stdout).flags;
    assert.deepEqual(flags, [
      "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR,OPENBAO_URL,BAO_NAMESPACE,VAULT_NAMESPACE,BAO_TOKEN",
      `--allow-read=${join(data.path, "config")}`,
      `--allow-write=${join(data.path, "config")}`,
      `--allow-net=${host}`,
    ]);
    const [get, explain] = await Promise.all([
      cli(flags, ["get", "Db", "--reveal"], { env }),
      cli(flags, ["explain", "Db", "--json"], { env }),
    ]);
    assertOk(get, "get with doctor's flags");
    assert.deepEqual(JSON.parse(get.stdout), JSON.parse(DB_VALUE));
    assertOk(explain, "explain");
    const steps = JSON.parse(explain.stdout).steps;
    assert.deepEqual(
      steps.map((
        s: { status: string; winner: boolean },
      ) => [s.status, s.winner]),
      [["miss", false], ["hit", true], ["hit", false]],
    );
    assert.equal(
      steps[1].locator,
      `${bao.address}/v1/secret/data/harmony/config/Db`,
    );
    assert.equal(steps[1].version, 1);

    bao.seal();
    const [sealedExplain, sealedDoctor] = await Promise.all([
      cli(flags, ["explain", "Db"], { env }),
      cli(flags, ["doctor"], { env }),
    ]);
    assertOk(sealedExplain, "explain while sealed");
    assert.match(sealedExplain.stdout, /answered by sqlite:/);
    assert.match(sealedExplain.stdout, /openbao:\S+\s+unavailable/);
    assert.equal(sealedDoctor.code, 1);
    assert.match(sealedDoctor.stdout, /FAIL openbao:.*unreachable/);
    assert.ok(
      !everything([
        toBao,
        toSqlite,
        doctor,
        explain,
        sealedExplain,
        sealedDoctor,
      ])
        .includes(CANARY),
    );
  });

  it("prints --version and --help", async () => {
    const [version, help] = await Promise.all([
      cli([], ["--version"]),
      cli([], ["explain", "--help"]),
    ]);
    assertOk(version, "--version");
    const manifest = JSON.parse(
      await readFile(join(ROOT, "deno.json"), "utf8"),
    );
    assert.equal(version.stdout.trim(), manifest.version);
    assertOk(help, "explain --help");
    assert.match(help.stdout, /^Usage: harmony-config explain KEY/);
    assert.match(
      help.stdout,
      /Exit codes: 0 ok, 1 error, 2 usage error, 3 not found/,
    );
  });
});

describe("harmony-config in process", () => {
  async function run(
    argv: string[],
  ): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, {
      stdout: { write: (text) => Promise.resolve(void (out += text)) },
      stderr: { write: (text) => Promise.resolve(void (err += text)) },
      readStdin: () => Promise.resolve(""),
      stdoutIsTerminal: false,
      cwd: ROOT,
    });
    return { code, out, err };
  }

  it("keeps VERSION equal to deno.json's version", async () => {
    const manifest = JSON.parse(
      await readFile(join(ROOT, "deno.json"), "utf8"),
    );
    assert.equal(VERSION, manifest.version);
  });

  it("has --help for every command", async () => {
    for (const command of COMMANDS) {
      const { code, out } = await run([command, "--help"]);
      assert.equal(code, 0);
      assert.match(out, new RegExp(`^Usage: harmony-config ${command}`));
    }
    const { code, out } = await run(["--help"]);
    assert.equal(code, 0);
    assert.match(out, /Commands:/);
  });

  it("rejects bad command lines with exit code 2 and advice", async () => {
    const cases: [string[], RegExp][] = [
      [[], /Missing a command/],
      [["get", "a", "b"], /takes at most 1 argument, got 2: run harmony/],
      [
        ["list", "extra"],
        /^error: list takes no arguments, got 1: run harmony-config list --help$/m,
      ],
      [
        ["set", "Db", "{a:", "1}"],
        /takes at most 2 arguments, got 3: quote a JSON value as one argument/,
      ],
      [["set", "Db"], /needs KEY and a JSON value/],
      [["list", "--reveal"], /list does not take --reveal/],
      [["get", "--bogus"], /Unknown option --bogus/],
      [["get", "--schema"], /Option --schema needs a value/],
      [["get", "../etc"], /Invalid key/],
      [["get", "--prompt", "Db"], /--prompt needs --schema/],
      [
        ["set", "Db", "1", "--source", "mysql"],
        /--source takes sqlite, openbao or file:DIR/,
      ],
      [["get", "--schema", "#Db"], /--schema needs MODULE or MODULE#EXPORT/],
    ];
    for (const [argv, message] of cases) {
      const { code, err } = await run(argv);
      assert.equal(code, 2, `${argv.join(" ")}: ${err}`);
      assert.match(err, message);
    }
    const { err } = await run(["unset", "--json"]);
    assert.equal(JSON.parse(err).error.exitCode, 2);
  });

  it("colours only when allowed", () => {
    const sink = { write: () => Promise.resolve() };
    const colored = new Output({
      stdout: sink,
      stderr: sink,
      color: true,
      json: false,
    });
    const plain = new Output({
      stdout: sink,
      stderr: sink,
      color: false,
      json: false,
    });
    assert.equal(colored.style("red", "x"), "\x1b[31mx\x1b[39m");
    assert.equal(plain.style("red", "x"), "x");
  });
});
