/**
 * Private: the one place that asks which runtime this is. Every other file
 * uses web standards and `node:` built-ins, and reaches `Deno.*` only
 * through {@linkcode deno}, so the same sources run on Node.
 *
 * @module
 */
import process from "node:process";

/** The parts of the `Deno` namespace the library uses. */
export interface DenoNamespace {
  readonly env: {
    get(name: string): string | undefined;
    set(name: string, value: string): void;
    delete(name: string): void;
    toObject(): Record<string, string>;
  };
  readonly permissions: {
    querySync(descriptor: DenoPermissionQuery): { readonly state: string };
  };
  readonly errors: { readonly NotCapable: new (message?: string) => Error };
  readonly stdin: { isTerminal(): boolean };
  readonly stdout: DenoOutput;
  readonly stderr: DenoOutput;
  readonly noColor: boolean;
  /** Follows symlinks; `isFifo`, `isCharDevice`… are `null` off Unix. */
  statSync(path: string): DenoFileInfo;
  /** Reads a whole file as UTF-8 text. */
  readTextFileSync(path: string): string;
  /** Opens a file; what `SqliteSource` reads the WAL index through. */
  openSync(path: string, options: { readonly read: true }): DenoFile;
  /** The path with every symlink resolved. */
  realPathSync(path: string): string;
}

/** The part of `Deno.FsFile` the library uses. */
export interface DenoFile {
  /** Reads into `buffer` from the current position; `null` at the end. */
  readSync(buffer: Uint8Array): number | null;
  /** Moves the position; `whence` 0 is from the start. */
  seekSync(offset: number, whence: 0): number;
  close(): void;
}

/** The part of `Deno.FileInfo` the library reads. */
export interface DenoFileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isFifo: boolean | null;
  readonly isCharDevice: boolean | null;
  readonly isBlockDevice: boolean | null;
  readonly isSocket: boolean | null;
  readonly size: number;
  /** The device, inode, and the times of the last write and change (`null` where unknown). */
  readonly dev: number;
  readonly ino: number | null;
  readonly mtime: Date | null;
  readonly ctime: Date | null;
}

/** `Deno.stdout` / `Deno.stderr`: written without building Node's streams. */
export interface DenoOutput {
  writeSync(data: Uint8Array): number;
  isTerminal(): boolean;
}

/** A Deno permission query, as `Deno.permissions.querySync` takes it. */
export type DenoPermissionQuery =
  | { readonly name: "env"; readonly variable?: string }
  | { readonly name: "read" | "write"; readonly path?: string }
  | { readonly name: "net"; readonly host?: string };

/** The `Deno` namespace under Deno; `undefined` on Node, Bun and others. */
export const deno: DenoNamespace | undefined =
  (globalThis as { Deno?: DenoNamespace }).Deno;

/** Whether stdin is a terminal a person can answer at. */
export function stdinIsTerminal(): boolean {
  return deno !== undefined
    ? deno.stdin.isTerminal()
    : process.stdin.isTTY === true;
}

/**
 * Whether a permission is granted, without ever prompting: always on Node,
 * whose permission model (when on) fails the access itself.
 */
export function isGranted(query: DenoPermissionQuery): boolean {
  return deno === undefined ||
    deno.permissions.querySync(query).state === "granted";
}

/** True when `error` is a Deno permission denial or Node's `ERR_ACCESS_DENIED`. */
export function isPermissionDenied(error: unknown): boolean {
  if (deno !== undefined && error instanceof deno.errors.NotCapable) {
    return true;
  }
  return (error as { code?: unknown } | null)?.code === "ERR_ACCESS_DENIED";
}

/**
 * Reads a small file as UTF-8 text, or `undefined` when there is none (or
 * it is a directory). Under Deno through `Deno.readTextFileSync`: loading
 * `node:fs` costs a Deno run more than a whole CLI command; on Node
 * through `process.getBuiltinModule`, which loads nothing new.
 *
 * @throws What the read throws for any other reason (a permission).
 */
export function readTextFileIfAny(path: string): string | undefined {
  try {
    if (deno !== undefined) return deno.readTextFileSync(path);
    const fs = process.getBuiltinModule?.("node:fs") as
      | typeof import("node:fs")
      | undefined;
    return fs?.readFileSync(path, "utf8");
  } catch (error) {
    const code = error as { code?: unknown; name?: unknown } | null;
    if (
      code?.code === "ENOENT" || code?.code === "ENOTDIR" ||
      code?.code === "EISDIR" || code?.name === "NotFound" ||
      code?.name === "IsADirectory" || code?.name === "NotADirectory"
    ) {
      return undefined;
    }
    throw error;
  }
}
