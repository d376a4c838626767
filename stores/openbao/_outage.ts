/**
 * The memory of an outage: after the server (or the identity provider a
 * login needed) was found unreachable, calls within `retryMs` fail at once
 * with the same reason instead of waiting for another timeout, so a chain
 * that reads many keys during an outage pays the timeout once.
 *
 * @module
 */
import { SourceUnavailableError } from "../../errors.ts";

/** Options for {@linkcode OutageMemory}. */
export interface OutageMemoryOptions {
  /** The clock, in ms. */
  readonly now: () => number;
  /** How long an outage is remembered, in ms; 0 remembers none. */
  readonly retryMs: number;
  /** The source named when the error that reported the outage names none. */
  readonly source: string;
}

/** Remembers the last outage for a while, and fails fast while it lasts. */
export class OutageMemory {
  readonly #options: OutageMemoryOptions;
  #down: { source: string; reason: string; until: number } | undefined;

  /** @param options The clock, the retry interval and the fallback source. */
  constructor(options: OutageMemoryOptions) {
    this.#options = options;
  }

  /**
   * Runs `attempt`, unless an outage is remembered: then fails at once with
   * its reason. A success forgets the outage; a `SourceUnavailableError`
   * starts remembering it.
   *
   * @throws {SourceUnavailableError} While a remembered outage lasts.
   */
  async run<T>(
    key: string | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const now = this.#options.now();
    if (this.#down !== undefined && now < this.#down.until) {
      const seconds = Math.ceil((this.#down.until - now) / 1000);
      // The source is the one that was down: OpenBao, or the identity
      // provider a login needed.
      throw new SourceUnavailableError(
        this.#down.source,
        `${this.#down.reason} (remembered: not retried for ${seconds} s)`,
        key === undefined ? {} : { key },
      );
    }
    try {
      const result = await attempt();
      this.#down = undefined;
      return result;
    } catch (error) {
      if (
        error instanceof SourceUnavailableError && this.#options.retryMs > 0
      ) {
        this.#down = {
          source: error.source ?? this.#options.source,
          reason: error.reason,
          until: this.#options.now() + this.#options.retryMs,
        };
      }
      throw error;
    }
  }
}
