import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  currentManager,
  defineConfig,
  get,
  init,
  MemorySource,
  reset,
  set,
} from "../mod.ts";
import { baseEnv, runFixture } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const fixture = new URL("./_fixtures/core_global.ts", import.meta.url);
const Name = defineConfig({ key: "Name", schema: z.string() });

describe("global init/get/set", () => {
  test("work over the manager given to init", async () => {
    const memory = new MemorySource();
    const manager = new ConfigManager([memory]);
    assert.equal(await init(manager), manager);
    assert.equal(await currentManager(), manager);
    await set(Name, "harmony");
    assert.equal(await get(Name), "harmony");
    assert.equal(await memory.get("Name"), "harmony");
    await reset();
    // A manager passed in stays the caller's: reset does not close it.
    assert.equal(await manager.get(Name), "harmony");
    await manager.close();
  });

  test("init(manager) takes effect before it returns: get and set right after it use that manager", async () => {
    const memory = new MemorySource();
    const manager = new ConfigManager([memory]);
    const pending = init(manager);
    assert.equal(await currentManager(), manager);
    const stored = set(Name, "at once");
    assert.equal(await pending, manager);
    await stored;
    assert.equal(await memory.get("Name"), "at once");
    assert.equal(await get(Name), "at once");
    // Replacing it: the next one is in use at once too, and this one stays open.
    const next = new ConfigManager([new MemorySource({ Name: "next" })]);
    void init(next);
    assert.equal(await get(Name), "next");
    assert.equal(await manager.get(Name), "at once");
    await reset();
    await manager.close();
    await next.close();
  });

  test("a process that calls init(manager) without await never creates the default store", async () => {
    await using dir = await tempDir();
    const result = await runFixture(fixture, ["init-not-awaited"], {
      denoFlags: [
        "--allow-env=HARMONY_*,XDG_DATA_HOME,HOME",
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
      ],
      env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
    });
    assert.equal(result.stderr, "");
    assert.deepEqual(JSON.parse(result.stdout), {
      inGiven: { runs: 1 },
      fromGet: 1,
    });
    assert.deepEqual(await readdir(dir.path), []);
  });

  test(
    "get before init builds env then SQLite at the default path, which persists across runs",
    async () => {
      await using dir = await tempDir();
      const options = {
        // Under Deno, exactly the permissions the default chain needs.
        denoFlags: [
          "--allow-env=HARMONY_*,XDG_DATA_HOME,HOME",
          `--allow-read=${dir.path}`,
          `--allow-write=${dir.path}`,
        ],
        env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
      };
      for (const expected of [1, 2]) {
        const result = await runFixture(fixture, ["lazy"], options);
        assert.equal(result.stderr, "");
        assert.deepEqual(JSON.parse(result.stdout), { runs: expected });
      }
      const initResult = await runFixture(fixture, ["init"], options);
      const { sources } = JSON.parse(initResult.stdout) as {
        sources: string[];
      };
      assert.equal(sources[0], "env");
      assert.equal(
        sources[1],
        `sqlite:${join(dir.path, "config", "config.db")}`,
      );
    },
  );
});
