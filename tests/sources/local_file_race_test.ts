/**
 * A migration's write-back to a LocalFileSource is a compare-and-set, and
 * must stay one when a set() of the same key lands between its compare and
 * its rename: the value set() reported as stored is what the file holds.
 * (SQLite's `UPDATE … WHERE value = ?` is atomic; the file's compare, then
 * rename, is not.)
 */
import assert from "node:assert/strict";
import { readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  type ExplainStep,
  LocalFileSource,
} from "../../mod.ts";
import { STALE_LOCK_MS } from "../../_internal/file_lock.ts";
import {
  baseEnv,
  denoExecutable,
  isDeno,
  runFixture,
  start,
} from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const SETTER = new URL("../_fixtures/local_file_setter.ts", import.meta.url);
const HOLDER = new URL(
  "../_fixtures/local_file_lock_holder.ts",
  import.meta.url,
);

const OLD = { host: "old-host", port: 80 };

/** The new shape: a URL; the stored old one is `{ host, port }`. */
const Server = defineConfig({
  key: "Server",
  schema: z.object({ url: z.string() }),
  migrate: (old) => {
    const { host, port } = old as typeof OLD;
    return { url: `http://${host}:${port}` };
  },
});

/** Resolves after `turns` trips through the event loop. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

describe("LocalFileSource write-back against a concurrent set()", () => {
  test(
    "a set() that resolved is never overwritten by a migration's write-back that read the old value",
    async () => {
      await using dir = await tempDir();
      const source = new LocalFileSource(dir.path);
      await using manager = new ConfigManager([source]);
      // Each round: the old shape on disk, then a get() that migrates and
      // writes back, racing a set() that starts a few turns later. Losing
      // once is the bug; in practice it shows within a few dozen rounds.
      for (let round = 0; round < 1000; round++) {
        await source.set("Server", OLD);
        const newer = { url: `http://set-in-round-${round}` };
        await Promise.all([
          manager.get(Server),
          turns(1 + (round % 3)).then(() => manager.set(Server, newer)),
        ]);
        assert.deepEqual(
          await source.get("Server"),
          newer,
          `round ${round}: the write-back overwrote a value set() stored`,
        );
      }
      assert.deepEqual(await readdir(dir.path), ["Server.json"]);
    },
  );

  test("across two processes: a child sets in a loop while this process's get() migrates and writes back; no set() that resolved is overwritten", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await using manager = new ConfigManager([source]);
    const child = runFixture(SETTER, [dir.path, "300"], {
      denoFlags: [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
      env: baseEnv(),
    });
    let running = true;
    const finished = child.finally(() => (running = false));
    const notes = new Map<string, number>();
    while (running) {
      const steps: ExplainStep[] = [];
      try {
        await manager.resolve(Server, { steps });
      } catch {
        // The child is between writes: nothing there yet.
      }
      const note = steps[0]?.reason;
      if (note !== undefined) notes.set(note, (notes.get(note) ?? 0) + 1);
    }
    const result = await finished;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { rounds: 300, lost: 0 });
    // The race was run: write-backs happened, and some found a newer value.
    assert.ok(
      (notes.get("migrated and written back") ?? 0) > 0,
      JSON.stringify([...notes]),
    );
    assert.deepEqual(await readdir(dir.path), ["Server.json"]);
  });
});

describe("LocalFileSource's lock after its holder was killed", () => {
  /** Starts a child that takes the key's lock, and kills it with SIGKILL once it holds it. */
  async function killLockHolder(dir: string): Promise<void> {
    const path = fileURLToPath(HOLDER);
    await using child = isDeno
      ? start(denoExecutable(), [
        "run",
        "--quiet",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        path,
        dir,
        "Server",
      ], { env: baseEnv() })
      : start(process.execPath, [path.replace(/\.ts$/, ".js"), dir, "Server"], {
        env: baseEnv(),
      });
    assert.equal(await child.nextLine("the lock taken"), "locked");
    child.kill("SIGKILL");
    await child.exited;
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.endsWith(".lock")),
      [".Server.json.lock"],
      "the killed holder left its lock",
    );
    if (process.platform !== "win32") {
      const mode = (await stat(join(dir, ".Server.json.lock"))).mode & 0o777;
      assert.equal(mode, 0o600);
    }
  }

  test("the next set() breaks the stale lock (within its bound), writes, and leaves no lock file; so does delete()", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await source.set("Server", { url: "http://first" });

    await killLockHolder(dir.path);
    const started = Date.now();
    await source.set("Server", { url: "http://after-kill" });
    assert.ok(Date.now() - started < STALE_LOCK_MS + 5_000);
    assert.deepEqual(await source.get("Server"), { url: "http://after-kill" });
    assert.deepEqual(await readdir(dir.path), ["Server.json"]);

    await killLockHolder(dir.path);
    assert.equal(await source.delete("Server"), true);
    assert.deepEqual(await readdir(dir.path), []);

    // A lock left for a key with no file yet: delete() removes it too,
    // once stale.
    await killLockHolder(dir.path);
    const lock = join(dir.path, ".Server.json.lock");
    const old = new Date(Date.now() - 2 * STALE_LOCK_MS);
    await utimes(lock, old, old);
    await writeFile(lock, "", { mode: 0o600 }); // torn: only the mtime says
    await utimes(lock, old, old);
    assert.equal(await source.delete("Server"), false);
    assert.deepEqual(await readdir(dir.path), []);
  });

  test("a lock file left empty (killed between creating and writing it) is stale by its mtime; another process's live lock is waited for, not broken", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    const lock = join(dir.path, ".Server.json.lock");
    await writeFile(lock, "", { mode: 0o600 });
    const old = new Date(Date.now() - 2 * STALE_LOCK_MS);
    await utimes(lock, old, old);
    await source.set("Server", { url: "http://a" });
    assert.deepEqual(await readdir(dir.path), ["Server.json"]);

    // Another process holding the lock, alive (its time is now): the
    // write waits for it to let go, and never breaks it.
    await writeFile(
      lock,
      JSON.stringify({ pid: 1, time: Date.now(), token: "other" }),
      { mode: 0o600 },
    );
    let settled = false;
    const pending = source.set("Server", { url: "http://b" }).finally(() =>
      settled = true
    );
    for (let look = 0; look < 20; look++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(!settled, "set() did not wait for the live lock");
      assert.deepEqual(await source.get("Server"), { url: "http://a" });
    }
    await rm(lock);
    await pending;
    assert.deepEqual(await source.get("Server"), { url: "http://b" });
    assert.deepEqual(await readdir(dir.path), ["Server.json"]);
  });
});
