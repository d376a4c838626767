/**
 * `list` and `unset` over a SQLite file shared with another tool, which
 * may have stored keys that are not identifiers: `list` shows them marked
 * (escaped, so they cannot forge terminal output) and `unset` removes any
 * row `list` shows. Through the real CLI, on Deno and Node.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SqliteSource } from "../../mod.ts";
import { ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import { insertRows } from "../_helpers/sqlite_rows.ts";
import { tempDir } from "../_helpers/temp.ts";

/** Listing env vars needs plain --allow-env; the rest is scoped. */
function flags(dataDir: string): string[] {
  return ["--allow-env", ...scopedFlags(dataDir, ROOT).slice(1)];
}

describe("harmony-config list and unset with keys another tool wrote", () => {
  it("lists them marked as invalid, and unset removes exactly them", async () => {
    await using data = await tempDir();
    const dbPath = join(data.path, "config", "config.db");
    {
      using sqlite = await SqliteSource.open(dbPath);
      await sqlite.set("Good", 1);
    }
    insertRows(dbPath, [["bad key!", "1"], ["esc\x1b[31mred", "2"]]);
    const env = { HARMONY_DATA_DIR: data.path };

    const text = await runCli(flags(data.path), ["list"], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ {2}Good {2,}\d{4}-/m);
    assert.match(
      text.stdout,
      /^ {2}"bad key!" {2,}\S+ \S+ UTC {2}\(not a valid key: get cannot read it; unset removes it\)$/m,
    );
    assert.match(text.stdout, /"esc\\u001b\[31mred"/);
    assert.ok(!text.stdout.includes("\x1b"), "a key wrote an escape code");

    const json = await runCli(flags(data.path), ["list", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const sqlite = JSON.parse(json.stdout).sources.find((
      s: { source: string },
    ) => s.source.startsWith("sqlite:"));
    assert.deepEqual(
      sqlite.keys.map((
        k: { key: string; invalid?: true },
      ) => [k.key, k.invalid]),
      [["Good", undefined], ["bad key!", true], ["esc\x1b[31mred", true]],
    );

    const removed = await runCli(flags(data.path), ["unset", "bad key!"], {
      env,
    });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed "bad key!" from sqlite:/);
    const escaped = await runCli(
      flags(data.path),
      ["unset", "esc\x1b[31mred", "--source", "sqlite"],
      { env },
    );
    assert.equal(escaped.code, 0, escaped.stderr);

    const after = await runCli(flags(data.path), ["list", "--json"], { env });
    assert.deepEqual(
      JSON.parse(after.stdout).sources[1].keys.map((k: { key: string }) =>
        k.key
      ),
      ["Good"],
    );
    // Text that no source lists is still refused as a key.
    const absent = await runCli(flags(data.path), ["unset", "bad key!"], {
      env,
    });
    assert.equal(absent.code, 2, absent.stderr);
    assert.match(absent.stderr, /"bad key!" is not an identifier/);
  });
});
