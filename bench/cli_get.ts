/**
 * The CLI's speed: a whole `harmony-config get` process against a plain
 * `deno run` script that opens the same SQLite file, reads the row and
 * parses it with zod (bench/cold_start_raw.ts), measured side by side in
 * one run. Both run with the least-privilege flags `doctor` prints for the
 * data dir, from Deno's module cache (each is run once first).
 *
 * Target: the CLI's median within 1.25× of the raw script's median.
 *
 * Usage: `deno task bench:cli [runs]` (default 40 runs of each)
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../mod.ts";
import { fillerKey, fillerValue, postgresValue } from "./_fixture.ts";
import { median } from "./_measure.ts";

const KEY = "PostgresConfig";
const TARGET = 1.25;
const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const RAW = fileURLToPath(new URL("./cold_start_raw.ts", import.meta.url));

/** One timed process: the program and what it must print. */
interface Contender {
  readonly label: string;
  readonly args: readonly string[];
  readonly expect: (stdout: string) => boolean;
}

async function timeProcess(
  contender: Contender,
  env: Record<string, string>,
): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...contender.args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - start;
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success || !contender.expect(stdout)) {
    throw new Error(
      `${contender.label} failed (exit ${output.code}): ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return elapsed;
}

async function main(runs: number): Promise<boolean> {
  const dataDir = await mkdtemp(join(tmpdir(), "harmony-bench-cli-"));
  try {
    const configDir = join(dataDir, "config");
    const dbPath = join(configDir, "config.db");
    {
      using sqlite = await SqliteSource.open(dbPath);
      await sqlite.set(KEY, postgresValue);
      for (let i = 0; i < 100; i++) {
        await sqlite.set(fillerKey(i), fillerValue(i));
      }
    }
    // The flags `harmony-config doctor` prints for this data dir.
    const scoped = [
      "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR",
      `--allow-read=${configDir}`,
      `--allow-write=${configDir}`,
    ];
    const env = {
      HARMONY_DATA_DIR: dataDir,
      NO_COLOR: "1",
      ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
    };
    const raw: Contender = {
      label: "raw script",
      args: ["run", "--quiet", ...scoped, RAW, dbPath],
      expect: (stdout) => stdout.trim() === postgresValue.host,
    };
    const cli: Contender = {
      label: "harmony-config get",
      args: ["run", "--quiet", ...scoped, CLI, "get", KEY, "--reveal"],
      expect: (stdout) => stdout.includes(postgresValue.host),
    };
    // Compiled and cached before anything is timed.
    await timeProcess(raw, env);
    await timeProcess(cli, env);
    const rawTimes: number[] = [];
    const cliTimes: number[] = [];
    const pairRatios: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate who goes first, so neither always runs on a warmer machine.
      const order = i % 2 === 0 ? [raw, cli] : [cli, raw];
      const times = new Map<Contender, number>();
      for (const contender of order) {
        times.set(contender, await timeProcess(contender, env));
      }
      rawTimes.push(times.get(raw)!);
      cliTimes.push(times.get(cli)!);
      pairRatios.push(times.get(cli)! / times.get(raw)!);
    }
    const ratio = median(cliTimes) / median(rawTimes);
    const ms = (values: number[]): string =>
      `median ${median(values).toFixed(1)} ms, min ${
        Math.min(...values).toFixed(1)
      } ms`;
    console.log(`CLI get vs raw script, ${runs} runs each, interleaved`);
    console.log(`  raw script          ${ms(rawTimes)}`);
    console.log(`  harmony-config get  ${ms(cliTimes)}`);
    console.log(
      `  ratio of medians ${ratio.toFixed(2)}× (median of per-pair ratios ${
        median(pairRatios).toFixed(2)
      }×); target ≤ ${TARGET}×: ${ratio <= TARGET ? "met" : "MISSED"}`,
    );
    return ratio <= TARGET;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 40);
  const met = await main(Number.isInteger(runs) && runs > 0 ? runs : 40);
  if (!met) Deno.exitCode = 1;
}
