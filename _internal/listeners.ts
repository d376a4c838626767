/**
 * Private: the listeners a source keeps for `ConfigSource.onChange`, by key.
 *
 * @module
 */

/** Listeners by key; a listener that throws never stops the others. */
export class ChangeListeners {
  readonly #byKey = new Map<string, Set<() => void>>();

  /** Adds `listener` for `key`; returns what removes it. */
  add(key: string, listener: () => void): () => void {
    let listeners = this.#byKey.get(key);
    if (listeners === undefined) {
      listeners = new Set();
      this.#byKey.set(key, listeners);
    }
    // A wrapper, so one function added twice is two subscriptions.
    const entry = (): void => listener();
    listeners.add(entry);
    return () => {
      const current = this.#byKey.get(key);
      if (current?.delete(entry) && current.size === 0) {
        this.#byKey.delete(key);
      }
    };
  }

  /** Calls every listener of `key`. */
  notify(key: string): void {
    const listeners = this.#byKey.get(key);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the others still hear of it.
      }
    }
  }

  /** Whether anyone listens for `key`. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** The keys someone listens for. */
  keys(): string[] {
    return [...this.#byKey.keys()];
  }

  /** How many keys someone listens for. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Forgets every listener. */
  clear(): void {
    this.#byKey.clear();
  }
}
