/**
 * Anything at a value's path but a regular file is a `ConfigSourceError`
 * naming the path at once: a FIFO never blocks, a device is never read, a
 * directory is never opened. Values have a size cap (16 MiB by default,
 * an option to raise it) checked before reading the whole thing, for files
 * and for OpenBao's HTTP bodies alike.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  ConfigSourceError,
  LocalFileSource,
  SqliteSource,
  StoreSource,
} from "../../mod.ts";
import { OpenBaoStore } from "../../stores/openbao/mod.ts";
import { startEndlessServer } from "../_helpers/endless_server.ts";
import { rejection } from "../_helpers/rejection.ts";
import { baseEnv, isDeno, run, runFixture } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const FIXTURE = new URL(
  "../_fixtures/reliability_special_files.ts",
  import.meta.url,
);
const MiB = 1024 * 1024;

interface Outcome {
  thrown: { name: string; message: string } | null;
  rssMiB: number;
}

/**
 * Reads `path` in a child process. The timeout is a safety net for code
 * that would block forever, which then fails the test instead of hanging it.
 */
async function readInChild(
  mode: "file" | "sqlite",
  path: string,
  key = "Db",
): Promise<Outcome> {
  const result = await runFixture(FIXTURE, [mode, path, key], {
    denoFlags: ["--allow-read", "--allow-write", "--allow-env"],
    env: baseEnv(),
    timeoutMs: 20_000,
  });
  assert.equal(
    result.signal,
    null,
    "the read blocked until the child was killed",
  );
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Outcome;
}

function assertNotAFile(outcome: Outcome, path: string, what: RegExp): void {
  assert.equal(
    outcome.thrown?.name,
    "ConfigSourceError",
    JSON.stringify(outcome),
  );
  assert.ok(outcome.thrown!.message.includes(path), outcome.thrown!.message);
  assert.match(outcome.thrown!.message, what);
  assert.match(outcome.thrown!.message, /left alone/);
}

const mkfifo = isDeno
  ? (await run("mkfifo", ["--version"]).catch(() => ({ code: 1 }))).code === 0
    ? false
    : "needs the mkfifo command"
  : "spawns Deno children that import the TypeScript sources";

describe("special files at a value's path", () => {
  test("a FIFO at <dir>/<KEY>.json: get fails at once instead of hanging", {
    skip: mkfifo,
  }, async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "Db.json");
    assert.equal((await run("mkfifo", [path])).code, 0);
    assertNotAFile(
      await readInChild("file", dir.path),
      path,
      /is a FIFO, not a regular file/,
    );
    // set and delete leave it alone too.
    const source = new LocalFileSource(dir.path);
    await assert.rejects(source.set("Db", 1), /is a FIFO/);
    await assert.rejects(source.delete("Db"), /is a FIFO/);
    assert.deepEqual(await readdir(dir.path), ["Db.json"]);
  });

  test(
    "a FIFO at the DB path: SqliteSource.open fails at once instead of freezing the thread",
    { skip: mkfifo },
    async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "config.db");
      assert.equal((await run("mkfifo", [path])).code, 0);
      assertNotAFile(
        await readInChild("sqlite", path),
        path,
        /is a FIFO, not a database file/,
      );
    },
  );

  test(
    "a key file symlinked to /dev/zero: refused before reading a byte, in bounded memory",
    { skip: isDeno ? false : "spawns Deno children" },
    async () => {
      await using dir = await tempDir();
      await symlink("/dev/zero", join(dir.path, "Db.json"));
      const outcome = await readInChild("file", dir.path);
      assertNotAFile(
        outcome,
        join(dir.path, "Db.json"),
        /is a character device/,
      );
      assert.ok(outcome.rssMiB < 512, `the child held ${outcome.rssMiB} MiB`);
      await symlink("/dev/zero", join(dir.path, "config.db"));
      assertNotAFile(
        await readInChild("sqlite", join(dir.path, "config.db")),
        join(dir.path, "config.db"),
        /is a character device, not a database file/,
      );
    },
  );

  test("a directory at the key's path or at the DB path", async () => {
    await using dir = await tempDir();
    await mkdir(join(dir.path, "Db.json"));
    await mkdir(join(dir.path, "config.db"));
    const fileError = await rejection(new LocalFileSource(dir.path).get("Db"));
    assert.ok(fileError instanceof ConfigSourceError);
    assert.match(
      fileError.message,
      /Db\.json is a directory, not a regular file/,
    );
    const dbError = await rejection(
      SqliteSource.open(join(dir.path, "config.db")),
    );
    assert.ok(dbError instanceof ConfigSourceError);
    assert.match(
      dbError.message,
      /config\.db is a directory, not a database file/,
    );
  });
});

describe("the value size cap", () => {
  test("a key file over 16 MiB is refused before it is read; maxValueBytes raises the cap", async () => {
    await using dir = await tempDir();
    const big = JSON.stringify("x".repeat(17 * MiB));
    await writeFile(join(dir.path, "Big.json"), big);
    const error = await rejection(new LocalFileSource(dir.path).get("Big"));
    assert.ok(error instanceof ConfigSourceError);
    assert.match(
      error.message,
      /Big\.json for key "Big" is larger than the 16 MiB cap/,
    );
    assert.match(error.message, /maxValueBytes/);
    const raised = new LocalFileSource(dir.path, { maxValueBytes: 32 * MiB });
    assert.equal((await raised.get("Big") as string).length, 17 * MiB);
  });

  test("a value over the cap is refused before anything is written", async () => {
    await using dir = await tempDir();
    const small = new LocalFileSource(dir.path, { maxValueBytes: 1024 });
    await assert.rejects(
      small.set("Big", "x".repeat(2048)),
      /larger than the 1024 bytes cap/,
    );
    await assert.rejects(
      new LocalFileSource(dir.path).set("Big", "x".repeat(17 * MiB)),
      /larger than the 16 MiB cap/,
    );
    assert.deepEqual(await readdir(dir.path), []);
    await small.set("Fits", "x".repeat(512));
    assert.equal(await small.get("Fits"), "x".repeat(512));
  });

  test("OpenBao: a body that never ends stops at the cap with a typed error, not at the timeout", async () => {
    await using server = await startEndlessServer();
    const store = new OpenBaoStore({
      address: server.address,
      auth: { token: "s.test-token-not-a-secret" },
      kvVersion: 2,
      env: {},
      sessionFile: false,
      timeoutMs: 5_000,
    });
    const error = await rejection(new StoreSource(store).get("Db"));
    assert.ok(error instanceof ConfigSourceError, String(error));
    // Not SourceUnavailableError: the timeout did not end it.
    assert.equal(error.name, "ConfigSourceError");
    assert.match(
      error.message,
      /answered with a body larger than 16 MiB, so it was not read/,
    );
    await server.connectionClosed;
    // What the client read is bounded by the cap, plus what the sockets buffer.
    assert.ok(
      server.sent() < 48 * MiB,
      `the server sent ${server.sent()} bytes`,
    );
  });
});
