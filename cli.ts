/**
 * `harmony-config`: inspect, set and explain `@harmony/config` configuration
 * from the command line, and print the least-privilege Deno flags a chain
 * needs.
 *
 * ```sh
 * deno run --allow-env --allow-read --allow-write --allow-net jsr:@harmony/config/cli explain PostgresConfig
 * harmony-config set PostgresConfig '{"host":"db","password":"s3cret"}'   # npm bin
 * harmony-config get PostgresConfig --schema ./config.ts#Postgres          # secrets redacted
 * harmony-config doctor                                                    # checks + minimal flags
 * ```
 *
 * The chain is env (`HARMONY_CONFIG_<KEY>`), each `--file DIR`, OpenBao
 * when `OPENBAO_URL` or `VAULT_ADDR` is set, then SQLite in the data dir.
 * Exit codes: 0 ok, 1 error, 2 usage error, 3 not found.
 *
 * @example Run the CLI from code
 * ```ts
 * import { main } from "@harmony/config/cli";
 * import assert from "node:assert/strict";
 *
 * let printed = "";
 * const code = await main(["--version"], {
 *   stdout: { write: (text) => Promise.resolve(void (printed += text)) },
 *   stderr: { write: () => Promise.resolve() },
 *   readStdin: () => Promise.resolve(""),
 *   stdoutIsTerminal: false,
 *   cwd: ".",
 * });
 * assert.equal(code, 0);
 * assert.match(printed, /^\d+\.\d+\.\d+/);
 * ```
 *
 * @module
 */
import process from "node:process";
import { main } from "./cli/main.ts";

export { type CliIo, main, processIo } from "./cli/main.ts";
export type { TextSink } from "./cli/output.ts";
export { VERSION } from "./cli/version.ts";

/**
 * Whether this module is the program being run: `import.meta.main` where
 * the runtime has it (Deno, Node ≥ 24.2), else a comparison with argv[1],
 * which for an npm bin is a symlink to resolve. `node:fs` is reached only
 * in that fallback, through `process.getBuiltinModule`: loading it costs a
 * Deno run more than the whole `get` command.
 */
function isEntryPoint(): boolean {
  const flag = (import.meta as { main?: boolean }).main;
  if (typeof flag === "boolean") return flag;
  const script = process.argv[1];
  const fs = process.getBuiltinModule?.("node:fs") as
    | typeof import("node:fs")
    | undefined;
  const url = process.getBuiltinModule?.("node:url") as
    | typeof import("node:url")
    | undefined;
  if (script === undefined || fs === undefined || url === undefined) {
    return false;
  }
  try {
    return url.pathToFileURL(fs.realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

// Not a top-level await: a module with one cannot be require()d on Node.
if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
