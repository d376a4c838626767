import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { SqliteSource } from "../../mod.ts";
import { baseEnv, denoExecutable, isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const WRITERS = 8;
const SETS = 500;
const WRITER = new URL("../_fixtures/reliability_writer.ts", import.meta.url)
  .pathname;

interface Writer {
  /** Resolves when the child printed "ready". */
  readonly ready: Promise<void>;
  /** Resolves with the child's exit code, stdout lines and stderr. */
  readonly done: Promise<
    { code: number | null; lines: string[]; stderr: string }
  >;
  go(): void;
}

function startWriter(path: string, writer: number): Writer {
  const child = spawn(denoExecutable(), [
    "run",
    "--quiet",
    `--allow-read=${path},${path}-wal,${path}-shm,${join(path, "..")}`,
    `--allow-write=${join(path, "..")}`,
    "--allow-env",
    WRITER,
    path,
    String(writer),
    String(SETS),
  ], { env: baseEnv(), stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    if (line === "ready") markReady();
  });
  const done = new Promise<
    { code: number | null; lines: string[]; stderr: string }
  >((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      markReady(); // a child that died before "ready" must not hang the barrier
      resolve({ code, lines, stderr });
    });
  });
  return { ready, done, go: () => child.stdin.end("go\n") };
}

describe("SQLite under concurrent writers", () => {
  test(
    `${WRITERS} processes × ${SETS} interleaved sets on shared and own keys: no error, no lost write, integrity ok`,
    {
      skip: isDeno
        ? false
        : "spawns Deno children that import the TypeScript sources",
    },
    async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "config", "config.db");
      // Created up front so that every writer opens an existing database.
      (await SqliteSource.open(path)).close();

      const writers = Array.from(
        { length: WRITERS },
        (_, i) => startWriter(path, i),
      );
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.go(); // the barrier: all start together
      const results = await Promise.all(writers.map((w) => w.done));

      const lastWrites: Record<string, unknown>[] = [];
      const spans: { started: number; ended: number }[] = [];
      results.forEach((result, writer) => {
        assert.equal(
          result.code,
          0,
          `writer ${writer} failed: ${result.stderr}`,
        );
        assert.equal(result.stderr, "", `writer ${writer} wrote to stderr`);
        lastWrites.push(JSON.parse(result.lines.at(-1)!));
        spans.push(JSON.parse(result.lines.at(-2)!));
      });
      // The writers really ran at the same time: the last to start started
      // before the first to finish finished.
      assert.ok(
        Math.max(...spans.map((s) => s.started)) <
          Math.min(...spans.map((s) => s.ended)),
        "the writers did not overlap",
      );

      const db = new DatabaseSync(path);
      try {
        assert.deepEqual(
          db.prepare("PRAGMA integrity_check").all().map((r) =>
            Object.values(r)[0]
          ),
          ["ok"],
        );
        const rows = new Map(
          (db.prepare("SELECT key, value FROM config").all() as {
            key: string;
            value: string;
          }[]).map((row) => [row.key, JSON.parse(row.value)]),
        );
        lastWrites.forEach((last, writer) => {
          // Every own key and the counter hold exactly this writer's last write.
          for (const [key, value] of Object.entries(last)) {
            if (key.startsWith("Shared_")) continue;
            assert.deepEqual(rows.get(key), value, `${key} lost a write`);
          }
          assert.equal(rows.get(`Counter_${writer}`), SETS);
        });
        // A shared key holds the last write of one of the writers: any other
        // value would mean a later write vanished or a value was invented.
        for (const key of ["Shared_0", "Shared_1", "Shared_2"]) {
          const candidates = lastWrites.map((last) => last[key]);
          assert.ok(
            candidates.some((c) =>
              JSON.stringify(c) === JSON.stringify(rows.get(key))
            ),
            `${key} holds ${
              JSON.stringify(rows.get(key))
            }, no writer's last write`,
          );
        }
        assert.equal(rows.size, WRITERS * (3 + 1) + 3);
      } finally {
        db.close();
      }
    },
  );
});
