/**
 * Private: file helpers: owner-only directories and atomic, durable writes.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** The `code` of a file-system error, such as `ENOENT`, when it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Mode of every directory the library creates. */
export const DIR_MODE = 0o700;
/** Mode of every file the library creates. */
export const FILE_MODE = 0o600;

let fsModule: Promise<typeof import("node:fs/promises")> | undefined;

/**
 * Loads `node:fs/promises` on first use. Under Deno it costs ~8 ms to load,
 * a third of a cold start, so a process that only reads an existing
 * database or the environment never pays for it.
 */
export function nodeFs(): Promise<typeof import("node:fs/promises")> {
  return fsModule ??= import("node:fs/promises");
}

/**
 * Creates `dir` and its missing parents with mode 0700.
 *
 * An existing directory is detected with a `stat` of `dir` itself first:
 * Deno's recursive `mkdir` also checks access to the parents, which would
 * need (or, in a terminal, prompt for) more than the directory a source uses.
 */
export async function ensureDir(dir: string): Promise<void> {
  const { mkdir, stat } = await nodeFs();
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Writes `text` to `path` atomically: a temp file in the same directory,
 * mode 0600, flushed to disk, then renamed over `path`. A reader sees the
 * old content or the new, never a torn file, even if the process is killed.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const { open, rename, rm } = await nodeFs();
  const dir = dirname(path);
  // Web Crypto's randomUUID: node:crypto would cost another load.
  const temp = join(dir, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  const handle = await open(temp, "wx", FILE_MODE);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/** Flushes a directory entry so a rename survives power loss; best effort. */
async function syncDir(dir: string): Promise<void> {
  const { open } = await nodeFs();
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename
    // is still atomic there, only its durability across power loss is lost.
  } finally {
    await handle?.close();
  }
}
