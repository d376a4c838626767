/**
 * Runs a command in a real pseudo-terminal through util-linux `script`, and
 * lets a test wait for what it draws and type into it.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";

/** A colour code (ANSI foreground 30-39). */
export const COLOUR: RegExp = new RegExp("\u001b\\[3\\dm");

/** The "?" inquirer starts a prompt with, drawn in colour: colours are on. */
export const COLOURED_MARK: RegExp = new RegExp(`${COLOUR.source}\\?`);

/** Finds an executable on PATH. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Quotes one argument for `sh -c`. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** What a finished pty session produced. */
export interface PtyExit {
  /** The exit code of the command (script passes it through with -e). */
  readonly code: number | null;
  /** Everything drawn, escape sequences removed. */
  readonly text: string;
}

/** A command running in a pty. */
export class PtySession {
  readonly #child: ChildProcess;
  #raw = "";
  #cursor = 0;
  #listeners = new Set<() => void>();
  /** Resolves when the command ends. */
  readonly exited: Promise<PtyExit>;

  /**
   * @param command The program and its arguments.
   * @param env The command's whole environment.
   */
  constructor(command: readonly string[], env: Record<string, string>) {
    const line = command.map(shellQuote).join(" ");
    this.#child = spawn("script", ["-qfec", line, "/dev/null"], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer): void => {
      this.#raw += chunk.toString("utf8");
      for (const listener of [...this.#listeners]) listener();
    };
    this.#child.stdout?.on("data", collect);
    this.#child.stderr?.on("data", collect);
    const safety = setTimeout(() => this.#child.kill("SIGKILL"), 60_000);
    this.exited = new Promise((resolve, reject) => {
      this.#child.on("error", (error) => {
        clearTimeout(safety);
        reject(error);
      });
      this.#child.on("close", (code) => {
        clearTimeout(safety);
        this.#child.stdin?.destroy();
        resolve({ code, text: this.text });
      });
    });
  }

  /** Everything drawn so far, escape sequences included (to check colours). */
  get raw(): string {
    return this.#raw;
  }

  /** Everything drawn so far, escape sequences removed. */
  get text(): string {
    return stripVTControlCharacters(this.#raw).replaceAll("\r", "");
  }

  /**
   * Resolves once `needle` is drawn after the previous match; rejects if the
   * command ends first, or after `safetyMs` (a safety net, not a wait).
   */
  waitFor(needle: string, safetyMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const at = this.text.indexOf(needle, this.#cursor);
        if (at < 0) return false;
        this.#cursor = at + needle.length;
        return true;
      };
      if (check()) return resolve();
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        if (error) reject(error);
        else resolve();
      };
      const listener = (): void => {
        if (check()) done();
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `Timed out waiting for ${
                JSON.stringify(needle)
              }; drawn so far:\n${this.text}`,
            ),
          ),
        safetyMs,
      );
      this.#listeners.add(listener);
      this.exited.then(() => {
        if (this.#listeners.has(listener) && !check()) {
          done(
            new Error(
              `Ended before drawing ${JSON.stringify(needle)}:\n${this.text}`,
            ),
          );
        }
      }, done);
    });
  }

  /** Types keys into the terminal. */
  type(keys: string): void {
    this.#child.stdin?.write(keys);
  }

  /** Waits for `prompt`, then types `text` and Enter. */
  async answer(prompt: string, text: string): Promise<void> {
    await this.waitFor(prompt);
    this.type(`${text}\r`);
  }
}
