/**
 * `harmony-config path`: where Harmony keeps its data.
 *
 * @module
 */
import { dataDir, defaultDbPath } from "../../paths.ts";
import type { CommandContext } from "../context.ts";
import { guardedEnv } from "../env.ts";
import { ExitCode } from "../errors.ts";

/**
 * Runs `path`.
 *
 * @param context The command's streams.
 * @returns The exit code.
 */
export async function pathCommand(context: CommandContext): Promise<number> {
  const env = guardedEnv();
  const dir = dataDir({ env });
  const dbPath = defaultDbPath({ env });
  if (context.out.json) {
    await context.out.document({ dataDir: dir, dbPath });
  } else {
    await context.out.line(`data dir  ${dir}`, `database  ${dbPath}`);
  }
  return ExitCode.Ok;
}
