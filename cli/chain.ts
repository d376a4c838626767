/**
 * The source chain the CLI works on: env, the `--file` dirs, OpenBao when
 * an address is set, then SQLite. It is planned first (names, permissions)
 * and opened second, so `doctor` can report a source that fails to open.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import process from "node:process";
import { ConfigSourceError } from "../errors.ts";
import { ConfigManager } from "../manager.ts";
import { defaultDbPath } from "../paths.ts";
import type { ConfigSource } from "../source.ts";
import { EnvSource } from "../sources/env.ts";
import type { LocalFileSource } from "../sources/local_file.ts";
import { SqliteSource } from "../sources/sqlite.ts";
import { UsageError } from "./errors.ts";
import { guardedEnv, openBaoAddress } from "./env.ts";
import type { SourcePlan } from "./source_plan.ts";

/** What the chain is built from. */
export interface ChainOptions {
  /** The `--file` directories, in order. */
  readonly files: readonly string[];
  /** The directory relative paths start from. */
  readonly cwd?: string;
  /** The environment; defaults to the guarded process environment. */
  readonly env?: Record<string, string | undefined>;
  /** Whether to end the chain with a `PromptSource`, for `get --prompt`. */
  readonly prompt?: boolean;
}

/**
 * Plans the chain: env, each `--file` dir, OpenBao when `OPENBAO_URL`,
 * `BAO_ADDR` or `VAULT_ADDR` is set, then SQLite at the default path. The
 * modules of the file, OpenBao and prompt sources are loaded only when the
 * chain has them.
 *
 * @param options The `--file` dirs and the environment.
 * @returns The sources, in the order they are asked.
 * @throws {ConfigPermissionError} When the data dir variables cannot be read.
 */
export async function planChain(options: ChainOptions): Promise<SourcePlan[]> {
  const env = options.env ?? guardedEnv();
  const cwd = options.cwd ?? process.cwd();
  const plans: SourcePlan[] = [];
  const envSource = new EnvSource({ env });
  plans.push({
    kind: "env",
    name: envSource.name,
    permissions: envSource.permissions(),
    locate: (key) => envSource.locate(key),
    open: () => Promise.resolve(envSource),
  });
  for (const dir of options.files) {
    const fileSource = await fileSourceFor(resolve(cwd, dir));
    plans.push({
      kind: "file",
      name: fileSource.name,
      permissions: fileSource.permissions(),
      locate: (key) => fileSource.locate(key),
      open: () => Promise.resolve(fileSource),
    });
  }
  const bao = openBaoAddress(options.env);
  if (bao !== undefined) {
    const { openBaoPlan } = await import("./openbao.ts");
    plans.push(openBaoPlan(bao.address, bao.variable, env));
  }
  const dbPath = defaultDbPath({ env });
  const dbDir = dirname(dbPath);
  plans.push({
    kind: "sqlite",
    name: `sqlite:${dbPath}`,
    permissions: [
      { name: "read", path: dbDir },
      { name: "write", path: dbDir },
    ],
    locate: (key) => `${dbPath}#${key}`,
    open: () => openSqlite(dbPath, env),
  });
  if (options.prompt) {
    // Its questions go to stderr, so stdout keeps only the value. The
    // module loads @inquirer/prompts only when a question is asked.
    const { PromptSource } = await import("../sources/prompt.ts");
    const promptSource = new PromptSource({ output: process.stderr });
    plans.push({
      kind: "prompt",
      name: promptSource.name,
      permissions: promptSource.permissions(),
      locate: () => promptSource.name,
      open: () => Promise.resolve(promptSource),
    });
  }
  return plans;
}

/**
 * Opens every planned source, closing those already open when one fails.
 *
 * @param plans The planned chain.
 * @returns A manager over the open sources.
 */
export async function openChain(
  plans: readonly SourcePlan[],
): Promise<ConfigManager> {
  const sources: ConfigSource[] = [];
  try {
    for (const plan of plans) sources.push(await plan.open());
  } catch (error) {
    await new ConfigManager(sources).close().catch(() => {});
    throw error;
  }
  return new ConfigManager(sources);
}

/**
 * Finds the source a `--source` argument names: `sqlite`, `openbao`, or
 * `file:DIR` (one of the `--file` dirs, or a new one).
 *
 * @param manager The open chain.
 * @param spec The `--source` argument.
 * @param cwd The directory relative paths start from.
 * @returns The source.
 * @throws {UsageError} When the argument names no source of the chain.
 */
export async function selectSource(
  manager: ConfigManager,
  spec: string,
  cwd: string = process.cwd(),
): Promise<ConfigSource> {
  if (spec === "sqlite" || spec === "openbao") {
    const found = manager.sources.find((source) =>
      source.name.startsWith(`${spec}:`)
    );
    if (found) return found;
    throw new UsageError(
      spec === "openbao"
        ? "--source openbao needs OpenBao in the chain: set OPENBAO_URL, BAO_ADDR or VAULT_ADDR"
        : "--source sqlite: the chain has no SQLite source",
    );
  }
  if (spec.startsWith("file:") && spec.length > "file:".length) {
    const dir = resolve(cwd, spec.slice("file:".length));
    return manager.sources.find((s) => s.name === `file:${dir}`) ??
      await fileSourceFor(dir);
  }
  throw new UsageError(
    "--source takes sqlite, openbao or file:DIR",
  );
}

async function fileSourceFor(dir: string): Promise<LocalFileSource> {
  const { LocalFileSource } = await import("../sources/local_file.ts");
  return new LocalFileSource(dir);
}

/**
 * Opens the data dir's database. When that fails for a reason other than
 * a permission, the file is looked at to say why in the CLI's terms (the
 * library's own advice speaks of `SqliteSource.open`'s arguments, which a
 * CLI user does not pass): a directory in its place, or a file that is
 * not a SQLite database.
 */
async function openSqlite(
  dbPath: string,
  env: Record<string, string | undefined>,
): Promise<SqliteSource> {
  try {
    return await SqliteSource.open(dbPath, { env });
  } catch (error) {
    if (!(error instanceof ConfigSourceError)) throw error;
    const what = await occupant(dbPath);
    if (what === undefined) throw error;
    throw new ConfigSourceError(
      `${dbPath} is ${what}, and was left untouched: move it away, or set HARMONY_DATA_DIR to use another data dir`,
      { source: `sqlite:${dbPath}`, cause: error },
    );
  }
}

/** What is at `path` when it is not a database (a directory, or another kind of file), for a message. */
async function occupant(path: string): Promise<string | undefined> {
  const { open, stat } = await import("node:fs/promises");
  try {
    if ((await stat(path)).isDirectory()) {
      return "a directory, not a SQLite database";
    }
    const handle = await open(path, "r");
    try {
      const header = new Uint8Array(16);
      const { bytesRead } = await handle.read(header, 0, 16, 0);
      // SQLite adopts an empty file; any other file starts with this header.
      const text = new TextDecoder().decode(header.subarray(0, bytesRead));
      return bytesRead === 0 || text === "SQLite format 3\0"
        ? undefined
        : "not a SQLite database";
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
