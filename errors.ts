/**
 * Typed errors thrown by `@harmony/config`.
 *
 * Every error extends {@linkcode ConfigError}, names the key and the source
 * where they apply, and says what to do. No message, `cause` or property of
 * these errors ever holds a configuration value.
 *
 * @module
 */

/**
 * Options accepted by every {@linkcode ConfigError}.
 *
 * @example Fail a custom source with the key, the source and the cause
 * ```ts
 * import { type ConfigErrorOptions, ConfigSourceError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const options: ConfigErrorOptions = {
 *   key: "Db",
 *   source: "file:/etc/app/Db.json",
 *   cause: new Error("EACCES"), // never an error that quotes the value
 * };
 * const error = new ConfigSourceError("Cannot read /etc/app/Db.json: make it readable by this user", options);
 * assert.equal(error.key, "Db");
 * assert.equal(error.source, "file:/etc/app/Db.json");
 * assert.ok(error.cause instanceof Error);
 * ```
 */
export interface ConfigErrorOptions extends ErrorOptions {
  /** The configuration key the error is about. */
  key?: string | undefined;
  /** The locator of the source involved, such as `env:HARMONY_CONFIG_Db`. */
  source?: string | undefined;
}

/**
 * Base class of every error thrown by `@harmony/config`.
 *
 * @example Catch any configuration error
 * ```ts
 * import { ConfigError, ConfigNotFoundError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new ConfigNotFoundError("Db", ["env"]);
 * assert.ok(err instanceof ConfigError);
 * assert.equal(err.key, "Db");
 * ```
 */
export class ConfigError extends Error {
  /** The configuration key the error is about, when there is one. */
  readonly key: string | undefined;
  /** The locator of the source involved, when there is one. */
  readonly source: string | undefined;

  /**
   * @param message What went wrong and how to fix it. Never a value.
   * @param options The key, the source and an optional cause.
   */
  constructor(message: string, options?: ConfigErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.key = options?.key;
    this.source = options?.source;
  }
}

/**
 * No source in the chain has a value for the key, and the schema has no
 * defaults to fall back on.
 *
 * @example
 * ```ts
 * import { ConfigNotFoundError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new ConfigNotFoundError("Db", ["env", "sqlite:/tmp/c.db"]);
 * assert.match(err.message, /HARMONY_CONFIG_Db/);
 * ```
 */
export class ConfigNotFoundError extends ConfigError {
  /** The locators of the sources that were asked, in order. */
  readonly searched: readonly string[];

  /**
   * @param key The key that has no value.
   * @param searched The locators of the sources that were asked.
   * @param options `fix`: how to give the key a value, built from the
   * chain (default `set HARMONY_CONFIG_<key>`); `note`: extra advice, such
   * as which sources were unavailable.
   */
  constructor(
    key: string,
    searched: readonly string[],
    options: { readonly fix?: string; readonly note?: string } = {},
  ) {
    const where = searched.length > 0 ? searched.join(", ") : "no sources";
    const fix = options.fix ?? `set HARMONY_CONFIG_${key}`;
    super(
      `No value for key "${key}" in ${where}: ${fix}` +
        (options.note ? ` (${options.note})` : ""),
      { key },
    );
    this.name = "ConfigNotFoundError";
    this.searched = searched;
  }
}

/**
 * One failing path of a value that did not match its schema.
 *
 * @example List what is wrong with a stored value
 * ```ts
 * import { ConfigManager, ConfigValidationError, defineConfig, MemorySource, type ValidationIssue } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string(), port: z.number() }) });
 * const manager = new ConfigManager([new MemorySource({ Db: { port: "5432" } })]);
 * await assert.rejects(manager.get(Db), (error) => {
 *   assert.ok(error instanceof ConfigValidationError);
 *   const issues: readonly ValidationIssue[] = error.issues;
 *   assert.deepEqual(issues.map((issue) => issue.path), ["host", "port"]);
 *   return true;
 * });
 * ```
 */
export interface ValidationIssue {
  /** The dotted path to the failing field; empty for the value itself. */
  readonly path: string;
  /** Zod's message for the failure. It never contains the value. */
  readonly message: string;
  /**
   * For a definition with `layering: "fields"`: where the failing field
   * came from (an env var, a file, a DB row, a store path), or `no source`
   * when no source has it (a required field left out everywhere).
   */
  readonly source?: string;
}

/**
 * A value does not match its schema, or is not valid JSON.
 *
 * The message lists the failing paths and zod's messages, never the value.
 *
 * @example
 * ```ts
 * import { ConfigValidationError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new ConfigValidationError("Db", "env:HARMONY_CONFIG_Db", [
 *   { path: "port", message: "Invalid input: expected number, received string" },
 * ]);
 * assert.match(err.message, /port/);
 * ```
 */
export class ConfigValidationError extends ConfigError {
  /** The failing paths with zod's messages. */
  readonly issues: readonly ValidationIssue[];

  /**
   * @param key The key whose value failed.
   * @param source The locator of the source that held the value.
   * @param issues The failing paths with their messages.
   * @param fix What to do about it; defaults to advice based on the source.
   */
  constructor(
    key: string,
    source: string,
    issues: readonly ValidationIssue[],
    fix?: string,
  ) {
    const list = issues
      .map((issue) =>
        `${issue.path || "(value)"}${
          issue.source === undefined ? "" : ` (${issue.source})`
        }: ${issue.message}`
      )
      .join("; ");
    super(
      `Invalid value for key "${key}" in ${source}: ${list}: ${
        fix ??
          "correct or remove the stored value, or add a migrate() to the definition"
      }`,
      { key, source },
    );
    this.name = "ConfigValidationError";
    this.issues = issues;
  }
}

/**
 * A key is not an identifier such as `PostgresConfig`.
 *
 * @example
 * ```ts
 * import { defineConfig, InvalidKeyError } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => defineConfig({ key: "../etc/passwd", schema: z.string() }),
 *   InvalidKeyError,
 * );
 * ```
 */
export class InvalidKeyError extends ConfigError {
  /**
   * @param reason Why the key is rejected. The key itself is not echoed when
   * it holds control characters.
   * @param source The source that rejected it, if any.
   */
  constructor(reason: string, source?: string) {
    super(
      `Invalid key: ${reason}: use a name matching ^[A-Za-z_][A-Za-z0-9_]*$ of at most 128 characters, such as PostgresConfig`,
      source === undefined ? {} : { source },
    );
    this.name = "InvalidKeyError";
  }
}

/**
 * Deno denied a permission that a source needs.
 *
 * @example
 * ```ts
 * import { ConfigPermissionError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new ConfigPermissionError(
 *   "sqlite:/data/config.db",
 *   "write access to /data/config.db",
 *   "--allow-write=/data",
 * );
 * assert.equal(err.flag, "--allow-write=/data");
 * ```
 */
export class ConfigPermissionError extends ConfigError {
  /** The Deno flag that grants the missing permission. */
  readonly flag: string;

  /**
   * @param source The locator of the source that needs the permission.
   * @param need What it needs, such as `write access to /data/config.db`.
   * @param flag The flag that grants it, such as `--allow-write=/data`.
   * @param options The key, when the error is about one, and the cause.
   */
  constructor(
    source: string,
    need: string,
    flag: string,
    options?: ConfigErrorOptions,
  ) {
    const about = options?.key ? ` to read key "${options.key}"` : "";
    super(`${source} needs ${need}${about}: add ${flag}`, {
      ...options,
      source,
    });
    this.name = "ConfigPermissionError";
    this.flag = flag;
  }
}

/**
 * A source failed: a corrupt database, an unwritable file, a store that
 * answered with an error, or a chain with no source that persists.
 *
 * @example
 * ```ts
 * import { ConfigSourceError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new ConfigSourceError("sqlite:/tmp/x.db is not a SQLite database: move it away", {
 *   source: "sqlite:/tmp/x.db",
 * });
 * assert.equal(err.source, "sqlite:/tmp/x.db");
 * ```
 */
export class ConfigSourceError extends ConfigError {
  /**
   * @param message What failed and what to do.
   * @param options The key, the source and an optional cause.
   */
  constructor(message: string, options?: ConfigErrorOptions) {
    super(message, options);
    this.name = "ConfigSourceError";
  }
}

/**
 * A source cannot be reached right now: a store that is down, sealed or
 * timing out. `ConfigManager` treats it as a miss, records the reason in
 * `explain()`, and asks the next source.
 *
 * @example
 * ```ts
 * import { ConfigSourceError, SourceUnavailableError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new SourceUnavailableError("openbao:http://127.0.0.1:8200", "connection refused");
 * assert.ok(err instanceof ConfigSourceError);
 * assert.equal(err.reason, "connection refused");
 * ```
 */
export class SourceUnavailableError extends ConfigSourceError {
  /** Why the source is unavailable, such as `sealed` or `timed out after 2000 ms`. */
  readonly reason: string;

  /**
   * @param source The locator of the source.
   * @param reason Why it cannot be reached.
   * @param options The key and an optional cause.
   */
  constructor(source: string, reason: string, options?: ConfigErrorOptions) {
    super(`${source} is unavailable: ${reason}`, { ...options, source });
    this.name = "SourceUnavailableError";
    this.reason = reason;
  }
}

/**
 * The user cancelled a prompt (Ctrl-C or closed input). Nothing was persisted.
 *
 * @example
 * ```ts
 * import { PromptCancelledError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.match(new PromptCancelledError("Db").message, /cancelled/);
 * ```
 */
export class PromptCancelledError extends ConfigError {
  /**
   * @param key The key that was being asked for.
   * @param options An optional cause.
   */
  constructor(key: string, options?: ErrorOptions) {
    super(
      `Prompt for key "${key}" was cancelled; nothing was saved: run again to answer, or set HARMONY_CONFIG_${key}`,
      { ...options, key, source: "prompt" },
    );
    this.name = "PromptCancelledError";
  }
}

/**
 * A value is missing and there is no terminal to ask for it.
 *
 * The message names the env var to set and a JSON skeleton of the expected
 * shape, with secrets shown as `"<secret>"`.
 *
 * @example
 * ```ts
 * import { PromptUnavailableError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new PromptUnavailableError("Db", '{"host":"<string>"}');
 * assert.match(err.message, /HARMONY_CONFIG_Db/);
 * ```
 */
export class PromptUnavailableError extends ConfigError {
  /** A JSON skeleton of the expected value. */
  readonly skeleton: string;

  /**
   * @param key The key that has no value.
   * @param skeleton A JSON skeleton of the expected value.
   * @param fix How to give the key a value, built from the chain; default
   * `set HARMONY_CONFIG_<key>='<skeleton>'`.
   */
  constructor(
    key: string,
    skeleton: string,
    fix: string = `set HARMONY_CONFIG_${key}='${skeleton}'`,
  ) {
    super(
      `No value for key "${key}" and no terminal to ask for it: ${fix} or run in a terminal`,
      { key, source: "prompt" },
    );
    this.name = "PromptUnavailableError";
    this.skeleton = skeleton;
  }
}

/**
 * A login failed for good: the user denied the device login, the code
 * expired, the identity provider refused a refresh token, or its answer was
 * unusable. Unlike {@linkcode SourceUnavailableError} this is never a
 * fall-through: the chain stops so a broken login never looks like a missing
 * key.
 *
 * @example
 * ```ts
 * import { ConfigSourceError, LoginError } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const err = new LoginError(
 *   "oidc:https://auth.example.com",
 *   "access_denied",
 *   "the device login was denied: run the command again and approve the code",
 * );
 * assert.ok(err instanceof ConfigSourceError);
 * assert.equal(err.code, "access_denied");
 * ```
 */
export class LoginError extends ConfigSourceError {
  /** The OAuth error code, such as `access_denied` or `expired_token`. */
  readonly code: string;

  /**
   * @param source The locator of the identity provider or store, such as `oidc:https://auth.example.com`.
   * @param code The OAuth error code, or a short code of our own such as `invalid_response`.
   * @param detail What happened and what to do. Never a token.
   * @param options The key and an optional cause.
   */
  constructor(
    source: string,
    code: string,
    detail: string,
    options?: ConfigErrorOptions,
  ) {
    super(`Login at ${source} failed (${code}): ${detail}`, {
      ...options,
      source,
    });
    this.name = "LoginError";
    this.code = code;
  }
}
