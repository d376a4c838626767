/**
 * Live configuration, measured: how fast a change another process commits
 * reaches a watcher, what watching costs while nothing changes, and what
 * OpenBao behind StoreSource's cache costs within the TTL and through an
 * outage. `deno task bench` runs these after the ratios; `deno task
 * bench:live` runs them alone and prints the table.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  SqliteSource,
  StoreSource,
} from "../mod.ts";
import { OpenBaoStore } from "../stores/openbao/mod.ts";
import { startFakeOpenBao } from "../tests/_helpers/openbao_server.ts";
import { openConfigDb } from "./_fixture.ts";
import { median } from "./_measure.ts";

/** One line of the live table. */
export interface LiveRow {
  readonly case: string;
  readonly figures: string;
  readonly target: string;
  readonly met: boolean;
}

/** The default interval of SqliteSourceOptions.watchIntervalMs. */
const SQLITE_INTERVAL_MS = 250;
const CHANGES = 100;
const IDLE_KEYS = 100;
const IDLE_WINDOW_MS = 10_000;

function createConfigTable(path: string, rows: Record<string, unknown>): void {
  const db = openConfigDb(path);
  const insert = db.prepare(
    "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
  );
  for (const [key, value] of Object.entries(rows)) {
    insert.run(key, JSON.stringify(value));
  }
  db.close();
}

/** Reads a stream as lines. */
async function* lines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    yield* parts;
  }
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * 100 changes committed one at a time by another process (at a random
 * moment of the poll interval), each timed from its commit to the watcher's
 * event.
 */
export async function watchLatency(dir: string): Promise<LiveRow> {
  const path = join(dir, "latency.db");
  createConfigTable(path, { Live: { n: 0 } });
  const Live = defineConfig({
    key: "Live",
    schema: z.object({ n: z.number() }),
  });
  const writer = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      fileURLToPath(new URL("./_live_writer.ts", import.meta.url)),
      path,
      "Live",
      String(SQLITE_INTERVAL_MS),
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const input = writer.stdin.getWriter();
  const commits = lines(writer.stdout);
  const latencies: number[] = [];
  {
    await using manager = new ConfigManager([
      new EnvSource(),
      await SqliteSource.open(path),
    ]);
    await using watch = manager.watch(Live);
    await watch.next();
    for (let n = 1; n <= CHANGES; n++) {
      await input.write(new TextEncoder().encode(`${n}\n`));
      let seenAt: number | undefined;
      for (;;) {
        const { value: event, done } = await watch.next();
        if (done) throw new Error("the watch ended");
        if (event.kind === "value" && event.value.n === n) {
          seenAt = now();
          break;
        }
      }
      const line = (await commits.next()).value as string;
      const [written, at] = line.split(" ").map(Number) as [number, number];
      if (written !== n) {
        throw new Error(`the writer wrote ${written}, not ${n}`);
      }
      latencies.push(seenAt - at);
    }
  }
  await input.close();
  await writer.status;
  const max = Math.max(...latencies);
  return {
    case:
      `watch latency: ${CHANGES} changes committed by another process (node:sqlite UPDATE), SqliteSource default interval`,
    figures: `median ${median(latencies).toFixed(1)} ms, max ${
      max.toFixed(1)
    } ms, interval ${SQLITE_INTERVAL_MS} ms`,
    target: `every change within 2 intervals (${2 * SQLITE_INTERVAL_MS} ms)`,
    met: max <= 2 * SQLITE_INTERVAL_MS,
  };
}

async function idleRun(
  db: string,
  dir: string,
  none: boolean,
): Promise<{ cpuUs: number; wallMs: number }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-all",
      fileURLToPath(new URL("./_idle_watcher.ts", import.meta.url)),
      db,
      dir,
      String(IDLE_KEYS),
      String(IDLE_WINDOW_MS),
      ...(none ? ["--none"] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(new TextDecoder().decode(output.stderr));
  }
  const [cpuUs, wallMs] = new TextDecoder().decode(output.stdout).trim().split(
    " ",
  ).map(Number) as [number, number];
  return { cpuUs, wallMs };
}

/**
 * The CPU time of a process watching 100 keys at the default interval over
 * a 10 s window, next to the same process watching nothing.
 */
export async function idleCost(dir: string): Promise<LiveRow> {
  const db = join(dir, "idle.db");
  const rows: Record<string, unknown> = {};
  for (let i = 0; i < IDLE_KEYS; i++) rows[`Watched_${i}`] = { n: i };
  createConfigTable(db, rows);
  const files = join(dir, "idle-files");
  const watching = await idleRun(db, files, false);
  const idle = await idleRun(db, files, true);
  const percent = (run: { cpuUs: number; wallMs: number }): number =>
    run.cpuUs / 1000 / run.wallMs * 100;
  return {
    case:
      `idle cost: ${IDLE_KEYS} keys watched through [env, files, SQLite] at the default interval, ${
        IDLE_WINDOW_MS / 1000
      } s window (process.cpuUsage)`,
    figures: `${percent(watching).toFixed(3)}% of one core (${
      (watching.cpuUs / 1000).toFixed(1)
    } ms CPU); the same process watching nothing: ${percent(idle).toFixed(3)}%`,
    target: "< 1% of one core",
    met: percent(watching) < 1,
  };
}

/**
 * StoreSource over OpenBao (the in-process server) with `cache`: requests
 * per 1,000 gets within the TTL, and the answer time through an outage, for
 * a server that refuses connections and one that hangs.
 */
export async function openBaoCache(): Promise<LiveRow[]> {
  const Db = defineConfig({
    key: "Db",
    schema: z.object({ host: z.string() }),
  });
  const results: LiveRow[] = [];
  for (const outage of ["refused", "hung"] as const) {
    let clock = Date.UTC(2030, 0, 1);
    let requests = 0;
    const bao = await startFakeOpenBao();
    bao.putKv("harmony/config/Db", { host: "team" });
    const team = new StoreSource(
      new OpenBaoStore({
        address: bao.address,
        auth: { token: bao.rootToken },
        env: {},
        kvVersion: 2,
        timeoutMs: 2000,
        fetch: (input, init) => {
          requests++;
          return fetch(input, init);
        },
      }),
      { cache: { ttlMs: 30_000, maxStaleMs: 600_000 }, now: () => clock },
    );
    const manager = new ConfigManager([new EnvSource(), team]);
    try {
      await manager.get(Db);
      const first = requests;
      for (let i = 0; i < 1000; i++) await manager.get(Db);
      const viaManager = requests - first;
      for (let i = 0; i < 1000; i++) await team.get("Db");
      const viaSource = requests - first - viaManager;
      if (outage === "hung") bao.addFault({ hang: true });
      else await bao.close();
      clock += 60_000; // past the TTL: the next read asks the server
      let start = performance.now();
      const found = await manager.get(Db);
      const discovery = performance.now() - start;
      const before = requests;
      const times: number[] = [];
      for (let i = 0; i < 1000; i++) {
        start = performance.now();
        await manager.get(Db);
        times.push((performance.now() - start) * 1000);
      }
      const during = requests - before;
      const stale = (await manager.explain(Db)).steps[1]?.cache?.state;
      if (found.host !== "team" || stale !== "stale") {
        throw new Error(`expected a stale answer, got ${found.host}, ${stale}`);
      }
      if (outage === "refused") {
        results.push({
          case:
            "OpenBao + StoreSource cache: HTTP requests per 1,000 gets within the TTL, after the first",
          figures:
            `${viaManager} through ConfigManager.get, ${viaSource} through StoreSource.get (the first get: ${first})`,
          target: "0",
          met: viaManager === 0 && viaSource === 0,
        });
      }
      results.push({
        case: `OpenBao ${outage} (${
          outage === "hung"
            ? "accepts, never answers; timeoutMs 2000"
            : "port closed"
        }), value read 60 s ago, maxStaleMs 10 min: the stale value answers`,
        figures: `the read that finds the outage: ${
          discovery.toFixed(1)
        } ms; the next 1,000: median ${median(times).toFixed(1)} µs, max ${
          Math.max(...times).toFixed(0)
        } µs, ${during} requests`,
        target: outage === "hung"
          ? "no timeout paid after the read that finds the outage; no request"
          : "no timeout paid; no request once the outage is known",
        met: during === 0 && Math.max(...times) < 50_000 &&
          (outage === "hung" || discovery < 500),
      });
    } finally {
      await manager.close();
      await bao.close();
    }
  }
  return results;
}

/** The live rows as a Markdown table. */
export function liveTable(rows: readonly LiveRow[]): string {
  return [
    "| Case | Measured | Target | Met |",
    "|---|---|---|---|",
    ...rows.map((row) =>
      `| ${row.case} | ${row.figures} | ${row.target} | ${
        row.met ? "yes" : "**no**"
      } |`
    ),
  ].join("\n");
}

/** Runs every live measurement in a fresh temp dir. */
export async function liveRows(): Promise<LiveRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "harmony-live-bench-"));
  try {
    return [
      await watchLatency(dir),
      await idleCost(dir),
      ...await openBaoCache(),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(liveTable(await liveRows()));
