/**
 * Reading the environment variables the CLI itself consults, without ever
 * triggering a Deno permission prompt.
 *
 * @module
 */
import process from "node:process";
import { deno, isGranted } from "../_internal/runtime.ts";
import { ADDRESS_ENV_VARS } from "../stores/openbao/_env_vars.ts";

/**
 * Tells whether reading `name` is allowed. Under Deno an unallowed read in a
 * terminal would stop to ask; the CLI asks Deno first instead, so a missing
 * grant reads as "unset" and `doctor` can say which flag adds it.
 *
 * @param name The variable.
 * @returns `true` under Node, or under Deno when the read is granted.
 */
export function canReadEnv(name: string): boolean {
  return isGranted({ name: "env", variable: name });
}

/**
 * The process environment, guarded: under Deno, reading a variable that is
 * not granted throws `Deno.errors.NotCapable` at once instead of prompting,
 * so the library turns it into a `ConfigPermissionError` naming the flag.
 * Listing needs full `--allow-env`, as it does for `Deno.env`.
 *
 * @returns `process.env` under Node; a guarded view of it under Deno.
 */
export function guardedEnv(): Record<string, string | undefined> {
  if (deno === undefined) return process.env;
  const { errors, env } = deno;
  const denied = (what: string): Error =>
    new errors.NotCapable(
      `Requires env access to ${what}, run again with the --allow-env flag`,
    );
  const listable = (): boolean => isGranted({ name: "env" });
  return new Proxy({} as Record<string, string | undefined>, {
    get(_target, name): string | undefined {
      if (typeof name !== "string") return undefined;
      if (!canReadEnv(name)) throw denied(`"${name}"`);
      return process.env[name];
    },
    has(_target, name): boolean {
      if (typeof name !== "string") return false;
      if (!canReadEnv(name)) throw denied(`"${name}"`);
      return process.env[name] !== undefined;
    },
    set(_target, name, value): boolean {
      if (typeof name === "string") process.env[name] = String(value);
      return true;
    },
    deleteProperty(_target, name): boolean {
      if (typeof name === "string") delete process.env[name];
      return true;
    },
    ownKeys(): string[] {
      if (!listable()) throw denied("every variable");
      return Object.keys(env.toObject());
    },
    getOwnPropertyDescriptor(_target, name): PropertyDescriptor | undefined {
      if (typeof name !== "string") return undefined;
      const value = process.env[name];
      return value === undefined
        ? undefined
        : { value, enumerable: true, configurable: true, writable: true };
    },
  });
}

/**
 * Reads an optional variable: `undefined` when it is unset, empty, or not
 * granted.
 *
 * @param name The variable.
 * @param env The environment; defaults to the process environment.
 * @returns Its value, if readable and not empty.
 */
export function optionalEnv(
  name: string,
  env?: Record<string, string | undefined>,
): string | undefined {
  if (env === undefined && !canReadEnv(name)) return undefined;
  const value = (env ?? process.env)[name];
  return value === "" ? undefined : value;
}

/**
 * The OpenBao address from `OPENBAO_URL`, then `BAO_ADDR` (the `bao` CLI's),
 * then `VAULT_ADDR` (the list `OpenBaoStore` reads), with the variable it
 * came from. Each is read only when granted; none is required.
 *
 * @param env The environment; defaults to the process environment.
 * @returns The address and its variable, or `undefined` when neither is set.
 */
export function openBaoAddress(
  env?: Record<string, string | undefined>,
): { address: string; variable: string } | undefined {
  for (const variable of ADDRESS_ENV_VARS) {
    const address = optionalEnv(variable, env);
    if (address !== undefined) return { address, variable };
  }
  return undefined;
}

/**
 * Whether the output may use colour: never when `NO_COLOR` is set
 * (https://no-color.org), nor when the stream is not a terminal.
 *
 * @param isTerminal Whether stdout is a terminal.
 * @returns `true` when colour codes may be written.
 */
export function colorAllowed(isTerminal: boolean): boolean {
  if (!isTerminal) return false;
  // Deno.noColor reads NO_COLOR without needing --allow-env.
  if (deno !== undefined) return !deno.noColor;
  return optionalEnv("NO_COLOR") === undefined;
}

/**
 * The variables `dataDir()` reads, in order, given what is set: it stops at
 * `HARMONY_DATA_DIR` when that is set, and at `XDG_DATA_HOME` on Linux.
 * A variable that cannot be read counts as unset, so everything after it is
 * included too.
 *
 * @param platform The platform; defaults to `process.platform`.
 * @returns The variable names.
 */
export function dataDirEnvVars(platform: string = process.platform): string[] {
  const vars = ["HARMONY_DATA_DIR"];
  const isSet = (name: string): boolean =>
    canReadEnv(name) && optionalEnv(name) !== undefined;
  if (isSet("HARMONY_DATA_DIR")) return vars;
  if (platform === "win32") return [...vars, "APPDATA"];
  vars.push("XDG_DATA_HOME");
  if (platform !== "darwin" && isSet("XDG_DATA_HOME")) return vars;
  vars.push("HOME");
  return vars;
}
