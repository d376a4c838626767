/**
 * `harmony-config doctor`: opens every source, checks its permissions, its
 * reachability and its file modes, and prints the minimal `deno run` flags.
 *
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import process from "node:process";
import { dirname, join } from "node:path";
import { ConfigPermissionError, SourceUnavailableError } from "../../errors.ts";
import { permissionFlags } from "../../permissions.ts";
import { permissionFlag } from "../../_internal/permission_error.ts";
import type { ConfigSource, PermissionDescriptor } from "../../source.ts";
import type { SqliteSource } from "../../sources/sqlite.ts";
import type { StoreSource } from "../../sources/store.ts";
import { planChain } from "../chain.ts";
import type { SourcePlan } from "../source_plan.ts";
import type { CommandContext } from "../context.ts";
import { cliErrorMessage, ExitCode } from "../errors.ts";
import type { Output } from "../output.ts";
import { deno, isGranted } from "../../_internal/runtime.ts";
import { canReadEnv, dataDirEnvVars } from "../env.ts";
import {
  lookUpProjectSchema,
  type ProjectLookup,
  SCHEMA_ENV_VAR,
} from "../project.ts";
import {
  loadDefinitions,
  parseSchemaReference,
  schemaReadScope,
} from "../schema_module.ts";

/** The outcome of one check. */
interface Check {
  readonly subject: string;
  readonly ok: boolean;
  readonly message: string;
  readonly fix?: string;
}

/**
 * Runs `doctor`.
 *
 * @param context The command's options and streams.
 * @returns 0 when every check passes, else 1.
 */
export async function doctorCommand(context: CommandContext): Promise<number> {
  const { options, out, cwd } = context;
  const checks: Check[] = [];
  const needed: PermissionDescriptor[] = [];

  const dataVars: PermissionDescriptor[] = dataDirEnvVars().map((variable) => ({
    name: "env",
    variable,
  }));
  let plans: SourcePlan[] = [];
  try {
    plans = await planChain({
      files: options.file,
      cwd,
      prompt: options.prompt,
    });
  } catch (error) {
    checks.push(failure("chain", error));
  }
  // The env source's prefix first, then the data dir variables.
  needed.push(...(plans[0]?.permissions ?? []), ...dataVars);
  checks.push(permissionCheck("data dir lookup", dataVars));

  for (const plan of plans) {
    needed.push(...plan.permissions);
    checks.push(await checkSource(plan));
  }

  let named: { reference: string; origin: string } | undefined;
  let unnamed: string | undefined;
  if (options.schema !== undefined) {
    named = { reference: options.schema, origin: "--schema" };
  } else {
    try {
      const lookup = lookUpProjectSchema(cwd);
      named = lookup.found;
      if (named === undefined) unnamed = noProjectSchema(lookup);
      else if (named.origin === SCHEMA_ENV_VAR) {
        needed.push({ name: "env", variable: SCHEMA_ENV_VAR });
      } else {
        needed.push({ name: "read", path: dirname(named.origin) });
      }
    } catch (error) {
      checks.push(failure("project schema", error));
    }
  }
  if (named !== undefined) {
    const { path } = parseSchemaReference(named.reference, cwd);
    needed.push({ name: "read", path: schemaReadScope(path) });
    const by = named.origin === "--schema" ? "" : ` (named by ${named.origin})`;
    try {
      const defs = await loadDefinitions(named.reference, cwd);
      checks.push({
        subject: `schema:${path}`,
        ok: true,
        message: defs.length === 1
          ? `loads the definition of key ${defs[0]!.key}${by}`
          : `loads ${defs.length} definitions, of keys ${
            defs.map((d) => d.key).join(", ")
          }${by}`,
      });
    } catch (error) {
      checks.push(failure(`schema:${path}`, error));
    }
  }

  const flags = permissionFlags(byKind(needed));
  const ok = checks.every((check) => check.ok);
  if (out.json) {
    await out.document({ ok, checks, flags });
  } else {
    await printReport(out, checks, flags);
    // Not a check: a project may well name no schema module.
    if (unnamed !== undefined) {
      await out.note(`Note: schema module: ${unnamed}`);
    }
  }
  return ok ? ExitCode.Ok : ExitCode.Error;
}

async function checkSource(plan: SourcePlan): Promise<Check> {
  const missing = plan.permissions.filter((d) => !isGranted(d));
  if (missing.length > 0) {
    const flags = permissionFlags(missing);
    return {
      subject: plan.name,
      ok: false,
      message: `this run lacks ${missing.map(permissionFlag).join(" ")}`,
      fix: `add ${flags.join(" ")}`,
    };
  }
  let source: ConfigSource | undefined;
  try {
    source = await plan.open();
    return { subject: plan.name, ...await probe(plan, source) };
  } catch (error) {
    return failure(plan.name, error);
  } finally {
    await source?.close?.();
  }
}

/** Asks the opened source something cheap, and checks its files are private. */
async function probe(
  plan: SourcePlan,
  source: ConfigSource,
): Promise<Omit<Check, "subject">> {
  switch (plan.kind) {
    case "env":
      return { ok: true, message: "reads HARMONY_CONFIG_<KEY> variables" };
    case "prompt":
      return { ok: true, message: "asks in a terminal" };
    case "sqlite": {
      const sqlite = source as SqliteSource;
      const count = (await sqlite.list()).length;
      const loose = await looseModes([sqlite.path], dirname(sqlite.path));
      return withModes(`opened, ${plural(count, "key")}`, loose);
    }
    case "file": {
      const dir = (source as { dir?: string }).dir ?? "";
      const keys = await source.keys();
      if (keys.length === 0 && !(await exists(dir))) {
        return {
          ok: true,
          message: "the directory does not exist yet; set creates it (0700)",
        };
      }
      const files = keys.map((key) => join(dir, `${key}.json`));
      return withModes(
        `readable, ${plural(keys.length, "key")}`,
        await looseModes(files, dir),
      );
    }
    case "openbao": {
      try {
        const count = (await source.keys()).length;
        return {
          ok: true,
          message: `reachable, ${plural(count, "key")}; ${
            cacheState(source as StoreSource)
          }`,
        };
      } catch (error) {
        if (error instanceof SourceUnavailableError) {
          return {
            ok: false,
            message: `unreachable: ${error.reason}`,
            fix:
              "check that the server runs and is unsealed at the address in OPENBAO_URL, BAO_ADDR or VAULT_ADDR",
          };
        }
        throw error;
      }
    }
  }
}

/** What the store's in-memory cache does, in a few words. */
function cacheState(source: StoreSource): string {
  const cache = source.cache;
  if (cache === undefined) return "no in-memory cache: each read asks it";
  const seconds = (ms: number | undefined): string =>
    `${((ms ?? 0) / 1000).toFixed(0)} s`;
  return `in-memory cache: ${
    seconds(cache.ttlMs)
  } TTL, stale answers during an outage up to ${
    seconds(cache.maxStaleMs)
  }; nothing written to disk`;
}

function withModes(message: string, loose: string[]): Omit<Check, "subject"> {
  if (loose.length === 0) {
    return { ok: true, message: `${message}; files 0600, dir 0700` };
  }
  return {
    ok: false,
    message: `${message}; readable by others: ${loose.join(", ")}`,
    fix: `chmod 600 the files and chmod 700 the directory`,
  };
}

/** The paths among `files` and `dir` that group or others can access. */
async function looseModes(
  files: readonly string[],
  dir: string,
): Promise<string[]> {
  if (process.platform === "win32") return [];
  const loose: string[] = [];
  for (const path of [...files, dir]) {
    try {
      if (((await stat(path)).mode & 0o077) !== 0) loose.push(path);
    } catch {
      // Gone since it was listed: nothing to report.
    }
  }
  return loose;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * What to say when no schema module is named: fine, but values are then
 * all hidden, and a file or variable this run cannot read may be why.
 */
function noProjectSchema(lookup: ProjectLookup): string {
  const unseen: string[] = [];
  if (!canReadEnv(SCHEMA_ENV_VAR)) unseen.push(SCHEMA_ENV_VAR);
  const dirs = [...new Set(lookup.unreadable.map((file) => dirname(file)))];
  const parts = [
    `none named (${SCHEMA_ENV_VAR}, or "harmony-config": { "schema": … } in deno.json or package.json), so get and explain hide every value without --schema`,
    ...(lookup.unparsable.length > 0
      ? [`not JSON: ${lookup.unparsable.join(", ")}`]
      : []),
    ...(unseen.length > 0 || dirs.length > 0
      ? [
        `not readable in this run: ${
          [...unseen, ...dirs.slice(0, 1).map((d) => `${d}/…`)].join(", ")
        } (grant --allow-read on the project, or --allow-env=${SCHEMA_ENV_VAR}, for the CLI to find it)`,
      ]
      : []),
  ];
  return parts.join("; ");
}

function permissionCheck(
  subject: string,
  descriptors: readonly PermissionDescriptor[],
): Check {
  const missing = descriptors.filter((d) => !isGranted(d));
  if (missing.length === 0) {
    return {
      subject,
      ok: true,
      message: "the variables it needs are readable",
    };
  }
  const flags = permissionFlags(missing);
  return {
    subject,
    ok: false,
    message: `this run lacks ${flags.join(" ")}`,
    fix: `add ${flags.join(" ")}`,
  };
}

function failure(subject: string, error: unknown): Check {
  return {
    subject,
    ok: false,
    message: cliErrorMessage(error),
    ...(error instanceof ConfigPermissionError
      ? { fix: `add ${error.flag}` }
      : {}),
  };
}

/** Orders permissions env, read, write, net, so the flags read the same for every chain. */
function byKind(
  descriptors: readonly PermissionDescriptor[],
): PermissionDescriptor[] {
  const order = ["env", "read", "write", "net"];
  return [...descriptors].sort((a, b) =>
    order.indexOf(a.name) - order.indexOf(b.name)
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

async function printReport(
  out: Output,
  checks: readonly Check[],
  flags: readonly string[],
): Promise<void> {
  for (const check of checks) {
    const mark = check.ok
      ? out.style("green", "ok  ")
      : out.style("red", "FAIL");
    await out.line(`${mark} ${check.subject}: ${check.message}`);
    if (check.fix !== undefined) await out.line(`     fix: ${check.fix}`);
  }
  // Permission flags are Deno's; a run on Node has none to give.
  if (deno === undefined) return;
  await out.line(
    "",
    "Minimal deno run flags for this chain:",
    `  ${flags.join(" ")}`,
  );
}
