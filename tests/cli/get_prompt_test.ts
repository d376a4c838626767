/**
 * `harmony-config get --prompt` in a real pty with the environment of
 * common terminals (tmux, CI), colours on, under exactly the flags
 * `doctor --prompt` prints: the flags doctor gives are enough to prompt.
 * On Node (no flags) the same sessions run the packed CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../../mod.ts";
import { terminalEnvVars } from "../../_internal/terminal_env.ts";
import { runCli } from "../_helpers/cli.ts";
import { COLOURED_MARK, PtySession, which } from "../_helpers/pty.ts";
import { baseEnv, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const CLI = fileURLToPath(new URL("../../cli.ts", import.meta.url));
const SCHEMA = fileURLToPath(
  new URL(`../_fixtures/cli_schema.${isDeno ? "ts" : "js"}`, import.meta.url),
);
const CANARY = "pty-canary-5e1f-never-echo";

const TERMINALS: Record<string, Record<string, string>> = {
  tmux: {
    TERM: "xterm-256color",
    COLORTERM: "truecolor",
    TERM_PROGRAM: "tmux",
    TMUX: "/tmp/tmux-1000/default,4242,0",
  },
  "CI with a pty": {
    TERM: "xterm-256color",
    CI: "true",
    GITLAB_CI: "true",
    TERM_PROGRAM: "vscode",
  },
};

function command(flags: readonly string[]): string[] {
  return isDeno ? [process.execPath, "run", "--quiet", ...flags, CLI] : [
    process.execPath,
    "--disable-warning=ExperimentalWarning",
    CLI.replace(/\.ts$/, ".js"),
  ];
}

describe(
  "harmony-config get --prompt in common terminals under doctor's flags",
  {
    skip: which("script") ? false : "needs util-linux script for a pty",
  },
  () => {
    for (const [name, terminal] of Object.entries(TERMINALS)) {
      it(`${name}: asks in colour and stores the answer`, async () => {
        await using data = await tempDir();
        // doctor opens SQLite, which creates its dir; its flags then suffice.
        const doctor = await runCli(
          ["--allow-env", "--allow-read", "--allow-write"],
          ["doctor", "--prompt", "--schema", `${SCHEMA}#Db`, "--json"],
          { env: { HARMONY_DATA_DIR: data.path } },
        );
        assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
        const flags: string[] = JSON.parse(doctor.stdout).flags;
        const allowEnv = flags[0]?.replace("--allow-env=", "").split(",") ?? [];
        for (const variable of terminalEnvVars()) {
          assert.ok(allowEnv.includes(variable), `${variable} in ${flags[0]}`);
        }
        const { NO_COLOR: _, ...env } = baseEnv({
          HARMONY_DATA_DIR: data.path,
        });
        const session = new PtySession([
          ...command(flags),
          "get",
          "--prompt",
          "--schema",
          `${SCHEMA}#Db`,
        ], { ...env, ...terminal });
        await session.answer("host", "db.local");
        await session.waitFor("port");
        session.type("\r"); // keep the default
        await session.answer("password", CANARY);
        const { code, text } = await session.exited;
        assert.equal(code, 0, text);
        assert.ok(!text.includes(CANARY), "the secret was echoed");
        assert.match(session.raw, COLOURED_MARK, "no colour drawn");
        using sqlite = await SqliteSource.open(
          join(data.path, "config", "config.db"),
        );
        assert.deepEqual(await sqlite.get("Db"), {
          host: "db.local",
          port: 5432,
          password: CANARY,
        });
      });
    }
  },
);
