/**
 * How `OpenBaoStore` sees a key change: OpenBao has no push, so each
 * watched key's version is polled. One timer per key; the next poll is
 * scheduled only once the last one ended, so polls never pile up on a slow
 * server. While the server is unavailable (or refuses), the interval
 * doubles up to `maxIntervalMs`, and is back to `intervalMs` at the first
 * answer. Going down and coming back are changes too: the chain falls
 * through to the next source while the store is down, and back after.
 *
 * @module
 */
import { SourceUnavailableError } from "../../errors.ts";
import { describeError } from "../../_internal/safe_error.ts";

/** Options for {@linkcode VersionPoller}. */
export interface VersionPollerOptions {
  /** The time between polls of one key, in ms. */
  readonly intervalMs: number;
  /** The longest time between polls while the server fails, in ms. */
  readonly maxIntervalMs: number;
  /** What the key is now, as a string that changes with every version: one request. */
  readonly mark: (key: string) => Promise<string>;
}

/** The mark of a key while the server is unavailable. */
const OUTAGE = "\u0000unavailable";

interface KeyPoll {
  readonly listeners: Set<() => void>;
  /** The last mark; `undefined` before the first poll. */
  mark: string | undefined;
  delay: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  inFlight: Promise<void> | undefined;
  stopped: boolean;
}

/** Polls the versions of the watched keys of one store. */
export class VersionPoller {
  readonly #options: VersionPollerOptions;
  readonly #keys = new Map<string, KeyPoll>();

  /** @param options The interval, its limit under back-off, and how to read a mark. */
  constructor(options: VersionPollerOptions) {
    this.#options = options;
  }

  /**
   * Calls `listener` when `key`'s mark changes. The first poll runs at
   * once and always reports (the key may have changed since the watcher's
   * first read).
   *
   * @returns What stops it; it settles once no request of it is in flight.
   */
  add(key: string, listener: () => void): () => Promise<void> {
    let poll = this.#keys.get(key);
    if (poll === undefined) {
      poll = {
        listeners: new Set(),
        mark: undefined,
        delay: this.#options.intervalMs,
        timer: undefined,
        inFlight: undefined,
        stopped: false,
      };
      this.#keys.set(key, poll);
      this.#tick(key, poll);
    }
    const entry = (): void => listener();
    poll.listeners.add(entry);
    const watched = poll;
    return async () => {
      watched.listeners.delete(entry);
      if (watched.listeners.size === 0) await this.#stop(key, watched);
    };
  }

  /**
   * A read of `key` found the server unavailable: the next poll that gets
   * an answer reports a change, even when the outage began and ended
   * between two polls, since the chain fell through meanwhile.
   */
  sawOutage(key: string): void {
    const poll = this.#keys.get(key);
    if (poll !== undefined) poll.mark = OUTAGE;
  }

  /**
   * A read of a watched `key` returned something: when `agrees` says the
   * last poll's mark does not describe it, the next poll reports, whatever
   * it finds. A reader may see a state the polls missed (a change and its
   * undoing within one interval), and a watcher that read it must hear
   * when it goes.
   */
  async sawRead(
    key: string,
    agrees: (mark: string) => Promise<boolean>,
  ): Promise<void> {
    const poll = this.#keys.get(key);
    const mark = poll?.mark;
    if (poll === undefined || mark === undefined) return;
    if (mark === OUTAGE || !(await agrees(mark))) {
      // Unless a poll took a new mark meanwhile.
      if (poll.mark === mark) poll.mark = undefined;
    }
  }

  /** Whether `key` is watched. */
  watches(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Stops every poll, for the store's `close()`. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#keys].map(([key, poll]) => this.#stop(key, poll)),
    );
  }

  async #stop(key: string, poll: KeyPoll): Promise<void> {
    poll.stopped = true;
    if (poll.timer !== undefined) clearTimeout(poll.timer);
    poll.timer = undefined;
    if (this.#keys.get(key) === poll) this.#keys.delete(key);
    await poll.inFlight;
  }

  #tick(key: string, poll: KeyPoll): void {
    poll.timer = undefined;
    poll.inFlight = this.#options.mark(key).then(
      (mark) => {
        poll.delay = this.#options.intervalMs;
        return mark;
      },
      (error: unknown) => {
        poll.delay = Math.min(poll.delay * 2, this.#options.maxIntervalMs);
        return error instanceof SourceUnavailableError
          ? OUTAGE
          : `\u0000failed ${describeError(error)}`;
      },
    ).then((mark) => {
      if (poll.stopped || mark === poll.mark) return;
      poll.mark = mark;
      for (const listener of [...poll.listeners]) {
        try {
          listener();
        } catch {
          // A listener's failure is its own.
        }
      }
    }).finally(() => {
      poll.inFlight = undefined;
      if (!poll.stopped) {
        poll.timer = setTimeout(() => this.#tick(key, poll), poll.delay);
      }
    });
  }
}
