/**
 * A full disk says the disk is full (not "check the directory exists and
 * is writable"), for files and for SQLite, and a failed write leaves
 * nothing behind. The disk is a real one: a small tmpfs, filled up.
 */
import assert from "node:assert/strict";
import { mkdir, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ConfigSourceError, LocalFileSource, SqliteSource } from "../../mod.ts";
import {
  canMountTmpfs,
  type Mount,
  mountTmpfs,
} from "../_helpers/privileges.ts";
import { rejection } from "../_helpers/rejection.ts";

const tmpfs = await canMountTmpfs();

async function smallDisk(): Promise<Mount> {
  const disk = await mountTmpfs(512);
  assert.ok(typeof disk !== "string", String(disk));
  return disk;
}

/** Writes to `path` until the disk is full. */
async function fill(path: string): Promise<void> {
  const handle = await open(path, "w");
  const chunk = new Uint8Array(4096);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    assert.equal((error as { code?: string }).code, "ENOSPC");
  } finally {
    await handle.close();
  }
}

describe("a full disk", { skip: tmpfs }, () => {
  test("LocalFileSource: the error says the disk is full, names the directory, and no temp file is left", async () => {
    await using disk = await smallDisk();
    const dir = join(disk.path, "files");
    await mkdir(dir);
    await fill(join(disk.path, "filler"));
    const error = await rejection(
      new LocalFileSource(dir).set("Db", { pad: "x".repeat(64 * 1024) }),
    );
    assert.ok(error instanceof ConfigSourceError, String(error));
    assert.equal((error as ConfigSourceError).key, "Db");
    assert.match(
      error.message,
      /the disk is full \(ENOSPC\): free space on the disk that holds/,
    );
    assert.ok(error.message.includes(dir), error.message);
    assert.doesNotMatch(error.message, /check that the directory exists/);
    assert.deepEqual(await readdir(dir), []);
  });

  test("SqliteSource: SQLITE_FULL says the disk is full, and the stored value is kept", async () => {
    await using disk = await smallDisk();
    const path = join(disk.path, "config.db");
    using source = await SqliteSource.open(path);
    await source.set("Db", { host: "kept" });
    await fill(join(disk.path, "filler"));
    const error = await rejection(
      source.set("Db", { pad: "x".repeat(256 * 1024) }),
    );
    assert.ok(error instanceof ConfigSourceError, String(error));
    assert.equal((error as ConfigSourceError).key, "Db");
    assert.match(error.message, /the disk is full/);
    assert.ok(error.message.includes(disk.path), error.message);
    assert.deepEqual(await source.get("Db"), { host: "kept" });
  });
});
