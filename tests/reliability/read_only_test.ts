/**
 * A store this process may not write can still be read: a 0500 data dir
 * holding a WAL database (no `-shm` can be created there), another user's
 * database that a writer has open, and a read-only volume. Only `set` and
 * `delete` fail, saying the store is read-only and where.
 *
 * File modes mean nothing to root, which runs these tests, so the first two
 * run the reader as `nobody` through `setpriv`; the volume is a read-only
 * bind mount, which even root cannot write.
 */
import assert from "node:assert/strict";
import {
  chmod,
  chown,
  copyFile,
  mkdir,
  readdir,
  readFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { readdirSync } from "node:fs";
import { z } from "zod";
import { ConfigManager, defineConfig, SqliteSource } from "../../mod.ts";
import { staticClosure } from "../_helpers/module_graph.ts";
import { storeInAnotherProcess } from "../_helpers/other_process.ts";
import {
  asOtherUser,
  canMountReadOnly,
  mountReadOnly,
  openToOthers,
  OTHER_GID,
  OTHER_UID,
} from "../_helpers/privileges.ts";
import {
  baseEnv,
  denoExecutable,
  isDeno,
  run,
} from "../_helpers/subprocess.ts";
import { insertRows } from "../_helpers/sqlite_rows.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = "tests/_fixtures/reliability_read_only.ts";
const VALUE = { host: "read-only-host" };

const otherUser = isDeno
  ? await asOtherUser()
  : "runs a Deno child on the TypeScript sources";
const readOnlyMount = await canMountReadOnly();

/** What the fixture reports: each step's `{ ok }` or `{ error }`. */
interface Report {
  readonly open?: { name: string; message: string };
  readonly readOnly?: boolean;
  readonly permissions?: string[];
  readonly [step: string]: unknown;
}

/**
 * Copies the fixture and every module it loads under `root`, readable by
 * the other user: the checkout itself may sit in a directory only its owner
 * can enter (a `mktemp -d` clone is 0700), which would fail the child's
 * import for a reason that has nothing to do with the store.
 */
async function fixtureFor(root: string): Promise<string> {
  const code = join(root, "code");
  for (const module of await staticClosure(join(ROOT, FIXTURE))) {
    if (module.includes(":")) continue; // node: built-ins
    const target = join(code, module);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(ROOT, module), target);
    await chmod(target, 0o644);
  }
  await chmodTree(code);
  return join(code, FIXTURE);
}

/** 0755 on `dir` and every directory below it (mkdir's mode is masked by the umask). */
async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await chmodTree(join(dir, entry.name));
  }
}

/** Runs the fixture on `dbPath` as the other user, with a DENO_DIR it may write. */
async function readAsOtherUser(
  prefix: readonly string[],
  dbPath: string,
  root: string,
): Promise<Report> {
  const denoDir = await denoDirFor(root);
  const result = await run(prefix[0]!, [
    ...prefix.slice(1),
    denoExecutable(),
    "run",
    "--quiet",
    "--no-lock",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    await fixtureFor(root),
    dbPath,
    "Db",
  ], { env: baseEnv({ DENO_DIR: denoDir, HOME: denoDir }) });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Report;
}

/** A DENO_DIR under `root` that the other user may write. */
async function denoDirFor(root: string): Promise<string> {
  const dir = join(root, "deno-dir");
  await mkdir(dir);
  await chmod(dir, 0o777);
  return dir;
}

function assertReadOnlyWrite(step: unknown, dbPath: string): void {
  const { error } = step as { error?: { name: string; message: string } };
  assert.equal(error?.name, "ConfigSourceError", JSON.stringify(step));
  assert.match(error!.message, /is read-only for this process/);
  assert.ok(error!.message.includes(dbPath), error!.message);
  assert.match(error!.message, /HARMONY_DATA_DIR/);
}

/** Every read works; every write says read-only and where. */
function assertReadable(report: Report, dbPath: string): void {
  assert.equal(report.open, undefined, JSON.stringify(report.open));
  assert.equal(report.readOnly, true);
  assert.deepEqual(report.permissions, ["read"]);
  assert.deepEqual(report.get, { ok: VALUE });
  assert.deepEqual(report.keys, { ok: ["Db"] });
  assert.deepEqual(report.list, { ok: 1 });
  assertReadOnlyWrite(report.set, dbPath);
  assert.deepEqual(report.deleteMissing, { ok: false });
  assertReadOnlyWrite(report.delete, dbPath);
  assert.deepEqual(report.getAfter, { ok: VALUE });
}

async function createDatabase(path: string): Promise<void> {
  using source = await SqliteSource.open(path);
  await source.set("Db", VALUE);
}

/** `<root>/data/config.db` holding Db, with `root` reachable by the other user. */
async function sharedDatabase(
  root: string,
): Promise<{ data: string; dbPath: string }> {
  await openToOthers(root);
  const data = join(root, "data");
  const dbPath = join(data, "config.db");
  await createDatabase(dbPath);
  return { data, dbPath };
}

describe("a read-only store is readable", () => {
  test(
    "a 0500 data dir of the reader's own, holding a WAL database with no -shm: read as a snapshot, writes refused, nothing created",
    { skip: typeof otherUser === "string" ? otherUser : false },
    async () => {
      const prefix = otherUser as readonly string[];
      await using tmp = await tempDir();
      const { data, dbPath } = await sharedDatabase(tmp.path);
      assert.deepEqual(await readdir(data), ["config.db"]);
      const before = await readFile(dbPath);
      await chown(data, OTHER_UID, OTHER_GID);
      await chown(dbPath, OTHER_UID, OTHER_GID);
      await chmod(data, 0o500);
      const report = await readAsOtherUser(
        prefix,
        dbPath,
        tmp.path,
      );
      assertReadable(report, dbPath);
      assert.deepEqual(await readdir(data), ["config.db"]);
      assert.deepEqual(await readFile(dbPath), before);
      await chmod(data, 0o700);
    },
  );

  test(
    "another user's database that a writer has open (its -wal and -shm there): read live, writes refused",
    { skip: typeof otherUser === "string" ? otherUser : false },
    async () => {
      const prefix = otherUser as readonly string[];
      await using tmp = await tempDir();
      const { data, dbPath } = await sharedDatabase(tmp.path);
      // Readable by others, as a shared install's store might be; the
      // directory stays the owner's (0755), so no one else can write there.
      await openToOthers(data);
      await chmod(dbPath, 0o644);
      using writer = await SqliteSource.open(dbPath);
      await writer.set("Other", 1);
      const files = await readdir(data);
      assert.ok(files.includes("config.db-shm"), files.join(", "));
      const report = await readAsOtherUser(
        prefix,
        dbPath,
        tmp.path,
      );
      assert.equal(report.open, undefined, JSON.stringify(report.open));
      assert.deepEqual(report.get, { ok: VALUE });
      assert.deepEqual(report.keys, { ok: ["Db", "Other"] });
      assertReadOnlyWrite(report.set, dbPath);
      assertReadOnlyWrite(report.delete, dbPath);
      assert.deepEqual(await writer.get("Db"), VALUE);
    },
  );

  test(
    "a database on a read-only volume (a read-only bind mount, which root cannot write either)",
    { skip: readOnlyMount },
    async () => {
      await using tmp = await tempDir();
      await createDatabase(join(tmp.path, "config.db"));
      const mount = await mountReadOnly(tmp.path);
      assert.ok(typeof mount !== "string", String(mount));
      await using _ = mount;
      const dbPath = join(mount.path, "config.db");
      using source = await SqliteSource.open(dbPath);
      assert.equal(source.readOnly, true);
      assert.deepEqual(await source.get("Db"), VALUE);
      assert.deepEqual(await source.keys(), ["Db"]);
      assert.equal(await source.delete("Missing"), false);
      for (
        const write of [() => source.set("Db", 2), () => source.delete("Db")]
      ) {
        await assert.rejects(write(), (error: Error) => {
          assert.equal(error.name, "ConfigSourceError");
          assert.match(error.message, /is read-only for this process/);
          assert.ok(error.message.includes(dbPath));
          return true;
        });
      }
    },
  );

  test(
    "a rollback-journal database on a read-only volume: get's cache asks PRAGMA data_version, and the next get sees another process's commit",
    { skip: readOnlyMount },
    async () => {
      await using tmp = await tempDir();
      const original = join(tmp.path, "config.db");
      insertRows(original, [["Db", JSON.stringify(VALUE)]], {
        createTable: true,
      });
      const mount = await mountReadOnly(tmp.path);
      assert.ok(typeof mount !== "string", String(mount));
      await using _ = mount;
      using source = await SqliteSource.open(join(mount.path, "config.db"));
      assert.equal(source.readOnly, true);
      const Db = defineConfig({
        key: "Db",
        schema: z.object({ host: z.string() }),
      });
      const manager = new ConfigManager([source]);
      assert.deepEqual(await manager.get(Db), VALUE);
      const stamp = source.stamp();
      assert.equal(source.stamp(), stamp, "nothing committed: the same stamp");
      await storeInAnotherProcess(original, "Db", '{"host":"changed"}');
      assert.notEqual(source.stamp(), stamp);
      assert.deepEqual(await manager.get(Db), { host: "changed" });
      assert.equal(readdirSync(tmp.path).includes("config.db-wal"), false);
    },
  );
});
