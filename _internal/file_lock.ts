/**
 * Private: a lock per file, held by every write of it across its rename, so
 * that a compare-then-rename (a migration's write-back) is one step with
 * respect to every other write, in this process and in others.
 *
 * The lock is the file `.<name>.lock` beside the file, created with
 * `open(…, "wx")` (which fails when it exists) mode 0600, holding the pid,
 * the time and a token of its holder, and removed after. A holder killed
 * before removing it cannot block forever: a lock older than
 * {@linkcode STALE_LOCK_MS} is broken. Breaking is itself done under a
 * second lock, `.<name>.lock.break`, and removes the stale lock only if it
 * is still the very file that was judged stale, so two waiters never break
 * one lock twice (which could remove a fresh one). A holder checks that it
 * still holds the lock just before it renames: one slower than the bound,
 * whose lock was broken, starts again instead of overwriting.
 *
 * Within a process, a queue per path comes first, so the lock file is only
 * ever contended by other processes.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { errorCode, FILE_MODE, nodeFs } from "./fs.ts";

/**
 * How old a lock may get before it counts as left by a killed holder. A
 * holder keeps it only across a compare (a read of at most the value cap)
 * and a rename: milliseconds. A dead holder delays the next write of its
 * key by at most this.
 */
export const STALE_LOCK_MS = 2000;

/** How long a write waits for a lock that live holders keep taking. */
const GIVE_UP_MS = 30_000;

/** How many times a holder whose lock was broken starts again. */
const ATTEMPTS = 8;

/** The name of the lock file of `path`: `.<name>.lock` beside it. */
function lockPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

/** What a locked section is given, to check that the lock is still its own. */
export interface LockHeld {
  /**
   * Resolves while the lock file is still the one this holder made, and
   * throws {@linkcode LockLost} once it is not (it was broken as stale).
   */
  assertHeld(): Promise<void>;
}

/** Thrown by a section whose lock was broken before it could finish. */
export class LockLost extends Error {
  /** @param path The lock file. */
  constructor(path: string) {
    super(`lost the lock ${path}`);
    this.name = "LockLost";
  }
}

/** Another process keeps the lock past the bound: what to tell the user. */
export class LockTimeout extends Error {
  /**
   * @param path The lock file.
   * @param holder The holder's pid, when the file says.
   */
  constructor(readonly path: string, readonly holder: number | undefined) {
    super(`timed out waiting for ${path}`);
    this.name = "LockTimeout";
  }
}

const queues = new Map<string, Promise<void>>();

/**
 * Runs `section` holding the lock of `path`. A section that throws
 * {@linkcode LockLost} (it saw, through `assertHeld`, that its lock was
 * broken) runs again under a new lock.
 *
 * @param path The file the lock is for.
 * @param section The work to do while holding it.
 * @returns What `section` returned.
 * @throws {LockTimeout} When the lock stays taken past {@linkcode GIVE_UP_MS}.
 */
export async function withFileLock<T>(
  path: string,
  section: (held: LockHeld) => Promise<T>,
): Promise<T> {
  const lockPath = lockPathOf(path);
  return await inProcessQueue(lockPath, async () => {
    for (let attempt = 1;; attempt++) {
      const token = await acquire(lockPath);
      const held: LockHeld = {
        assertHeld: async () => {
          if ((await readLock(lockPath))?.token !== token) {
            throw new LockLost(lockPath);
          }
        },
      };
      try {
        return await section(held);
      } catch (error) {
        if (error instanceof LockLost && attempt < ATTEMPTS) continue;
        throw error;
      } finally {
        await release(lockPath, token);
      }
    }
  });
}

/**
 * Removes the lock of `path` when a killed holder left it and it is stale,
 * as a write of the file would before taking it; a live one is left.
 *
 * @param path The file the lock is for.
 */
export async function removeStaleLock(path: string): Promise<void> {
  const lockPath = lockPathOf(path);
  const current = await readLock(lockPath);
  if (current !== undefined && Date.now() - current.time > STALE_LOCK_MS) {
    await breakStale(lockPath, current);
  }
}

/** Runs `work` after every earlier call for `key` in this process has ended. */
async function inProcessQueue<T>(
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = before.then(() => mine);
  queues.set(key, tail);
  await before;
  try {
    return await work();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** What a lock file says, with what identifies that very file. */
interface LockInfo {
  readonly token: string | undefined;
  readonly pid: number | undefined;
  /** When it was taken: the time inside, else the file's mtime. */
  readonly time: number;
  /** The file's identity and content, to tell it from a newer lock. */
  readonly identity: string;
}

/** Creates the lock file; waits for, or breaks, one that exists. */
async function acquire(lockPath: string): Promise<string> {
  const { open } = await nodeFs();
  const token = crypto.randomUUID();
  const body = JSON.stringify({ pid: process.pid, time: Date.now(), token });
  const giveUp = Date.now() + GIVE_UP_MS;
  for (let wait = 1;;) {
    let handle;
    try {
      handle = await open(lockPath, "wx", FILE_MODE);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    if (handle !== undefined) {
      try {
        await handle.writeFile(body, "utf8");
      } finally {
        await handle.close();
      }
      return token;
    }
    const current = await readLock(lockPath);
    if (current === undefined) continue; // released meanwhile
    if (Date.now() - current.time > STALE_LOCK_MS) {
      await breakStale(lockPath, current);
      continue;
    }
    if (Date.now() > giveUp) throw new LockTimeout(lockPath, current.pid);
    // Poll, backing off: a live holder keeps it for milliseconds.
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 25);
  }
}

/** Reads the lock file, or `undefined` when there is none. */
async function readLock(lockPath: string): Promise<LockInfo | undefined> {
  const { readFile, stat } = await nodeFs();
  let text: string;
  let stats;
  try {
    stats = await stat(lockPath);
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  let token: string | undefined;
  let pid: number | undefined;
  let time: number | undefined;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed.token === "string") token = parsed.token;
    if (typeof parsed.pid === "number") pid = parsed.pid;
    if (typeof parsed.time === "number") time = parsed.time;
  } catch {
    // Empty or torn: its holder died between creating and writing it.
  }
  return {
    token,
    pid,
    time: time ?? stats.mtimeMs,
    identity: `${stats.ino}:${stats.mtimeMs}:${text}`,
  };
}

/**
 * Removes the lock `stale` judged stale, if it is still that very file,
 * under the breaker lock. A breaker lock left by a killed breaker is
 * removed once it is stale itself.
 */
async function breakStale(lockPath: string, stale: LockInfo): Promise<void> {
  const { open, rm, stat } = await nodeFs();
  const breaker = `${lockPath}.break`;
  let handle;
  try {
    handle = await open(breaker, "wx", FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    try {
      if (Date.now() - (await stat(breaker)).mtimeMs > STALE_LOCK_MS) {
        await rm(breaker, { force: true });
      }
    } catch {
      // Gone already: another breaker finished.
    }
    // Let the other breaker finish before looking again.
    await new Promise((resolve) => setTimeout(resolve, 1));
    return;
  }
  try {
    await handle.close();
    // Only a breaker removes a lock it did not make, and breakers take
    // turns: the lock cannot be replaced between this read and the rm.
    const now = await readLock(lockPath);
    if (now !== undefined && now.identity === stale.identity) {
      await rm(lockPath, { force: true });
    }
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Removes the lock file if it is still this holder's. */
async function release(lockPath: string, token: string): Promise<void> {
  const { rm } = await nodeFs();
  try {
    if ((await readLock(lockPath))?.token === token) {
      await rm(lockPath, { force: true });
    }
  } catch {
    // Best effort: a lock left here is stale after STALE_LOCK_MS.
  }
}
