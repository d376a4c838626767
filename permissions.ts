/**
 * Deno permissions that sources need, and how a denial becomes a
 * {@linkcode ConfigPermissionError}.
 *
 * Under Node these checks do nothing: Node grants everything unless its own
 * permission model is on, whose `ERR_ACCESS_DENIED` is mapped the same way.
 *
 * @module
 */
import type { PermissionDescriptor } from "./source.ts";
import { permissionErrorOr } from "./_internal/permission_error.ts";

/**
 * Merges permissions into the fewest `deno run` flags, one per kind, with
 * duplicates removed and the order kept.
 *
 * @param descriptors The permissions to grant.
 * @returns Flags such as `["--allow-env=HARMONY_CONFIG_*", "--allow-read=/a,/b"]`.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   permissionFlags([
 *     { name: "read", path: "/a" },
 *     { name: "read", path: "/b" },
 *     { name: "read", path: "/a" },
 *   ]),
 *   ["--allow-read=/a,/b"],
 * );
 * ```
 */
export function permissionFlags(
  descriptors: readonly PermissionDescriptor[],
): string[] {
  const byKind = new Map<string, Set<string>>();
  for (const d of descriptors) {
    const value = d.name === "env"
      ? d.variable
      : d.name === "net"
      ? d.host
      : d.path;
    const values = byKind.get(d.name) ?? new Set<string>();
    values.add(value);
    byKind.set(d.name, values);
  }
  return [...byKind].map(([kind, values]) =>
    `--allow-${kind}=${[...values].join(",")}`
  );
}

/**
 * Runs `action`, turning a permission denial into a
 * {@linkcode ConfigPermissionError} that names the source and the flag.
 *
 * @param source The locator of the source.
 * @param need What is needed, such as `write access to /data/config.db`.
 * @param descriptor The permission that grants it.
 * @param action The work to run.
 * @param key The key being read or written, if any.
 * @returns What `action` returns.
 *
 * @example
 * ```ts
 * import { withPermission } from "@harmony/config";
 *
 * const value = await withPermission(
 *   "env",
 *   "read access to HARMONY_CONFIG_Db",
 *   { name: "env", variable: "HARMONY_CONFIG_Db" },
 *   () => Promise.resolve("x"),
 * );
 * ```
 */
export async function withPermission<T>(
  source: string,
  need: string,
  descriptor: PermissionDescriptor,
  action: () => T | Promise<T>,
  key?: string,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw permissionErrorOr(error, source, need, descriptor, key);
  }
}
