/**
 * The CLI's driver, cli/main.ts, as a process:
 *
 * - what a run loads: each command's code only when that command runs,
 *   OpenBao, file and prompt code only when the chain has them, and no
 *   `node:fs` on the path of `get` (loading it costs Deno more than the
 *   whole command). Read from `deno info`'s module graph, static imports
 *   only; the speed itself is measured by `deno task bench:cli`;
 * - a closed stdout pipe (`harmony-config list | head -1`) ends the run
 *   quietly, on Deno and on Node.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SqliteSource } from "../../mod.ts";
import { baseEnv, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { cliCommand, runWithClosedStdout } from "../_helpers/cli.ts";
import { staticClosure } from "../_helpers/module_graph.ts";

/**
 * Code of a store client. The list of OpenBao's env var names is not: the
 * CLI reads it to know whether the chain has OpenBao at all.
 */
function isStoreCode(module: string): boolean {
  return module.startsWith("stores/") &&
    module !== "stores/openbao/_env_vars.ts";
}

const skip = isDeno
  ? false
  : "reads Deno's module graph of the sources; Node runs the same build";

describe("harmony-config loads only what a command needs", { skip }, () => {
  it("the entry point loads no command, source or node:fs", async () => {
    const loaded = await staticClosure("cli.ts");
    const unwanted = loaded.filter((m) =>
      m.startsWith("cli/commands/") || m.startsWith("sources/") ||
      isStoreCode(m) || m === "cli/help.ts" || m === "node:fs"
    );
    assert.deepEqual(unwanted, []);
  });

  it("get loads no other command, no OpenBao, file, prompt or schema-module code, and no node:fs", async () => {
    const loaded = await staticClosure("cli/commands/get.ts");
    const unwanted = loaded.filter((m) =>
      (m.startsWith("cli/commands/") && m !== "cli/commands/get.ts") ||
      isStoreCode(m) || m.startsWith("_internal/prompt/") ||
      [
        "cli/openbao.ts",
        "cli/schema_module.ts",
        "cli/stdin.ts",
        "sources/local_file.ts",
        "sources/prompt.ts",
        "node:fs",
        "node:fs/promises",
        "node:stream",
      ].includes(m) || m.includes("@inquirer")
    );
    assert.deepEqual(unwanted, []);
    assert.ok(loaded.includes("sources/sqlite.ts"), loaded.join("\n"));
  });
});

/** Runs the CLI with its stdout already closed by its reader. */
function runIntoClosedPipe(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const [command, ...prefix] = cliCommand(["--allow-all"]);
  return runWithClosedStdout(command!, [...prefix, ...args], env);
}

describe("harmony-config and a closed pipe", () => {
  it("list and get end quietly, exit 0, when the reader has gone", async () => {
    await using data = await tempDir();
    {
      using sqlite = await SqliteSource.open(
        join(data.path, "config", "config.db"),
      );
      for (let i = 0; i < 50; i++) await sqlite.set(`Key${i}`, { i });
    }
    const env = baseEnv({ HARMONY_DATA_DIR: data.path });
    for (const args of [["list"], ["get", "Key1", "--reveal"], ["path"]]) {
      const result = await runIntoClosedPipe(args, env);
      assert.equal(result.stderr, "", `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.code, 0, args.join(" "));
    }
  });
});
