/**
 * A pair of in-memory streams that stand in for a terminal, so tests can
 * drive prompts: wait until a prompt is drawn, then type the answer.
 *
 * @module
 */
import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";

/** Keys as a terminal sends them. */
export const KEY = {
  enter: "\r",
  down: "\x1b[B",
  up: "\x1b[A",
  ctrlC: "\x03",
  backspace: "\x7f",
} as const;

interface Waiter {
  readonly needle: string | RegExp;
  readonly resolve: () => void;
}

/** In-memory terminal: `input` is what the user types, `output` what prompts draw. */
export class FakeTerminal {
  /** The stream the prompts read. */
  readonly input: PassThrough = new PassThrough();
  /** The stream the prompts write. */
  readonly output: PassThrough = new PassThrough();
  #raw = "";
  #cursor = 0;
  #waiters: Waiter[] = [];

  constructor() {
    this.output.setEncoding("utf8");
    this.output.on("data", (chunk: string) => {
      this.#raw += chunk;
      this.#wake();
    });
  }

  /** Everything drawn so far, with escape sequences removed. */
  get text(): string {
    return stripVTControlCharacters(this.#raw);
  }

  /** Everything drawn so far, escape sequences included. */
  get raw(): string {
    return this.#raw;
  }

  /**
   * Resolves once `needle` is drawn after the previous match; later waits
   * look only past this one. Rejects after `safetyMs` (a safety net for a
   * broken test, not synchronisation).
   */
  waitFor(needle: string | RegExp, safetyMs = 10_000): Promise<void> {
    if (this.#consume(needle)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `Timed out waiting for ${String(needle)}; screen so far:\n${
              this.text.slice(this.#cursor)
            }`,
          ),
        );
      }, safetyMs);
      const waiter: Waiter = {
        needle,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends keys. */
  type(keys: string): void {
    this.input.write(keys);
  }

  /** Waits for `prompt`, then types `text` and Enter. */
  async answer(prompt: string | RegExp, text: string): Promise<void> {
    await this.waitFor(prompt);
    this.type(text + KEY.enter);
  }

  #consume(needle: string | RegExp): boolean {
    const rest = this.text.slice(this.#cursor);
    let end: number | undefined;
    if (typeof needle === "string") {
      const at = rest.indexOf(needle);
      if (at >= 0) end = at + needle.length;
    } else {
      const match = needle.exec(rest);
      if (match) end = match.index + match[0].length;
    }
    if (end === undefined) return false;
    this.#cursor += end;
    return true;
  }

  #wake(): void {
    const [first] = this.#waiters;
    if (first !== undefined && this.#consume(first.needle)) {
      this.#waiters.shift();
      first.resolve();
      this.#wake();
    }
  }
}
