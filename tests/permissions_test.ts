import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { permissionFlags } from "../mod.ts";
import { permissionFlag } from "../_internal/permission_error.ts";
import { baseEnv, isDeno, runDeno } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const fixture = fileURLToPath(
  new URL("./_fixtures/core_permissions.ts", import.meta.url),
);
const denoOnly = {
  skip: isDeno ? false : "needs Deno's permission model",
} as const;

interface Attempt {
  ok?: unknown;
  name?: string;
  message?: string;
  flag?: string;
}

async function attempt(
  flags: string[],
  args: string[],
  env: Record<string, string> = baseEnv(),
): Promise<Attempt> {
  const result = await runDeno([
    "run",
    "--quiet",
    "--no-prompt",
    ...flags,
    fixture,
    ...args,
  ], { env });
  assert.equal(result.stderr, "", "the child reports through stdout only");
  return JSON.parse(result.stdout) as Attempt;
}

describe("permissions", () => {
  test("flags are merged per kind, deduplicated, in order", () => {
    assert.equal(
      permissionFlag({ name: "net", host: "127.0.0.1:8200" }),
      "--allow-net=127.0.0.1:8200",
    );
    assert.deepEqual(
      permissionFlags([
        { name: "env", variable: "HARMONY_CONFIG_*" },
        { name: "read", path: "/a" },
        { name: "write", path: "/a" },
        { name: "read", path: "/b" },
        { name: "env", variable: "HARMONY_CONFIG_*" },
      ]),
      [
        "--allow-env=HARMONY_CONFIG_*",
        "--allow-read=/a,/b",
        "--allow-write=/a",
      ],
    );
  });

  test(
    "SqliteSource without write access names the flags to add, and they suffice",
    denoOnly,
    async () => {
      await using dir = await tempDir();
      const db = join(dir.path, "config", "config.db");
      const denied = await attempt([`--allow-read=${dir.path}`], [
        "sqlite",
        db,
      ]);
      assert.equal(denied.name, "ConfigPermissionError");
      assert.equal(
        denied.flag,
        `--allow-read=${join(dir.path, "config")} --allow-write=${
          join(dir.path, "config")
        }`,
      );
      assert.ok(denied.message?.includes(db));
      // The flags from the error are all it takes.
      const granted = await attempt(denied.flag!.split(" "), ["sqlite", db]);
      assert.deepEqual(granted, { ok: 1 });
    },
  );

  test(
    "LocalFileSource without write access names --allow-write for its directory",
    denoOnly,
    async () => {
      await using dir = await tempDir();
      const denied = await attempt([`--allow-read=${dir.path}`], [
        "file-write",
        dir.path,
      ]);
      assert.equal(denied.name, "ConfigPermissionError");
      assert.equal(denied.flag, `--allow-write=${dir.path}`);
    },
  );

  test(
    "EnvSource reads with --allow-env=HARMONY_CONFIG_* and names it when denied",
    denoOnly,
    async () => {
      const env = baseEnv({ HARMONY_CONFIG_K: '"from-env"' });
      assert.deepEqual(
        await attempt(["--allow-env=HARMONY_CONFIG_*"], ["env-get"], env),
        { ok: "from-env" },
      );
      const denied = await attempt([], ["env-get"], env);
      assert.equal(denied.name, "ConfigPermissionError");
      assert.equal(denied.flag, "--allow-env=HARMONY_CONFIG_*");
    },
  );

  test(
    "listing env keys needs full --allow-env, and says so",
    denoOnly,
    async () => {
      const env = baseEnv({ HARMONY_CONFIG_K: "1" });
      const denied = await attempt(["--allow-env=HARMONY_CONFIG_*"], [
        "env-keys",
      ], env);
      assert.equal(denied.name, "ConfigPermissionError");
      assert.match(denied.flag ?? "", /^--allow-env /);
      assert.deepEqual(await attempt(["--allow-env"], ["env-keys"], env), {
        ok: ["K"],
      });
    },
  );
});
