/**
 * Private: file helpers: owner-only directories, atomic and durable writes
 * that leave no temp file behind, reads that never block on a FIFO nor
 * read past a size cap, and what a failed write means.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { readAtMost, strictUtf8Text } from "./bounded_read.ts";
import { deno } from "./runtime.ts";

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

/** What is at a path, after following symlinks. */
export type FileKind =
  | "file"
  | "directory"
  | "FIFO"
  | "character device"
  | "block device"
  | "socket"
  | "special file";

/** The kind of a `node:fs` `Stats`. */
export function kindOf(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): FileKind {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  if (stats.isFIFO()) return "FIFO";
  if (stats.isCharacterDevice()) return "character device";
  if (stats.isBlockDevice()) return "block device";
  if (stats.isSocket()) return "socket";
  return "special file";
}

/**
 * What is at `path` (symlinks followed) and its size, synchronously, or
 * `undefined` when nothing is. Under Deno it uses `Deno.statSync`, since
 * loading `node:fs` would cost a cold start about 15 ms; Node has it loaded.
 *
 * @throws The file system's error (a denied permission included) for anything but a missing path.
 */
export function fileKindSync(
  path: string,
): { readonly kind: FileKind; readonly size: number } | undefined {
  const stat = statSync(path);
  return stat === undefined ? undefined : { kind: stat.kind, size: stat.size };
}

/**
 * How recent a file's last write or change may be for its stamp to prove
 * anything: a file system may keep times as coarsely as this (2 s on FAT;
 * Linux updates them once per clock tick), so two writes of the same size
 * within it can carry the same time. A file touched this recently is read
 * instead, as git does with an index entry as new as the index.
 */
const RACY_WINDOW_MS = 2000;

/**
 * A stamp of the file at `path` that changes whenever its content may have:
 * its device, inode (a rename puts a new one in place), size, and the times
 * of its last write and change, or `"absent"` when nothing is there.
 * `undefined` when it proves nothing: not a regular file, times unknown, or
 * written within the last {@linkcode RACY_WINDOW_MS}.
 *
 * @throws The file system's error (a denied permission included) for anything but a missing path.
 */
export function fileStampSync(
  path: string,
  now: number = Date.now(),
): string | undefined {
  const stamp = statSync(path);
  if (stamp === undefined) return "absent";
  const { mtime, ctime } = stamp;
  if (stamp.kind !== "file" || mtime === undefined || ctime === undefined) {
    return undefined;
  }
  const age = now - Math.max(mtime, ctime);
  if (!(age >= RACY_WINDOW_MS)) return undefined;
  return `${stamp.dev}:${stamp.ino}:${stamp.size}:${mtime}:${ctime}`;
}

/**
 * Which file is at `path` (its device and inode), so that a file removed
 * or replaced since it was opened can be told from the one still open;
 * `undefined` when nothing is there.
 *
 * @throws The file system's error (a denied permission included) for anything but a missing path.
 */
export function fileIdentitySync(path: string): string | undefined {
  const stat = statSync(path);
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}

/** What the kind, the stamp and the identity of a file are made of. */
interface FileStat {
  readonly kind: FileKind;
  readonly dev: number;
  readonly ino: number | null;
  readonly size: number;
  readonly mtime: number | undefined;
  readonly ctime: number | undefined;
}

/** `stat` of `path` on either runtime; `undefined` when nothing is there. */
function statSync(path: string): FileStat | undefined {
  try {
    if (deno !== undefined) {
      const info = deno.statSync(path);
      return {
        kind: info.isFile
          ? "file"
          : info.isDirectory
          ? "directory"
          : info.isFifo
          ? "FIFO"
          : info.isCharDevice
          ? "character device"
          : info.isBlockDevice
          ? "block device"
          : info.isSocket
          ? "socket"
          : "special file",
        dev: info.dev,
        ino: info.ino,
        size: info.size,
        mtime: info.mtime?.getTime(),
        ctime: info.ctime?.getTime(),
      };
    }
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    const stats = fs.statSync(path);
    return {
      kind: kindOf(stats),
      dev: stats.dev,
      ino: stats.ino,
      size: stats.size,
      mtime: stats.mtimeMs,
      ctime: stats.ctimeMs,
    };
  } catch (error) {
    if (errorCode(error) === "ENOENT" || errorCode(error) === "ENOTDIR") {
      return undefined;
    }
    throw error;
  }
}

/** What {@linkcode readTextCapped} found at a path. */
export type CappedRead =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "missing" }
  | { readonly kind: "not a file"; readonly what: FileKind }
  | { readonly kind: "too large" }
  | { readonly kind: "not UTF-8" };

// O_NONBLOCK, so that a FIFO swapped in after the stat cannot block the
// open; O_NOCTTY, so that a terminal device never becomes ours. Neither
// exists on Windows, where there are no FIFOs to open.
let readFlags: number | undefined;
async function nonBlockingReadFlags(): Promise<number> {
  if (readFlags === undefined) {
    const { constants } = await nodeFs();
    readFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) |
      (constants.O_NOCTTY ?? 0);
  }
  return readFlags;
}

/**
 * Reads `path` as UTF-8 text, refusing without blocking or reading anything
 * that is not a regular file (a FIFO, a device, a directory), and anything
 * larger than `limit` bytes: the size is checked before reading, and the
 * read stops past the cap (a file that grows, or one in /proc). Bytes that
 * are not UTF-8 are refused too, never read as U+FFFD.
 *
 * @throws The file system's error for anything but a missing file.
 */
export async function readTextCapped(
  path: string,
  limit: number,
): Promise<CappedRead> {
  const fs = await nodeFs();
  let before;
  try {
    before = await fs.stat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { kind: "missing" };
    throw error;
  }
  // Checked before opening: opening some devices has effects of its own.
  if (!before.isFile()) return { kind: "not a file", what: kindOf(before) };
  if (before.size > limit) return { kind: "too large" };
  let handle;
  try {
    handle = await fs.open(path, await nonBlockingReadFlags());
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { kind: "missing" };
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: "not a file", what: kindOf(opened) };
    const bytes = await readAtMost(chunksOf(handle), limit);
    if (bytes === undefined) return { kind: "too large" };
    const text = strictUtf8Text(bytes);
    return text === undefined ? { kind: "not UTF-8" } : { kind: "text", text };
  } finally {
    await handle.close();
  }
}

const CHUNK_BYTES = 64 * 1024;

async function* chunksOf(
  handle: import("node:fs/promises").FileHandle,
): AsyncGenerator<Uint8Array> {
  for (;;) {
    const buffer = new Uint8Array(CHUNK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

/** How many times a write starts again when its temp file was taken away. */
const WRITE_ATTEMPTS = 8;

/** The temp files this process is writing now, which no cleanup removes. */
const inFlight = new Set<string>();

/** Options for {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Checked after the new content is on disk and just before the rename:
   * when it resolves `false`, the temp file is removed and nothing changes.
   */
  readonly onlyIf?: () => Promise<boolean>;
  /**
   * Runs the check and the rename holding the file's lock (`withFileLock`
   * of `file_lock.ts`, passed in: it builds on this file). With every
   * write of the file holding it, nothing is renamed between the check and
   * the rename. The temp file is written and flushed before, so the lock is
   * held for the check and the rename alone.
   */
  readonly lock?: <T>(
    path: string,
    section: (held: { assertHeld(): Promise<void> }) => Promise<T>,
  ) => Promise<T>;
}

/**
 * Writes `text` to `path` atomically: a temp file in the same directory,
 * mode 0600, flushed to disk, then renamed over `path`. A reader sees the
 * old content or the new, never a torn file, even if the process is killed.
 *
 * A killed writer leaves its temp file behind (it may hold a secret), so
 * after the rename this removes the key's temp files older than this write;
 * a write still in flight whose temp file was taken starts again, so no
 * write is lost.
 *
 * @returns `false` when `options.onlyIf` said not to write, else `true`.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const { open, rename, rm } = await nodeFs();
  const dir = dirname(path);
  const started = Date.now();
  for (let attempt = 1;; attempt++) {
    // Web Crypto's randomUUID: node:crypto would cost another load.
    const temp = join(dir, `${tempPrefix(path)}${crypto.randomUUID()}.tmp`);
    const handle = await open(temp, "wx", FILE_MODE);
    inFlight.add(temp);
    try {
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      const commit = async (
        held?: { assertHeld(): Promise<void> },
      ): Promise<boolean> => {
        if (options.onlyIf !== undefined && !(await options.onlyIf())) {
          return false;
        }
        // A holder slower than the lock's bound may have lost it: then it
        // starts the section again rather than overwrite the new holder.
        await held?.assertHeld();
        await rename(temp, path);
        return true;
      };
      const committed = options.lock === undefined
        ? await commit()
        : await options.lock(path, commit);
      if (!committed) {
        await rm(temp, { force: true });
        return false;
      }
      break;
    } catch (error) {
      await rm(temp, { force: true });
      // Another write of this key, or a delete, removed the temp file as a
      // leftover: this write comes after that one, so write again.
      if (errorCode(error) === "ENOENT" && attempt < WRITE_ATTEMPTS) continue;
      throw error;
    } finally {
      inFlight.delete(temp);
    }
  }
  await syncDir(dir);
  await removeTempFiles(path, started);
  return true;
}

/** The start of the name of every temp file of `path`: `.<name>.` */
function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/**
 * Removes the temp files that writes of `path` left behind (a killed
 * writer's), or, with `olderThanMs`, those last written before then, but
 * never one this process is writing. Another process's write whose temp
 * file goes starts again (see {@linkcode writeFileAtomic}). Best effort: a
 * file that cannot be removed is left for the next write.
 */
export async function removeTempFiles(
  path: string,
  olderThanMs?: number,
): Promise<void> {
  const { readdir, rm, stat } = await nodeFs();
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const temp = join(dir, name);
    if (inFlight.has(temp)) continue;
    try {
      if (
        olderThanMs === undefined || (await stat(temp)).mtimeMs < olderThanMs
      ) {
        await rm(temp, { force: true });
      }
    } catch {
      // Gone already, or not ours to remove: the next write tries again.
    }
  }
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

/**
 * What a file-system error code means when it is about the disk rather
 * than about permissions, with what to do, for messages: a full disk, a
 * quota, a read-only mount, a file size limit. `undefined` for others.
 *
 * @param code The error's code, such as `ENOSPC`.
 * @param dir The directory the write was in.
 * @returns A phrase such as "the disk is full (ENOSPC): free space on the disk that holds /data".
 */
export function diskProblem(
  code: string | undefined,
  dir: string,
): string | undefined {
  switch (code) {
    case "ENOSPC":
      return `the disk is full (ENOSPC): free space on the disk that holds ${dir}`;
    case "EDQUOT":
      return `the disk quota is exceeded (EDQUOT): free space, or raise the quota, on the disk that holds ${dir}`;
    case "EROFS":
      return `the file system is mounted read-only (EROFS): store the value on a writable volume`;
    case "EFBIG":
      return `the file would be larger than this process may write (EFBIG, ulimit -f): raise the limit`;
    default:
      return undefined;
  }
}
