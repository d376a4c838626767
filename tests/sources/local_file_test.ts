import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  ConfigSourceError,
  ConfigValidationError,
  InvalidKeyError,
  LocalFileSource,
} from "../../mod.ts";
import { assertCompareAndSet } from "../_helpers/compare_and_set.ts";
import { tempDir } from "../_helpers/temp.ts";

describe("LocalFileSource", () => {
  test("round-trips through <dir>/<KEY>.json, pretty-printed, 0600 in a 0700 dir", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(join(dir.path, "conf"));
    await source.set("Server", { host: "a", ports: [1, 2] });
    const path = join(dir.path, "conf", "Server.json");
    assert.equal(
      await readFile(path, "utf8"),
      JSON.stringify({ host: "a", ports: [1, 2] }, null, 2) + "\n",
    );
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir.path, "conf"))).mode & 0o777, 0o700);
    assert.deepEqual(await source.get("Server"), { host: "a", ports: [1, 2] });
    assert.equal(source.locate("Server"), path);
    assert.equal(source.name, `file:${join(dir.path, "conf")}`);
  });

  test("writes atomically: overwrites leave no temp files and never a torn file", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => source.set("Same", { i, pad: "x".repeat(i * 1000) }),
      ),
    );
    const stored = await source.get("Same") as { i: number; pad: string };
    assert.equal(stored.pad.length, stored.i * 1000);
    assert.deepEqual(await readdir(dir.path), ["Same.json"]);
  });

  test("a missing key or directory is absent", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(join(dir.path, "none"));
    assert.equal(await source.get("Nothing"), undefined);
    assert.deepEqual(await source.keys(), []);
    assert.equal(await source.delete("Nothing"), false);
  });

  test("keys lists only key files; delete removes the file", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await source.set("B", 1);
    await source.set("A", 2);
    await writeFile(join(dir.path, "notes.txt"), "x");
    await writeFile(join(dir.path, "bad-name.json"), "{}");
    assert.deepEqual(await source.keys(), ["A", "B"]);
    assert.equal(await source.delete("A"), true);
    assert.deepEqual(await source.keys(), ["B"]);
  });

  test("checks keys again, so none escapes the directory", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(join(dir.path, "inner"));
    for (
      const key of [
        "../x",
        "/etc/passwd",
        "a/b",
        "a\0b",
        "",
        "x".repeat(1000),
        "clé",
      ]
    ) {
      await assert.rejects(source.set(key, 1), InvalidKeyError, key);
      await assert.rejects(source.get(key), InvalidKeyError, key);
    }
    assert.deepEqual(await readdir(dir.path), []);
  });

  test("malformed JSON names the file, never its content", async () => {
    await using dir = await tempDir();
    await writeFile(join(dir.path, "Db.json"), "{ password: CANARY-FILE");
    const source = new LocalFileSource(dir.path);
    await assert.rejects(source.get("Db"), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.equal(error.source, join(dir.path, "Db.json"));
      assert.ok(!error.message.includes("CANARY-FILE"));
      return true;
    });
  });

  test("a directory in place of the file is a typed source error", async () => {
    await using dir = await tempDir();
    await mkdir(join(dir.path, "Db.json"));
    const source = new LocalFileSource(dir.path);
    await assert.rejects(source.get("Db"), ConfigSourceError);
    await assert.rejects(source.set("Db", 1), ConfigSourceError);
  });

  test("a file that starts with a UTF-8 byte order mark (as Windows editors write) reads", async () => {
    await using dir = await tempDir();
    await writeFile(
      join(dir.path, "Db.json"),
      new Uint8Array([
        0xef,
        0xbb,
        0xbf,
        ...new TextEncoder().encode('{"host":"db"}\n'),
      ]),
    );
    assert.deepEqual(await new LocalFileSource(dir.path).get("Db"), {
      host: "db",
    });
  });

  test("an empty or blank file says it is empty, naming the file", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    for (
      const [key, text] of [["Empty", ""], ["Blank", "  \n"], ["Bom", "\uFEFF"]]
    ) {
      await writeFile(join(dir.path, `${key}.json`), text!);
      await assert.rejects(source.get(key!), (error) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.equal(error.source, join(dir.path, `${key}.json`));
        assert.match(error.message, /Empty: no JSON text/);
        return true;
      });
    }
  });

  test("compareAndSet writes only while the file holds what was read, and leaves no temp file", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await writeFile(join(dir.path, "K.json"), '{ "b": [1, 2],\n  "a": "x" }\n');
    await assertCompareAndSet(source);
    assert.deepEqual(await readdir(dir.path), ["K.json"]);
    assert.deepEqual(await readdir(dir.path), ["K.json"]);
  });
});
