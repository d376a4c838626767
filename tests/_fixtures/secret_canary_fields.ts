/**
 * The fields-mode schemas of the secret canary matrix (tests/reliability/
 * secret_canary_test.ts): definitions with `layering: "fields"` whose
 * secrets come from several sources at once (per-field env vars, a file,
 * SQLite, OpenBao), behind the careless schema code that leaks, and a
 * secret whose default is a canary (which no schema, docs or explain may
 * show). The CLI loads this module with `--schema`; the default's canary
 * comes from `HARMONY_CANARY_DEFAULT`, set by the test in the child.
 *
 * Each case lists layers by label: what each source holds for the key.
 *
 * @module
 */
import { inspect } from "node:util";
import process from "node:process";
import { z } from "zod";
import { type ConfigDefinition, defineConfig, secret } from "../../mod.ts";
import { confirmSchema } from "./secret_canary_schemas.ts";

/** The strings that must never be shown. */
export interface FieldCanaries {
  /** A secret, too short for `min(200)`. */
  readonly secret: string;
  /** A secret too short for `min(16)`. */
  readonly short: string;
}

/** What each source holds for the key; env is a set of variables. */
export interface Layers {
  readonly env?: Readonly<Record<string, string>>;
  readonly file?: unknown;
  readonly sqlite?: unknown;
  readonly openbao?: unknown;
}

/** A fields-mode schema of the matrix and the layers to try it with. */
export interface FieldsCase {
  /** The export name, for `--schema module#Name`. */
  readonly name: string;
  /** The definition. */
  readonly def: ConfigDefinition<unknown>;
  /** Layers by label; each holds a canary where it may not be shown. */
  readonly layers: (c: FieldCanaries) => Record<string, Layers>;
}

const quote = (issue: { readonly input?: unknown }): string =>
  `rejected ${inspect(issue.input, { depth: 10 })}`;

const long = (c: FieldCanaries): string => c.secret.repeat(8);

function fields(key: string, schema: z.ZodType): ConfigDefinition<unknown> {
  return defineConfig({ key, schema, layering: "fields" }) as ConfigDefinition<
    unknown
  >;
}

/** The variable of a field of `key`. */
function v(key: string, ...path: string[]): string {
  return ["HARMONY_CONFIG_" + key, ...path].join("__");
}

/**
 * The definitions, with `defaultSecret` as the default of a secret field.
 *
 * @param defaultSecret The canary the secret default holds.
 * @returns Every case.
 */
export function fieldsCases(defaultSecret: string): FieldsCase[] {
  const FieldsPlain = fields(
    "FieldsPlain",
    z.object({
      host: z.string(),
      port: z.number().int().default(5432),
      password: secret(z.string().min(16)),
      token: secret(z.string().min(8).default(defaultSecret)),
    }),
  );
  const FieldsErrorFn = fields(
    "FieldsErrorFn",
    z.object({
      host: z.string({ error: quote }),
      password: secret(z.string({ error: quote }).min(200, { error: quote })),
    }),
  );
  const FieldsNested = fields(
    "FieldsNested",
    z.object({
      app: z.object({
        db: z.object({
          user: z.string(),
          password: secret(z.string().min(200, { error: quote })),
        }),
      }),
    }),
  );
  const FieldsBlob = fields(
    "FieldsBlob",
    z.object({
      name: z.string(),
      blob: secret(z.string().transform((text) => JSON.parse(text) as unknown)),
    }),
  );
  const FieldsConfirm = fields("FieldsConfirm", confirmSchema);
  return [
    {
      name: "FieldsPlain",
      def: FieldsPlain,
      layers: (c) => ({
        valid: {
          env: { [v("FieldsPlain", "host")]: "env-host" },
          openbao: { password: long(c) },
          sqlite: { port: 6000 },
        },
        shortInEnv: {
          env: { [v("FieldsPlain", "password")]: c.short },
          openbao: { password: long(c) },
          file: { host: "file-host" },
        },
        notJsonWhereJson: {
          env: { [v("FieldsPlain", "port")]: c.secret },
          sqlite: { host: "h", password: long(c) },
        },
        secretInWholeVar: {
          env: {
            HARMONY_CONFIG_FieldsPlain: JSON.stringify({ password: c.short }),
            [v("FieldsPlain", "host")]: "h",
          },
          file: { token: c.short },
        },
        missingEverywhere: { file: { port: 1 }, openbao: { token: long(c) } },
      }),
    },
    {
      name: "FieldsErrorFn",
      def: FieldsErrorFn,
      layers: (c) => ({
        tooShortFromEnv: {
          env: { [v("FieldsErrorFn", "password")]: c.secret },
          sqlite: { host: "db" },
        },
        wrongTypeFromBao: {
          openbao: { password: { nested: c.secret } },
          file: { host: 5 },
        },
        valid: { openbao: { password: long(c) }, sqlite: { host: "db" } },
      }),
    },
    {
      name: "FieldsNested",
      def: FieldsNested,
      layers: (c) => ({
        tooShortDeep: {
          env: { [v("FieldsNested", "app", "db", "password")]: c.secret },
          sqlite: { app: { db: { user: "u" } } },
        },
        objectVar: {
          env: {
            [v("FieldsNested", "app", "db")]: JSON.stringify({
              password: c.secret,
            }),
          },
          file: { app: { db: { user: "u", password: long(c) } } },
        },
        valid: {
          openbao: { app: { db: { password: long(c) } } },
          file: { app: { db: { user: "u" } } },
        },
      }),
    },
    {
      name: "FieldsBlob",
      def: FieldsBlob,
      layers: (c) => ({
        throwsFromEnv: {
          env: { [v("FieldsBlob", "blob")]: `{${c.secret}` },
          sqlite: { name: "n" },
        },
        throwsFromBao: {
          openbao: { blob: `{"a":${c.secret}` },
          file: { name: "n" },
        },
      }),
    },
    {
      name: "FieldsConfirm",
      def: FieldsConfirm,
      layers: (c) => ({
        mismatchAcrossSources: {
          openbao: { password: c.secret },
          env: { [v("FieldsConfirm", "confirm")]: "typo" },
        },
      }),
    },
  ];
}

const forCli = fieldsCases(
  process.env.HARMONY_CANARY_DEFAULT ?? "no-canary-default-set",
);

/** The definitions for the CLI, by the names of the cases. */
export const FieldsPlain: ConfigDefinition<unknown> = forCli[0]!.def;
/** See {@linkcode fieldsCases}. */
export const FieldsErrorFn: ConfigDefinition<unknown> = forCli[1]!.def;
/** See {@linkcode fieldsCases}. */
export const FieldsNested: ConfigDefinition<unknown> = forCli[2]!.def;
/** See {@linkcode fieldsCases}. */
export const FieldsBlob: ConfigDefinition<unknown> = forCli[3]!.def;
/** See {@linkcode fieldsCases}. */
export const FieldsConfirm: ConfigDefinition<unknown> = forCli[4]!.def;
