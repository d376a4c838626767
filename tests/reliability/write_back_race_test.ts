/**
 * A migration's write-back never overwrites a newer value: while
 * `migrate()` runs, another process (a real one, on the same SQLite file
 * or directory) stores a new value, and the write-back, a compare-and-set,
 * leaves it. A source that cannot compare-and-set gets no write-back, and
 * `explain()` says which happened.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  type ConfigDefinition,
  ConfigManager,
  type ConfigSource,
  defineConfig,
  type ExplainStep,
  LocalFileSource,
  MemorySource,
  SqliteSource,
} from "../../mod.ts";
import { baseEnv, isDeno, runFixture } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const SETTER = new URL(
  "../_fixtures/reliability_set_value.ts",
  import.meta.url,
);
const OLD = { host: "old-host", port: 80 };
const NEWER = { url: "http://set-by-another-process" };

/** Stores NEWER under Server from another process, and waits for it to exit. */
async function anotherProcessSets(
  kind: "sqlite" | "files",
  path: string,
  dir: string,
): Promise<void> {
  const result = await runFixture(
    SETTER,
    [kind, path, "Server", JSON.stringify(NEWER)],
    {
      denoFlags: [`--allow-read=${dir}`, `--allow-write=${dir}`, "--allow-env"],
      env: baseEnv(),
    },
  );
  assert.equal(result.code, 0, result.stderr);
}

/** The new shape: a URL; the stored old one is `{ host, port }`. */
type Server = ConfigDefinition<{ url: string }>;

/** A definition whose migrate() lets `during` run before it returns. */
function server(during: () => Promise<void>): Server {
  return defineConfig({
    key: "Server",
    schema: z.object({ url: z.string() }),
    migrate: async (old) => {
      await during();
      const { host, port } = old as typeof OLD;
      return { url: `http://${host}:${port}` };
    },
  });
}

async function resolveWithSteps(
  source: ConfigSource,
  def: Server,
): Promise<{ value: unknown; step: ExplainStep | undefined }> {
  const steps: ExplainStep[] = [];
  const resolution = await new ConfigManager([source]).resolve(def, { steps });
  assert.equal(resolution.kind, "found");
  return {
    value: resolution.kind === "found" ? resolution.value : undefined,
    step: steps[0],
  };
}

describe("a migration's write-back is a compare-and-set", {
  skip: isDeno
    ? false
    : "spawns Deno children that import the TypeScript sources",
}, () => {
  test("SQLite: a value another process stored while migrate() ran is kept", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    using source = await SqliteSource.open(path);
    await source.set("Server", OLD);
    const { value, step } = await resolveWithSteps(
      source,
      server(() => anotherProcessSets("sqlite", path, dir.path)),
    );
    // This read began before the other write, so it answers the migrated old value…
    assert.deepEqual(value, { url: "http://old-host:80" });
    assert.equal(step?.status, "migrated");
    assert.match(
      step?.reason ?? "",
      /not written back: the stored value changed while migrate\(\) ran/,
    );
    // …but the row keeps the newer value, and the next read returns it.
    assert.deepEqual(await source.get("Server"), NEWER);
    const fresh = new ConfigManager([source]);
    assert.deepEqual(await fresh.get(server(() => Promise.resolve())), NEWER);
  });

  test("files: a value another process stored while migrate() ran is kept", async () => {
    await using dir = await tempDir();
    const source = new LocalFileSource(dir.path);
    await source.set("Server", OLD);
    const { value, step } = await resolveWithSteps(
      source,
      server(() => anotherProcessSets("files", dir.path, dir.path)),
    );
    assert.deepEqual(value, { url: "http://old-host:80" });
    assert.match(
      step?.reason ?? "",
      /the stored value changed while migrate\(\) ran/,
    );
    assert.deepEqual(await source.get("Server"), NEWER);
  });

  test("with no other writer the migrated value is written back, and explain says so first", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    const sources: ConfigSource[] = [
      await SqliteSource.open(path),
      new LocalFileSource(join(dir.path, "files")),
      new MemorySource(),
    ];
    for (const source of sources) {
      // The manager closes its source, the SQLite handle too, also when an
      // assertion fails.
      await using manager = new ConfigManager([source]);
      await source.set("Server", OLD);
      const Server = server(() => Promise.resolve());
      const before = await manager.explain(Server);
      assert.equal(before.steps[0]?.reason, "migrated; get() writes it back");
      const { step } = await resolveWithSteps(source, Server);
      assert.equal(step?.reason, "migrated and written back", source.name);
      assert.deepEqual(await source.get("Server"), {
        url: "http://old-host:80",
      });
      assert.equal((await manager.explain(Server)).steps[0]?.status, "hit");
    }
  });

  test("a source that cannot compare-and-set gets no write-back, and explain and get say why", async () => {
    const inner = new MemorySource({ Server: OLD });
    const noCompare: ConfigSource = {
      name: "no-compare",
      persists: true,
      get: (key) => inner.get(key),
      set: (key, value) => inner.set(key, value),
      delete: (key) => inner.delete(key),
      keys: () => inner.keys(),
    };
    const Server = server(() => Promise.resolve());
    const manager = new ConfigManager([noCompare]);
    const explained = await manager.explain(Server);
    assert.match(
      explained.steps[0]?.reason ?? "",
      /not written back: no-compare cannot compare-and-set/,
    );
    const { value, step } = await resolveWithSteps(noCompare, Server);
    assert.deepEqual(value, { url: "http://old-host:80" });
    assert.match(step?.reason ?? "", /cannot compare-and-set/);
    assert.deepEqual(await inner.get("Server"), OLD);
  });

  test("a migrate() that edits its argument in place still writes back", async () => {
    const source = new MemorySource({ Server: OLD });
    const Server = defineConfig({
      key: "Server",
      schema: z.object({ url: z.string() }),
      migrate: (old) => {
        const value = old as Record<string, unknown>;
        value.url = `http://${value.host}:${value.port}`;
        delete value.host;
        delete value.port;
        return value;
      },
    });
    assert.deepEqual(await new ConfigManager([source]).get(Server), {
      url: "http://old-host:80",
    });
    assert.deepEqual(await source.get("Server"), { url: "http://old-host:80" });
  });
});
