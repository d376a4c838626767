/**
 * Runs the `harmony-config` CLI as a real process: under Deno `deno run`
 * with exactly the given permission flags on cli.ts; under Node (the suite
 * compiled, against the npm build) the packed cli.js, which takes no flags.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { baseEnv, isDeno, runFixture, type RunResult } from "./subprocess.ts";

/** The repository root, where the CLI runs (its deno.json maps `zod`). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** cli.ts; runFixture maps it to the packed cli.js on Node. */
const CLI = new URL("../../cli.ts", import.meta.url);

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
    cwd: ROOT,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}
