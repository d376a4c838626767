/**
 * LocalFileSource seen from another process: an editor's atomic save, a
 * plain in-place write, a delete and a directory that appears, each done
 * by a shell in a child process, reach `watch` once, and the next `get`.
 */
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  LocalFileSource,
  MemorySource,
  secret,
} from "../../mod.ts";
import { fileStampSync } from "../../_internal/fs.ts";
import { everyChannel, leaks } from "../_helpers/openbao_store.ts";
import { run } from "../_helpers/subprocess.ts";
import { sanitizedTest } from "../_helpers/sanitized.ts";
import { tempDir } from "../_helpers/temp.ts";
import { nextEvent, nextValue } from "../_helpers/watch.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({
    host: z.string(),
    password: secret(z.string()).optional(),
  }),
});

/** Runs a shell script in a child process; `$1`… are `args`. */
async function shell(script: string, ...args: string[]): Promise<void> {
  const result = await run("bash", ["-c", script, "bash", ...args]);
  assert.equal(result.code, 0, result.stderr);
}

/** An editor's save: write a temp file beside it, then rename it over the old one. */
const atomicSave = (file: string, text: string): Promise<void> =>
  shell('printf "%s" "$2" > "$1.swp" && mv -f "$1.swp" "$1"', file, text);

/** A plain write: truncate, then write, in place. */
const inPlaceWrite = (file: string, text: string): Promise<void> =>
  shell('printf "%s" "$2" > "$1"', file, text);

describe("LocalFileSource across processes", () => {
  test("an editor-style atomic save and a plain in-place write are one event each", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "Db.json");
    await writeFile(file, '{"host":"a"}');
    await using manager = new ConfigManager([new LocalFileSource(dir.path)]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "a");
    await atomicSave(file, '{"host":"saved"}');
    assert.equal((await nextValue(watch, "the atomic save")).host, "saved");
    await inPlaceWrite(file, '{"host":"written in place"}');
    // Had the save given a second event (the temp file, the half-renamed
    // state), it would come before this one.
    assert.equal(
      (await nextValue(watch, "the in-place write")).host,
      "written in place",
    );
    await inPlaceWrite(file, '{"host":"sentinel"}');
    assert.equal(
      (await nextValue(watch, "the next write")).host,
      "sentinel",
      "the in-place write (truncate, then write) gave one event",
    );
  });

  test("a file made and removed within one quiet time, which a read saw, is not missed", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "Db.json");
    const files = new LocalFileSource(dir.path);
    const below = new MemorySource({ Db: { host: "below" } });
    await using manager = new ConfigManager([files, below]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "below");
    await writeFile(file, '{"host":"file"}');
    // A change below makes the watcher read the chain, and so the file,
    // before the file's own events go quiet; then the file goes.
    await below.set("Db", { host: "below 2" });
    const read = await nextEvent(watch, "the file, read early");
    assert.equal(read.kind === "value" && read.source, files);
    await rm(file);
    assert.equal((await nextValue(watch, "the file gone")).host, "below 2");
  });

  test("the next get sees each change another process made", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "Db.json");
    await writeFile(file, '{"host":"a"}');
    await using manager = new ConfigManager([new LocalFileSource(dir.path)]);
    assert.equal((await manager.get(Db)).host, "a");
    await atomicSave(file, '{"host":"b"}');
    assert.equal((await manager.get(Db)).host, "b");
    await inPlaceWrite(file, '{"host":"c"}'); // same size as the last
    assert.equal((await manager.get(Db)).host, "c");
    await shell('rm "$1"', file);
    await assert.rejects(manager.get(Db), /No value for key "Db"/);
  });

  test("an invalid file keeps the last good value, with a typed error that holds none of it", async () => {
    const canary = "canary-file-51c0e-never-show";
    await using dir = await tempDir();
    const file = join(dir.path, "Db.json");
    await writeFile(file, '{"host":"good"}');
    await using manager = new ConfigManager([new LocalFileSource(dir.path)]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "good");
    await atomicSave(file, `{"host": 1, "password": "${canary}"}`);
    const invalid = await nextEvent(watch, "the invalid value");
    assert.equal(invalid.kind, "invalid");
    assert.ok(invalid.error instanceof ConfigValidationError);
    assert.ok(invalid.error.message.includes(file));
    assert.deepEqual(leaks(everyChannel(invalid.error), [canary]), []);
    // Not JSON at all (cut short): invalid too, and never its text.
    await atomicSave(file, `{"host": "${canary}`);
    const broken = await nextEvent(watch, "the broken file");
    assert.equal(broken.kind, "invalid");
    assert.deepEqual(leaks(everyChannel(broken.error), [canary]), []);
    await atomicSave(file, '{"host":"fixed"}');
    assert.equal((await nextValue(watch, "the fix")).host, "fixed");
  });

  test("a directory that does not exist yet is found when another process creates it, and the file takes over", async () => {
    await using root = await tempDir();
    const dir = join(root.path, "later");
    const memory = new MemorySource({ Db: { host: "memory" } });
    const files = new LocalFileSource(dir);
    await using manager = new ConfigManager([files, memory]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "memory");
    // One more event first, so the directory is surely being looked for
    // (polled) rather than read by the watch's first look.
    await memory.set("Db", { host: "memory 2" });
    assert.equal((await nextValue(watch, "memory")).host, "memory 2");
    await shell(
      'mkdir -p "$1" && printf "%s" "$2" > "$1/Db.json"',
      dir,
      '{"host":"file"}',
    );
    const event = await nextEvent(watch, "the new directory's file");
    assert.equal(event.kind === "value" && event.source, files);
    await shell('rm -r "$1"', dir);
    assert.equal(
      (await nextValue(watch, "the directory gone")).host,
      "memory 2",
    );
  });

  test("a watched directory removed with its file hands back to the source below, and is watched again once made anew", async () => {
    await using root = await tempDir();
    const dir = join(root.path, "files");
    await shell(
      'mkdir "$1" && printf "%s" "$2" > "$1/Db.json"',
      dir,
      '{"host":"file"}',
    );
    const files = new LocalFileSource(dir);
    await using manager = new ConfigManager([
      files,
      new MemorySource({ Db: { host: "memory" } }),
    ]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "file");
    await shell('rm -r "$1"', dir);
    assert.equal(
      (await nextValue(watch, "the directory removed")).host,
      "memory",
    );
    await shell(
      'mkdir "$1" && printf "%s" "$2" > "$1/Db.json"',
      dir,
      '{"host":"again"}',
    );
    assert.equal(
      (await nextValue(watch, "the directory made anew")).host,
      "again",
    );
    await shell('mv "$1" "$1.moved"', dir);
    assert.equal(
      (await nextValue(watch, "the directory moved away")).host,
      "memory",
    );
  });

  test("a Kubernetes ConfigMap update (the ..data symlink swapped to a new directory) is one event", async () => {
    await using dir = await tempDir();
    // How the kubelet lays out a ConfigMap volume and updates it
    // (kubernetes pkg/volume/util/atomic_writer.go): the files live in a
    // timestamped directory, reached through ..data; an update writes a
    // new directory and renames a new ..data symlink over the old one.
    await shell(
      'cd "$1" && mkdir ..ts1 && printf "%s" "$2" > ..ts1/Db.json && ln -s ..ts1 ..data && ln -s ..data/Db.json Db.json',
      dir.path,
      '{"host":"v1"}',
    );
    await using manager = new ConfigManager([new LocalFileSource(dir.path)]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "v1");
    await shell(
      'cd "$1" && mkdir ..ts2 && printf "%s" "$2" > ..ts2/Db.json && ln -s ..ts2 ..data_tmp && mv -T ..data_tmp ..data && rm -rf ..ts1',
      dir.path,
      '{"host":"v2"}',
    );
    assert.equal((await nextValue(watch, "the ConfigMap update")).host, "v2");
    await shell(
      'cd "$1" && mkdir ..ts3 && printf "%s" "$2" > ..ts3/Db.json && ln -s ..ts3 ..data_tmp && mv -T ..data_tmp ..data && rm -rf ..ts2',
      dir.path,
      '{"host":"v3"}',
    );
    assert.equal((await nextValue(watch, "the next update")).host, "v3");
  });

  test("stamp: the same while the file is untouched; new after a save, an in-place write of the same size, or a delete", async () => {
    await using dir = await tempDir();
    const file = join(dir.path, "Db.json");
    const later = (): number => Date.now() + 10_000; // past the racy window
    assert.equal(fileStampSync(file, later()), "absent");
    await writeFile(file, '{"host":"a"}');
    assert.equal(
      fileStampSync(file),
      undefined,
      "a file written just now proves nothing: its times may be too coarse",
    );
    const first = fileStampSync(file, later());
    assert.equal(typeof first, "string");
    assert.equal(fileStampSync(file, later()), first);
    await inPlaceWrite(file, '{"host":"b"}');
    const second = fileStampSync(file, later());
    assert.notEqual(second, first);
    await atomicSave(file, '{"host":"c"}');
    const third = fileStampSync(file, later());
    assert.notEqual(third, second);
    await shell('rm "$1"', file);
    assert.equal(fileStampSync(file, later()), "absent");
  });
});

sanitizedTest(
  "LocalFileSource: watching a directory, and one not there yet, then stopping, leaves no watcher or timer",
  async () => {
    await using dir = await tempDir();
    await writeFile(join(dir.path, "Db.json"), '{"host":"a"}');
    const manager = new ConfigManager([
      new LocalFileSource(join(dir.path, "missing")),
      new LocalFileSource(dir.path),
    ]);
    try {
      const watch = manager.watch(Db);
      assert.equal((await nextValue(watch, "start")).host, "a");
      await atomicSave(join(dir.path, "Db.json"), '{"host":"b"}');
      assert.equal((await nextValue(watch, "the save")).host, "b");
      await watch.close();
    } finally {
      await manager.close();
    }
  },
);
