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
import { terminalEnvVars } from "../../_internal/terminal_env.ts";
import { COLOUR, COLOURED_MARK, PtySession, which } from "../_helpers/pty.ts";
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

/**
 * The environments of common terminals, as they set them, without
 * NO_COLOR: each makes the prompt stack take a different path through its
 * colour and Unicode detection.
 */
const TERMINALS: Record<string, Record<string, string>> = {
  "tmux": {
    TERM: "xterm-256color",
    COLORTERM: "truecolor",
    TERM_PROGRAM: "tmux",
    TERM_PROGRAM_VERSION: "3.4",
    TMUX: "/tmp/tmux-1000/default,4242,0",
    TMUX_PANE: "%0",
  },
  "VS Code's terminal": {
    TERM: "xterm-256color",
    COLORTERM: "truecolor",
    TERM_PROGRAM: "vscode",
    TERM_PROGRAM_VERSION: "1.95.3",
  },
  "iTerm2": {
    TERM: "xterm-256color",
    TERM_PROGRAM: "iTerm.app",
    TERM_PROGRAM_VERSION: "3.5.0",
    COLORTERM: "truecolor",
  },
  "GNU screen": { TERM: "screen", STY: "4242.pts-0.host" },
  "xterm in CI (GitHub Actions)": {
    TERM: "xterm-256color",
    CI: "true",
    GITHUB_ACTIONS: "true",
    TF_BUILD: "True",
    TEAMCITY_VERSION: "2024.1",
  },
};

/** A child environment of `terminal` without NO_COLOR. */
function terminalEnv(
  dataDir: string,
  terminal: Record<string, string>,
): Record<string, string> {
  const { NO_COLOR: _, ...env } = baseEnv({ HARMONY_DATA_DIR: dataDir });
  return { ...env, ...terminal };
}

describe("prompting in common terminals, colours on, least privilege", {
  skip,
}, () => {
  test("demo:prompt grants exactly the terminal variables PromptSource.permissions() names", () => {
    const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
    const task: string = config.tasks["demo:prompt"];
    const allowEnv = /--allow-env=(\S+)/.exec(task)?.[1]?.split(",") ?? [];
    for (const variable of terminalEnvVars("linux")) {
      assert.ok(allowEnv.includes(variable), `${variable} in ${task}`);
    }
    assert.ok(
      !allowEnv.some((v) => ["TMUX", "CI", "COLORTERM"].includes(v)),
      "the colour variables need no grant",
    );
  });

  for (const [name, terminal] of Object.entries(TERMINALS)) {
    test(`${name}: asks, draws in colour, saves`, async () => {
      await using dir = await tempDir();
      const dataDir = join(dir.path, "data");
      const pty = new PtySession(
        demoCommand(dataDir),
        terminalEnv(dataDir, terminal),
      );
      await pty.waitFor("get(): not found");
      await answerAll(pty, "omega");
      const exit = await pty.exited;
      assert.equal(exit.code, 0, exit.text);
      assert.match(exit.text, /Saved\. Run again/);
      assert.ok(!exit.text.includes(TOKEN), "the secret was echoed");
      // The prompt's "?" is drawn in colour: the stack saw a colour terminal.
      assert.match(pty.raw, COLOURED_MARK, "no colour drawn");
      using sqlite = await SqliteSource.open(
        join(dataDir, "config", "config.db"),
      );
      assert.equal((await sqlite.get(KEY) as { name: string }).name, "omega");
    });
  }

  test("NO_COLOR still turns the colours off", async () => {
    await using dir = await tempDir();
    const dataDir = join(dir.path, "data");
    const pty = new PtySession(demoCommand(dataDir), {
      ...terminalEnv(dataDir, TERMINALS["tmux"]!),
      NO_COLOR: "1",
    });
    await answerAll(pty, "plain");
    const exit = await pty.exited;
    assert.equal(exit.code, 0, exit.text);
    assert.doesNotMatch(pty.raw, COLOUR);
  });

  test("Ctrl-D at a prompt cancels at once with PromptCancelledError and saves nothing", async () => {
    await using dir = await tempDir();
    const dataDir = join(dir.path, "data");
    // The Ctrl-C test's terminal, so only the end of input differs.
    const pty = new PtySession(
      demoCommand(dataDir),
      baseEnv({ HARMONY_DATA_DIR: dataDir, TERM: "xterm" }),
    );
    // After one answer, so the field prompts that settle normally (and
    // close their readline too) are told apart from an end of input.
    await pty.answer("? name: Project name", "delta");
    await pty.waitFor("? replicas");
    pty.type("\x04");
    const exit = await pty.exited;
    assert.equal(exit.code, 1, exit.text);
    assert.match(exit.text, /PromptCancelledError: .*nothing was saved/);
    assert.doesNotMatch(exit.text, /unsettled top-level await/i);
    using sqlite = await SqliteSource.open(
      join(dataDir, "config", "config.db"),
    );
    assert.equal(await sqlite.get(KEY), undefined);
  });
});
