// End to end in a real pseudo-terminal, driven through util-linux `script`:
// under Deno, `deno run examples/prompting.ts` with the flags of
// `deno task demo:prompt`; under Node, `node examples/prompting.js`, the
// example compiled beside the tests and importing the packed build. Every
// step waits for what the program draws, never for time.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../../mod.ts";
import { PtySession, which } from "../_helpers/pty.ts";
import { baseEnv, denoExecutable, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const KEY = "PromptingDemo";
const TOKEN = "pty-secret-token-42";

const skip = which("script") === undefined
  ? "needs util-linux `script` to allocate a pty (tmux driving is not implemented)"
  : false;

/**
 * The command that runs the example: under Deno, the `demo:prompt` task's,
 * with its data dir resolved to `dataDir`; under Node, `node` on the
 * compiled example.
 */
function demoCommand(dataDir: string): string[] {
  if (!isDeno) {
    return [
      process.execPath,
      // node:sqlite is experimental on Node 22; its warning is not the UX.
      "--disable-warning=ExperimentalWarning",
      join(root, "examples", "prompting.js"),
    ];
  }
  const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const task: string = config.tasks["demo:prompt"];
  // Split as the task shell does: whitespace separates, double quotes group.
  const args = [
    ...task.replaceAll(/\$\([^)]*\)/g, dataDir).matchAll(/"([^"]*)"|(\S+)/g),
  ]
    .map((match) => match[1] ?? match[2] ?? "");
  assert.equal(args[0], "deno");
  return [
    denoExecutable(),
    ...args.slice(1, -1),
    join(root, args[args.length - 1] ?? ""),
  ];
}

/** Answers the four questions of the example. */
async function answerAll(pty: PtySession, name: string): Promise<void> {
  await pty.answer("? name: Project name", name);
  await pty.answer("? replicas: Replicas (1-10)", "3");
  await pty.waitFor("? environment: Environment");
  await pty.waitFor("production");
  pty.type("\x1b[B\r"); // down to "production", then Enter
  await pty.answer("? apiToken: API token", TOKEN);
}

describe("prompting UX in a real pty", { skip }, () => {
  test("first run asks and saves; second asks nothing; env wins without asking; a deleted data dir asks again", async () => {
    await using dir = await tempDir();
    const dataDir = join(dir.path, "data");
    const command = demoCommand(dataDir);
    const env = baseEnv({ HARMONY_DATA_DIR: dataDir, TERM: "xterm" });

    // 1. First run: not found, prompts, persists.
    const first = new PtySession(command, env);
    await first.waitFor("get(): not found");
    await answerAll(first, "alpha");
    const firstExit = await first.exited;
    assert.equal(firstExit.code, 0, firstExit.text);
    assert.match(firstExit.text, /Saved\. Run again/);
    assert.ok(!firstExit.text.includes(TOKEN), "the secret was echoed");
    const dbPath = join(dataDir, "config", "config.db");
    {
      using sqlite = await SqliteSource.open(dbPath);
      assert.deepEqual(await sqlite.get(KEY), {
        name: "alpha",
        replicas: 3,
        environment: "production",
        apiToken: TOKEN,
      });
    }

    // 2. Second run: read from SQLite, nothing asked.
    const second = await new PtySession(command, env).exited;
    assert.equal(second.code, 0, second.text);
    assert.match(second.text, /get\(\): found, nothing to ask/);
    assert.match(second.text, new RegExp(`from sqlite:${dbPath}`));
    assert.ok(!second.text.includes("? name"), second.text);

    // 3. The env var answers; nothing asked, nothing stored.
    const fromEnv = await new PtySession(command, {
      ...env,
      HARMONY_CONFIG_PromptingDemo: JSON.stringify({
        name: "from-env",
        replicas: 1,
        environment: "staging",
        apiToken: "env-token-123",
      }),
    }).exited;
    assert.equal(fromEnv.code, 0, fromEnv.text);
    assert.match(fromEnv.text, /"name":"from-env".*\(from env\)/);
    assert.ok(!fromEnv.text.includes("? name"), fromEnv.text);

    // 4. With the data dir deleted it asks again.
    await rm(dataDir, { recursive: true });
    const again = new PtySession(command, env);
    await again.waitFor("get(): not found");
    await answerAll(again, "beta");
    const againExit = await again.exited;
    assert.equal(againExit.code, 0, againExit.text);
    {
      using sqlite = await SqliteSource.open(dbPath);
      assert.equal(
        (await sqlite.get(KEY) as { name: string }).name,
        "beta",
      );
    }
  });

  test("Ctrl-C cancels with PromptCancelledError and saves nothing", async () => {
    await using dir = await tempDir();
    const dataDir = join(dir.path, "data");
    const pty = new PtySession(
      demoCommand(dataDir),
      baseEnv({ HARMONY_DATA_DIR: dataDir, TERM: "xterm" }),
    );
    await pty.answer("? name: Project name", "gamma");
    await pty.waitFor("? replicas");
    pty.type("\x03");
    const exit = await pty.exited;
    assert.equal(exit.code, 1, exit.text);
    assert.match(exit.text, /PromptCancelledError: .*nothing was saved/);
    using sqlite = await SqliteSource.open(
      join(dataDir, "config", "config.db"),
    );
    assert.equal(await sqlite.get(KEY), undefined);
  });
});
