/**
 * Which permissions the current process holds, and which environment
 * variables the data dir lookup reads.
 *
 * @module
 */
import process from "node:process";
import type { PermissionDescriptor } from "../permissions.ts";
import { canReadEnv, optionalEnv } from "./env.ts";

interface DenoQuery {
  permissions: {
    querySync(descriptor: PermissionDescriptor): { state: string };
  };
}

/**
 * Tells whether a permission is granted, without prompting.
 *
 * @param descriptor The permission.
 * @returns `true` under Node, or under Deno when it is granted.
 */
export function isGranted(descriptor: PermissionDescriptor): boolean {
  const deno = (globalThis as { Deno?: DenoQuery }).Deno;
  if (deno === undefined) return true;
  return deno.permissions.querySync(descriptor).state === "granted";
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
