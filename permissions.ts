/**
 * Deno permissions that sources need, and how a denial becomes a
 * {@linkcode ConfigPermissionError}.
 *
 * Under Node these checks do nothing: Node grants everything unless its own
 * permission model is on, whose `ERR_ACCESS_DENIED` is mapped the same way.
 *
 * @module
 */
import { ConfigPermissionError } from "./errors.ts";

/**
 * A permission a source needs, shaped like Deno's permission descriptors.
 * An env `variable` ending in `*` is a prefix.
 *
 * @example Collect the flags a chain needs
 * ```ts
 * import { ConfigManager, EnvSource, LocalFileSource, type PermissionDescriptor, permissionFlags } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const manager = new ConfigManager([new EnvSource(), new LocalFileSource("/etc/myapp")]);
 * const needs: PermissionDescriptor[] = manager.sources.flatMap((source) => source.permissions?.() ?? []);
 * assert.deepEqual(permissionFlags(needs), [
 *   "--allow-env=HARMONY_CONFIG_*",
 *   "--allow-read=/etc/myapp",
 *   "--allow-write=/etc/myapp",
 * ]);
 * ```
 */
export type PermissionDescriptor =
  | { readonly name: "env"; readonly variable: string }
  | { readonly name: "read"; readonly path: string }
  | { readonly name: "write"; readonly path: string }
  | { readonly name: "net"; readonly host: string };

/**
 * Returns the `deno run` flag that grants one permission.
 *
 * @param descriptor The permission.
 * @returns A flag such as `--allow-write=/data`.
 *
 * @example
 * ```ts
 * import { permissionFlag } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.equal(permissionFlag({ name: "env", variable: "HARMONY_CONFIG_*" }), "--allow-env=HARMONY_CONFIG_*");
 * ```
 */
export function permissionFlag(descriptor: PermissionDescriptor): string {
  switch (descriptor.name) {
    case "env":
      return `--allow-env=${descriptor.variable}`;
    case "read":
      return `--allow-read=${descriptor.path}`;
    case "write":
      return `--allow-write=${descriptor.path}`;
    case "net":
      return `--allow-net=${descriptor.host}`;
  }
}

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

/** True when `error` is a Deno permission denial or Node's `ERR_ACCESS_DENIED`. */
export function isPermissionDenied(error: unknown): boolean {
  const deno = (globalThis as unknown as {
    Deno?: { errors?: { NotCapable?: abstract new () => Error } };
  }).Deno;
  const NotCapable = deno?.errors?.NotCapable;
  if (NotCapable && error instanceof NotCapable) return true;
  return (error as { code?: unknown } | null)?.code === "ERR_ACCESS_DENIED";
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

/**
 * The synchronous core of {@linkcode withPermission}: returns the
 * {@linkcode ConfigPermissionError} for a denial, or `error` unchanged.
 */
export function permissionErrorOr(
  error: unknown,
  source: string,
  need: string,
  descriptor: PermissionDescriptor,
  key?: string,
): unknown {
  if (!isPermissionDenied(error)) return error;
  // The denial's own message names the resource, never a value, but it is
  // not kept as the cause: the error we raise already says everything.
  return new ConfigPermissionError(
    source,
    need,
    permissionFlag(descriptor),
    key === undefined ? {} : { key },
  );
}
