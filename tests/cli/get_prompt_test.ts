/**
 * `harmony-config get --prompt` in a real pty: a plain terminal, and the
 * environments of common terminals (tmux, CI) with colours on, each under
 * exactly the flags `doctor --prompt` prints. The secret is masked, the
 * answer stored, and the next run, without a terminal, asks nothing. On
 * Node (no flags) the same sessions run the packed CLI.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { terminalEnvVars } from "../../_internal/terminal_env.ts";
import { BROAD_FLAGS, cliCommand, runCli } from "../_helpers/cli.ts";
import { COLOURED_MARK, PtySession, which } from "../_helpers/pty.ts";
import { baseEnv, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const SCHEMA = fileURLToPath(
  new URL(`../_fixtures/cli_schema.${isDeno ? "ts" : "js"}`, import.meta.url),
);
const CANARY = "pty-canary-5e1f-never-echo";

const TERMINALS: Record<string, Record<string, string>> = {
  "a plain xterm with NO_COLOR": { TERM: "xterm", NO_COLOR: "1" },
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

describe(
  "harmony-config get --prompt in common terminals under doctor's flags",
  {
    skip: which("script") ? false : "needs util-linux script for a pty",
  },
  () => {
    for (const [name, terminal] of Object.entries(TERMINALS)) {
      it(`${name}: asks, masks the secret, stores the answer`, async () => {
        await using data = await tempDir();
        // doctor opens SQLite, which creates its dir; its flags then suffice.
        const doctor = await runCli(
          BROAD_FLAGS,
          ["doctor", "--prompt", "--schema", `${SCHEMA}#Db`, "--json"],
          { env: { HARMONY_DATA_DIR: data.path } },
        );
        assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
        const flags: string[] = JSON.parse(doctor.stdout).flags;
        const allowEnv = flags[0]?.replace("--allow-env=", "").split(",") ?? [];
        for (const variable of terminalEnvVars()) {
          assert.ok(allowEnv.includes(variable), `${variable} in ${flags[0]}`);
        }
        // The terminal's own environment: NO_COLOR only where it sets it.
        const { NO_COLOR: _, ...env } = baseEnv({
          HARMONY_DATA_DIR: data.path,
        });
        const session = new PtySession([
          ...cliCommand(flags),
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
        if (terminal.NO_COLOR === undefined) {
          assert.match(session.raw, COLOURED_MARK, "no colour drawn");
        }
        assert.match(
          text,
          /\{"host":"db\.local","port":5432,"password":"<redacted>"\}/,
        );
        // Stored, so the next run asks nothing, even without a terminal.
        const again = await runCli(flags, ["get", "Db", "--reveal"], {
          env: { HARMONY_DATA_DIR: data.path },
        });
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(JSON.parse(again.stdout), {
          host: "db.local",
          port: 5432,
          password: CANARY,
        });
        const defaults = await runCli(flags, [
          "get",
          "--prompt",
          "--schema",
          `${SCHEMA}#Limits`,
        ], { env: { HARMONY_DATA_DIR: data.path } });
        assert.equal(defaults.code, 0, "defaults answer without asking");
      });
    }
  },
);
