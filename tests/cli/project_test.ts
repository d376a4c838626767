/**
 * A CLI that knows every definition, through real processes (Deno with its
 * permission flags; on Node the installed package's `harmony-config` bin):
 * `--schema MODULE` without `#Export` loads every definition the module
 * exports, and a project names its module once (`HARMONY_SCHEMA`, or
 * `"harmony-config": { "schema": … }` in `deno.json`, `deno.jsonc` or
 * `package.json` from the working directory upward), so plain `get KEY`
 * redacts exactly the secret fields, `set` validates, `explain` shows where
 * each field of a fields-mode key came from, and `list` says which keys a
 * definition knows and whether their values are valid.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../../mod.ts";
import {
  BROAD_FLAGS,
  installedBin,
  ROOT,
  runHarmonyConfig as cli,
  scopedFlags,
} from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const MODULE = fileURLToPath(
  new URL(
    `../_fixtures/cli_project_schema.${isDeno ? "ts" : "js"}`,
    import.meta.url,
  ),
);
const SECRET = "s3cret-canary-password";

/** A data dir whose SQLite holds a value for each key of the module, and one more. */
async function storeValues(dataDir: string): Promise<void> {
  using sqlite = await SqliteSource.open(join(dataDir, "config", "config.db"));
  await sqlite.set("PostgresConfig", { host: "db.internal", password: SECRET });
  await sqlite.set("Api", { url: "not a url", token: SECRET });
  await sqlite.set("Stray", { note: "plain", token: SECRET });
}

/** A project directory whose `name` holds `content`. */
async function project(
  dir: string,
  name: string,
  content: string,
): Promise<string> {
  const root = join(dir, "project");
  await mkdir(root, { recursive: true });
  await writeFile(join(root, name), content);
  return root;
}

const setting = JSON.stringify({
  name: "app",
  "harmony-config": { schema: MODULE },
});

describe("harmony-config with every definition of a module", () => {
  it("runs as users run it: on Node, the installed package's bin", {
    skip: isDeno ? "under Deno the CLI runs as deno run cli.ts" : false,
  }, () => {
    assert.match(installedBin() ?? "", /node_modules\/\.bin\/harmony-config$/);
  });

  it("--schema MODULE without #Export loads every definition: get redacts exactly each key's secret fields", async () => {
    await using data = await tempDir();
    await storeValues(data.path);
    const env = { HARMONY_DATA_DIR: data.path };
    const schema = ["--schema", MODULE];
    const [pg, stray, noKey] = await Promise.all([
      cli(BROAD_FLAGS, ["get", "PostgresConfig", ...schema, "--json"], { env }),
      cli(BROAD_FLAGS, ["get", "Stray", ...schema], { env }),
      cli(BROAD_FLAGS, ["get", ...schema], { env }),
    ]);
    assert.equal(pg.code, 0, pg.stderr);
    assert.deepEqual(JSON.parse(pg.stdout).value, {
      host: "db.internal",
      port: 5432,
      password: "<redacted>",
      tags: [],
    });
    // A key the module does not define: every scalar hidden, and why.
    assert.equal(stray.code, 0, stray.stderr);
    assert.deepEqual(JSON.parse(stray.stdout), {
      note: "<redacted>",
      token: "<redacted>",
    });
    assert.match(stray.stderr, /has no definition of Stray/);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /defines Api, PostgresConfig: pass one of them/);
    for (const result of [pg, stray, noKey]) {
      assert.ok(!(result.stdout + result.stderr).includes(SECRET));
    }
  });
});

describe("harmony-config with a project-level schema module", () => {
  it("finds it in package.json: get redacts only secret fields, set validates", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const cwd = await project(dir.path, "package.json", setting);
    const env = { HARMONY_DATA_DIR: dir.path };
    const get = await cli(BROAD_FLAGS, ["get", "PostgresConfig"], { env, cwd });
    assert.equal(get.code, 0, get.stderr);
    const shown = JSON.parse(get.stdout);
    assert.equal(shown.host, "db.internal");
    assert.equal(shown.password, "<redacted>");
    assert.equal(get.stderr, ""); // no "values are hidden" note
    const bad = await cli(BROAD_FLAGS, [
      "set",
      "PostgresConfig",
      JSON.stringify({ host: 5, password: SECRET }),
    ], { env, cwd });
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /Invalid value for key "PostgresConfig" in the JSON given to set: host: .*nothing was stored/,
    );
    assert.ok(!bad.stderr.includes(SECRET));
    const good = await cli(BROAD_FLAGS, [
      "set",
      "PostgresConfig",
      JSON.stringify({ host: "new-host", password: "another-password" }),
    ], { env, cwd });
    assert.equal(good.code, 0, good.stderr);
    assert.match(
      good.stdout,
      /^Stored host, password of PostgresConfig in sqlite:/,
    );
  });

  it("finds it in a package.json that starts with a byte order mark, as Windows editors save it", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const cwd = await project(dir.path, "package.json", `\uFEFF${setting}`);
    const get = await cli(BROAD_FLAGS, ["get", "PostgresConfig"], {
      env: { HARMONY_DATA_DIR: dir.path },
      cwd,
    });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(JSON.parse(get.stdout).host, "db.internal");
    assert.equal(get.stderr, ""); // the definition applied: no "values are hidden" note
  });

  it("finds it in a deno.jsonc with comments, from a directory below the project", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const root = await project(
      dir.path,
      "deno.jsonc",
      `{
  // The project's config module, for harmony-config.
  "harmony-config": {
    "schema": ${JSON.stringify(MODULE)}, /* every definition */
  },
}`,
    );
    const cwd = join(root, "src", "deep");
    await mkdir(cwd, { recursive: true });
    const get = await cli(BROAD_FLAGS, ["get", "Api", "--json"], {
      env: { HARMONY_DATA_DIR: dir.path },
      cwd,
    });
    // Api's stored url is not a URL: the schema was applied.
    assert.equal(get.code, 1);
    assert.match(get.stderr, /Invalid value for key \\?"Api\\?".*url/);
    assert.ok(!get.stderr.includes(SECRET));
  });

  it("takes HARMONY_SCHEMA over the project file, and --schema over both", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const cwd = await project(dir.path, "package.json", setting);
    const env = {
      HARMONY_DATA_DIR: dir.path,
      HARMONY_SCHEMA: `${MODULE}#Api`, // only Api
    };
    const [fromEnv, fromFlag] = await Promise.all([
      cli(BROAD_FLAGS, ["get", "PostgresConfig"], { env, cwd }),
      cli(BROAD_FLAGS, ["get", "PostgresConfig", "--schema", MODULE], {
        env,
        cwd,
      }),
    ]);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(JSON.parse(fromEnv.stdout).host, "<redacted>");
    assert.match(
      fromEnv.stderr,
      /named by HARMONY_SCHEMA\) has no definition of PostgresConfig/,
    );
    assert.equal(fromFlag.code, 0, fromFlag.stderr);
    assert.equal(JSON.parse(fromFlag.stdout).host, "db.internal");
  });

  it("offers get --prompt for a defined key no source has, with no --schema to repeat", async () => {
    await using dir = await tempDir();
    const cwd = await project(dir.path, "package.json", setting);
    const result = await cli(BROAD_FLAGS, ["get", "Api"], {
      env: { HARMONY_DATA_DIR: dir.path },
      cwd,
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /run harmony-config set Api '<json>' or run harmony-config get Api --prompt in a terminal/,
    );
  });

  it("says which file holds a setting that is not a module path", async () => {
    await using dir = await tempDir();
    const cwd = await project(
      dir.path,
      "package.json",
      JSON.stringify({ "harmony-config": { schema: 5 } }),
    );
    const result = await cli(BROAD_FLAGS, ["get", "Api"], {
      env: { HARMONY_DATA_DIR: dir.path },
      cwd,
    });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /"harmony-config" in .*project\/package\.json needs "schema": a module path/,
    );
  });

  it("explain shows the source of each field of a fields-mode key, secrets redacted", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const cwd = await project(dir.path, "package.json", setting);
    const env = {
      HARMONY_DATA_DIR: dir.path,
      HARMONY_CONFIG_PostgresConfig__host: "env-host",
      HARMONY_CONFIG_PostgresConfig__tags: '["a","b"]',
    };
    const [human, json] = await Promise.all([
      cli(BROAD_FLAGS, ["explain", "PostgresConfig"], { env, cwd }),
      cli(BROAD_FLAGS, ["explain", "PostgresConfig", "--json"], { env, cwd }),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /fields \(each from the first source that has it\):/,
    );
    assert.match(
      human.stdout,
      /\n {2}host +HARMONY_CONFIG_PostgresConfig__host +"env-host"\n/,
    );
    assert.match(human.stdout, /\n {2}port +defaults +5432\n/);
    assert.match(
      human.stdout,
      /\n {2}password +\S+config\.db#PostgresConfig +"<redacted>"\n/,
    );
    assert.equal(json.code, 0, json.stderr);
    const leaves = JSON.parse(json.stdout).leaves as {
      path: string;
      source: string;
    }[];
    assert.deepEqual(
      leaves.map((leaf) => [leaf.path, leaf.source.split(":")[0]]),
      [
        ["host", "env"],
        ["port", "defaults"],
        ["password", "sqlite"],
        ["tags", "env"],
      ],
    );
    for (const result of [human, json]) {
      assert.ok(!(result.stdout + result.stderr).includes(SECRET));
    }
  });

  it("list says which keys a definition knows and whether each stored value is valid", async () => {
    await using dir = await tempDir();
    await storeValues(dir.path);
    const cwd = await project(dir.path, "package.json", setting);
    const env = {
      HARMONY_DATA_DIR: dir.path,
      HARMONY_CONFIG_PostgresConfig__port: "6543",
    };
    const [human, json] = await Promise.all([
      cli(BROAD_FLAGS, ["list"], { env, cwd }),
      cli(BROAD_FLAGS, ["list", "--json"], { env, cwd }),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const sources = JSON.parse(json.stdout).sources as {
      source: string;
      keys: Record<string, unknown>[];
    }[];
    const byKey = (source: string): Record<string, Record<string, unknown>> =>
      Object.fromEntries(
        sources.find((s) => s.source.startsWith(source))!.keys.map((k) => [
          k.key,
          k,
        ]),
      );
    const sqlite = byKey("sqlite:");
    assert.equal(sqlite.PostgresConfig?.defined, true);
    assert.equal(sqlite.PostgresConfig?.valid, true);
    assert.equal(sqlite.Api?.valid, false);
    assert.deepEqual(
      (sqlite.Api?.issues as { path: string }[]).map((i) => i.path),
      ["url"],
    );
    assert.equal(sqlite.Stray?.defined, false);
    assert.equal(byKey("env").PostgresConfig__port?.fieldOf, "PostgresConfig");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /PostgresConfig +\S+ \S+ UTC {2}valid/);
    assert.match(human.stdout, /Api +\S+ \S+ UTC {2}invalid at url/);
    assert.match(human.stdout, /Stray +\S+ \S+ UTC {2}\(no definition\)/);
    assert.match(
      human.stdout,
      /PostgresConfig__port {2}\(a field of PostgresConfig\)/,
    );
    assert.ok(!(human.stdout + json.stdout).includes(SECRET));
  });

  it(
    "doctor prints the flags the project's module needs; get works with exactly them",
    {
      skip: isDeno ? false : "Deno's permission flags",
    },
    async () => {
      await using dir = await tempDir();
      await storeValues(dir.path);
      const cwd = await project(dir.path, "package.json", setting);
      const env = { HARMONY_DATA_DIR: dir.path };
      const doctor = await cli(BROAD_FLAGS, ["doctor", "--json"], { env, cwd });
      assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
      const report = JSON.parse(doctor.stdout) as {
        flags: string[];
        checks: { subject: string; message: string }[];
      };
      assert.ok(
        report.checks.some((c) =>
          c.subject === `schema:${MODULE}` &&
          /loads 2 definitions, of keys Api, PostgresConfig \(named by .*package\.json\)/
            .test(c.message)
        ),
        JSON.stringify(report.checks),
      );
      assert.ok(
        report.flags.includes(
          `--allow-read=${join(dir.path, "config")},${cwd},${ROOT}`,
        ),
        report.flags.join(" "),
      );
      const get = await cli(report.flags, ["get", "PostgresConfig"], {
        env,
        cwd,
      });
      assert.equal(get.code, 0, get.stderr);
      assert.equal(JSON.parse(get.stdout).password, "<redacted>");
      assert.equal(JSON.parse(get.stdout).host, "db.internal");
      // Without read access to the project the module is not found (nothing
      // prompts): every value is hidden, and doctor says why.
      const [blind, blindDoctor] = await Promise.all([
        cli(scopedFlags(dir.path, ROOT), ["get", "PostgresConfig"], {
          env,
          cwd,
        }),
        cli(scopedFlags(dir.path, ROOT), ["doctor"], { env, cwd }),
      ]);
      assert.equal(blind.code, 0, blind.stderr);
      assert.equal(JSON.parse(blind.stdout).host, "<redacted>");
      assert.match(
        blindDoctor.stderr,
        /not readable in this run: HARMONY_SCHEMA/,
      );
    },
  );
});
