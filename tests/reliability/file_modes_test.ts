import assert from "node:assert/strict";
import { describe, test } from "node:test";
import process from "node:process";
import {
  baseEnv,
  denoExecutable,
  isDeno,
  run,
} from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const FIXTURE =
  new URL("../_fixtures/reliability_file_modes.ts", import.meta.url)
    .pathname;

describe("file modes", () => {
  test(
    "the DB (with its WAL and SHM), JSON files and the session cache are 0600 and their directories 0700, even under umask 000",
    {
      skip: !isDeno
        ? "spawns a Deno child that imports the TypeScript sources"
        : process.platform === "win32"
        ? "POSIX modes and umask"
        : false,
    },
    async () => {
      await using dir = await tempDir();
      const script =
        `umask 000 && exec "$0" run --quiet --allow-read --allow-write --allow-env "$1" "$2"`;
      const result = await run("sh", [
        "-c",
        script,
        denoExecutable(),
        FIXTURE,
        dir.path,
      ], { env: baseEnv() });
      assert.equal(result.code, 0, result.stderr);
      const modes = JSON.parse(result.stdout) as Record<string, string>;
      // The umask really was 000: a plain file came out world-writable.
      assert.equal(modes["control.txt"], "666");
      assert.deepEqual(modes, {
        "control.txt": "666",
        "data/config/config.db": "600",
        "data/config/config.db-wal": "600",
        "data/config/config.db-shm": "600",
        "data": "700",
        "data/config": "700",
        "files/a/b/Db.json": "600",
        "files": "700",
        "files/a": "700",
        "files/a/b": "700",
        "state/nested/session.json": "600",
        "state": "700",
        "state/nested": "700",
      });
    },
  );
});
