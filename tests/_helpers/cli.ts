/**
 * Runs the `harmony-config` CLI as a real process: under Deno `deno run`
 * with exactly the given permission flags on cli.ts; under Node (the suite
 * compiled, against the npm build) the packed cli.js, which takes no flags.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  baseEnv,
  isDeno,
  run,
  runFixture,
  type RunResult,
} from "./subprocess.ts";

/** The repository root, where the CLI runs (its deno.json maps `zod`). */
export const ROOT: string = dirname(
  dirname(dirname(fileURLToPath(import.meta.url))),
);

/** cli.ts; runFixture maps it to the packed cli.js on Node. */
const CLI = new URL("../../cli.ts", import.meta.url);

/**
 * The flags `doctor` prints for a data dir: the `HARMONY_CONFIG_` prefix
 * and `HARMONY_DATA_DIR`, read and write on its config dir; plus read
 * access to `extraRead` (such as a `--schema` module's project).
 */
export function scopedFlags(
  dataDir: string,
  ...extraRead: string[]
): string[] {
  const configDir = join(dataDir, "config");
  return [
    "--allow-env=HARMONY_CONFIG_*,HARMONY_DATA_DIR",
    `--allow-read=${[configDir, ...extraRead].join(",")}`,
    `--allow-write=${configDir}`,
  ];
}

/** Whole-kind grants, for runs whose permissions are not under test. */
export const BROAD_FLAGS: readonly string[] = [
  "--allow-env",
  "--allow-read",
  "--allow-write",
];

/**
 * The command line that starts the CLI, for a pty: what {@linkcode runCli}
 * runs (Deno with `flags`, or Node on the packed cli.js).
 */
export function cliCommand(flags: readonly string[]): string[] {
  const path = fileURLToPath(CLI);
  return isDeno ? [process.execPath, "run", "--quiet", ...flags, path] : [
    process.execPath,
    "--disable-warning=ExperimentalWarning",
    path.replace(/\.ts$/, ".js"),
  ];
}

/** The library's entry as a file URL a generated module can import: mod.ts, or the packed mod.js on Node. */
export const LIBRARY_URL: string = new URL(
  `../../mod.${isDeno ? "ts" : "js"}`,
  import.meta.url,
).href;

/** Options for {@linkcode runCli}. */
export interface CliRunOptions {
  /** Variables added to the minimal environment (PATH, HOME, NO_COLOR). */
  readonly env?: Record<string, string>;
  /** Text written to stdin, which is then closed. */
  readonly stdin?: string;
  /** The working directory; default the repository root. */
  readonly cwd?: string;
}

/**
 * Runs the CLI with `args`.
 *
 * @param flags Deno permission flags (ignored on Node).
 * @param args The CLI's arguments.
 * @param options Extra env and stdin.
 * @returns What the process printed and its exit code.
 */
export function runCli(
  flags: readonly string[],
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<RunResult> {
  return runFixture(CLI, args, {
    denoFlags: flags,
    env: baseEnv(options.env ?? {}),
    cwd: options.cwd ?? ROOT,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

/**
 * The `harmony-config` bin of the installed npm package, when the suite
 * runs on Node against it (`deno task test:node`); `undefined` under Deno.
 */
export function installedBin(): string | undefined {
  if (isDeno) return undefined;
  for (let dir = ROOT;; dir = dirname(dir)) {
    const bin = join(dir, "node_modules", ".bin", "harmony-config");
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Runs the CLI as its users do: under Deno `deno run` with `flags` on
 * cli.ts; on Node the installed package's `harmony-config` bin (the packed
 * cli.js when none is installed).
 *
 * @param flags Deno permission flags (ignored on Node).
 * @param args The CLI's arguments.
 * @param options Extra env, stdin and the working directory.
 * @returns What the process printed and its exit code.
 */
export function runHarmonyConfig(
  flags: readonly string[],
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<RunResult> {
  const bin = installedBin();
  if (bin === undefined) return runCli(flags, args, options);
  return run(process.execPath, [bin, ...args], {
    env: baseEnv(options.env ?? {}),
    cwd: options.cwd ?? ROOT,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

/**
 * Runs `command args` with its stdout a pipe whose read end is closed
 * before it writes anything, so its first write fails with EPIPE, as when
 * the reader (`head -1`) has gone.
 *
 * @param command The program.
 * @param args Its arguments.
 * @param env Its whole environment.
 * @returns Its exit code and what it wrote to stderr.
 */
export function runWithClosedStdout(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(safety);
      resolve({ code, stderr });
    });
  });
}
