/**
 * The schemas of the secret canary matrix (tests/reliability/
 * secret_canary_test.ts), in a module the CLI loads with `--schema`. Every
 * one holds secrets, most of them behind the careless schema code that
 * leaks: error functions quoting the input, refinements quoting the value,
 * transforms and refinements that throw with the value in their message.
 *
 * Each case says which values to try (built from the canaries, which only
 * ever sit where the schema marks a secret, or in a record or catchall key
 * of a value that fails) and how to answer its prompts.
 *
 * @module
 */
import { inspect } from "node:util";
import { z } from "zod";
import { type ConfigDefinition, defineConfig, secret } from "../../mod.ts";

/** The strings that must never be shown. */
export interface Canaries {
  /** A secret, long enough for most rules and too short for `min(200)`. */
  readonly secret: string;
  /** A secret too short for `min(16)`. */
  readonly short: string;
  /** A record or catchall key, which is data. */
  readonly key: string;
}

/**
 * One step of a prompt session on a fake terminal: wait for the question
 * `? <ask>` and answer it; wait for the rejection of the answer just given
 * (`> <message>`) and clear the line; type an answer to the question still
 * open; wait for some text; or press Ctrl-C.
 */
export type PromptStep =
  | { readonly ask: string; readonly answer: string }
  | { readonly rejected: true }
  | { readonly type: string }
  | { readonly waitFor: string }
  | { readonly cancel: true };

/** A schema of the matrix, the values to try with it, and a prompt session. */
export interface CanaryCase {
  /** The export name, for `--schema module#Name`. */
  readonly name: string;
  /** The definition. */
  readonly def: ConfigDefinition<unknown>;
  /** Values by label; each holds a canary where it may not be shown. */
  readonly values: (c: Canaries) => Record<string, unknown>;
  /** What a person types, when the schema can be asked for. */
  readonly prompt?: (c: Canaries) => readonly PromptStep[];
}

/** An error function that quotes the input, as a careless schema would. */
const quote = (issue: { readonly input?: unknown }): string =>
  `rejected ${inspect(issue.input, { depth: 10 })}`;

const long = (c: Canaries): string => c.secret.repeat(5);

/** Asks `label`, gets a rejection for `bad`, then answers `good`. */
function retry(label: string, bad: string, good: string): PromptStep[] {
  return [
    { ask: label, answer: bad },
    { rejected: true },
    { type: good },
  ];
}

function def(key: string, schema: z.ZodType): ConfigDefinition<unknown> {
  return defineConfig({ key, schema }) as ConfigDefinition<unknown>;
}

/** No custom message at all. */
export const Plain: ConfigDefinition<unknown> = def(
  "Plain",
  z.object({ host: z.string(), password: secret(z.string().min(16)) }),
);

/** Error functions that interpolate the input, on the type and on a bound. */
export const ErrorFn: ConfigDefinition<unknown> = def(
  "ErrorFn",
  z.object({
    host: z.string(),
    password: secret(
      z.string({ error: quote }).min(200, { error: quote }),
    ),
  }),
);

/** superRefine on the secret, with ctx.addIssue quoting it. */
export const Token: ConfigDefinition<unknown> = def(
  "Token",
  z.object({
    token: secret(z.string()).superRefine((value, ctx) => {
      if (!value.startsWith("ok-")) {
        ctx.addIssue({ code: "custom", message: `token "${value}" revoked` });
      }
    }),
  }),
);

/**
 * superRefine on the object that holds the secret, putting issues on a
 * sibling, in zod's own fields, and in a path made of the value.
 */
export const confirmSchema: z.ZodType = z.object({
  password: secret(z.string()),
  confirm: z.string(),
})
  .superRefine((value, ctx) => {
    if (value.password === value.confirm) return;
    ctx.addIssue({
      code: "custom",
      path: ["confirm"],
      message: `"${value.confirm}" does not match "${value.password}"`,
    });
    ctx.addIssue({
      code: "invalid_value",
      values: [value.password],
      path: ["confirm"],
    });
    ctx.addIssue({
      code: "too_small",
      origin: "string",
      minimum: value.password.length,
      inclusive: true,
      input: value.password,
      path: ["confirm"],
    });
    ctx.addIssue({ code: "custom", path: [value.password] });
  });

/** {@linkcode confirmSchema} as its own key. */
export const Confirm: ConfigDefinition<unknown> = def("Confirm", confirmSchema);

/** z.custom with an error function, as the whole value. */
export const Custom: ConfigDefinition<unknown> = def(
  "Custom",
  secret(
    z.custom<string>(
      (value) => typeof value === "string" && value.startsWith("ok-"),
      { error: quote },
    ),
  ),
);

/** An async refine whose message quotes the value. */
export const AsyncKey: ConfigDefinition<unknown> = def(
  "AsyncKey",
  z.object({
    key: secret(z.string()).refine(
      async (value) => await Promise.resolve(value.startsWith("ok-")),
      { error: quote },
    ),
  }),
);

/** A transform whose JSON.parse throws a SyntaxError quoting the value. */
export const Blob: ConfigDefinition<unknown> = def(
  "Blob",
  z.object({
    name: z.string(),
    blob: secret(z.string().transform((text) => JSON.parse(text) as unknown)),
  }),
);

/** A transform that throws with the value in its message, as the whole value. */
export const Thrower: ConfigDefinition<unknown> = def(
  "Thrower",
  secret(z.string()).transform((value) => {
    if (!value.startsWith("ok-")) throw new Error(`cannot use ${value}`);
    return value;
  }),
);

/** A refinement that throws with the value in its message. */
export const Checked: ConfigDefinition<unknown> = def(
  "Checked",
  z.object({
    key: secret(z.string()).refine((value) => {
      if (!value.startsWith("ok-")) throw new TypeError(`bad key ${value}`);
      return true;
    }),
  }),
);

/** An object-level superRefine that throws with the secret in its message. */
export const Audited: ConfigDefinition<unknown> = def(
  "Audited",
  z.object({ user: z.string(), key: secret(z.string()) }).superRefine(
    (value) => {
      if (!value.key.startsWith("ok-")) {
        throw new RangeError(`audit failed for ${value.key}`);
      }
    },
  ),
);

/** An async refine that throws with the value in its message. */
export const AsyncThrows: ConfigDefinition<unknown> = def(
  "AsyncThrows",
  z.object({
    key: secret(z.string()).refine(async (value) => {
      await Promise.resolve();
      if (!value.startsWith("ok-")) throw new Error(`remote refused ${value}`);
      return true;
    }),
  }),
);

/** An async refine that throws, on a field with a default. */
export const AsyncDefault: ConfigDefinition<unknown> = def(
  "AsyncDefault",
  z.object({
    key: secret(z.string()).default("dev-key").refine(async (value) => {
      await Promise.resolve();
      if (!value.startsWith("ok-")) throw new Error(`remote refused ${value}`);
      return true;
    }),
  }),
);

/** A secret deep inside objects. */
export const Nested: ConfigDefinition<unknown> = def(
  "Nested",
  z.object({
    app: z.object({
      db: z.object({
        user: z.string(),
        password: secret(z.string().min(200, { error: quote })),
      }),
    }),
  }),
);

/** A whole value marked secret, whose fields carry custom messages. */
export const WholeSecret: ConfigDefinition<unknown> = def(
  "WholeSecret",
  secret(z.object({
    user: z.string({ error: quote }),
    token: z.string().refine((v) => v.startsWith("ok-"), { error: quote }),
  })),
);

/** Secret values under catchall keys. */
export const Extras: ConfigDefinition<unknown> = def(
  "Extras",
  z.object({ host: z.string() }).catchall(
    secret(z.string().min(200, { error: quote })),
  ),
);

/** Plain catchall values, whose keys are data. */
export const Counts: ConfigDefinition<unknown> = def(
  "Counts",
  z.object({ host: z.string() }).catchall(z.number({ error: quote })),
);

/** A record of secrets whose key and value schemas quote their input. */
export const ByHost: ConfigDefinition<unknown> = def(
  "ByHost",
  z.record(
    z.string().regex(/^[a-z]+$/, { error: quote }),
    secret(z.string().min(200, { error: quote })),
  ),
);

/** A discriminated union of two ways to log in. */
export const Auth: ConfigDefinition<unknown> = def(
  "Auth",
  z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("token"),
      token: secret(z.string().min(200, { error: quote })),
    }),
    z.object({
      kind: z.literal("basic"),
      user: z.string(),
      password: secret(
        z.string().refine((v) => v.startsWith("ok-"), { error: quote }),
      ),
    }),
  ]),
);

/** A plain union of a secret string and an object with a secret. */
export const Either: ConfigDefinition<unknown> = def(
  "Either",
  z.union([
    secret(z.string().startsWith("ok-", { error: quote })),
    z.object({ password: secret(z.string().min(200, { error: quote })) }),
  ]),
);

/** An array of secrets. */
export const Keys: ConfigDefinition<unknown> = def(
  "Keys",
  z.object({ keys: z.array(secret(z.string().min(200, { error: quote }))) }),
);

/** A list marked secret as a whole, whose elements carry custom messages. */
export const SealedList: ConfigDefinition<unknown> = def(
  "SealedList",
  z.object({
    tokens: secret(
      z.array(z.string().refine((v) => v.startsWith("ok-"), { error: quote })),
    ),
  }),
);

/** A secret behind z.preprocess. */
export const Preprocessed: ConfigDefinition<unknown> = def(
  "Preprocessed",
  z.preprocess(
    (raw) => raw,
    z.object({ password: secret(z.string().min(200, { error: quote })) }),
  ),
);

/** Every case of the matrix. */
export const CASES: readonly CanaryCase[] = [
  {
    name: "Plain",
    def: Plain,
    values: (c) => ({
      valid: { host: "db", password: c.secret },
      tooShort: { host: "db", password: c.short },
      wrongType: { host: 5, password: [c.secret] },
      notAnObject: c.secret,
    }),
    prompt: (c) => [
      { ask: "host", answer: "db" },
      ...retry("password", c.short, "long-enough-password"),
    ],
  },
  {
    name: "ErrorFn",
    def: ErrorFn,
    values: (c) => ({
      valid: { host: "db", password: long(c) },
      tooShort: { host: "db", password: c.secret },
      wrongType: { host: "db", password: { nested: c.secret } },
    }),
    prompt: (c) => [
      { ask: "host", answer: "db" },
      ...retry("password", c.secret, long(c)),
    ],
  },
  {
    name: "Token",
    def: Token,
    values: (c) => ({
      valid: { token: `ok-${c.secret}` },
      revoked: { token: c.secret },
      wrongType: { token: [c.secret] },
    }),
    prompt: (c) => retry("token", c.secret, "ok-1"),
  },
  {
    name: "Confirm",
    def: Confirm,
    values: (c) => ({
      mismatch: { password: c.secret, confirm: "typo" },
      wrongType: { password: c.secret, confirm: 5 },
    }),
    prompt: (c) => [
      { ask: "password", answer: c.secret },
      { ask: "confirm", answer: "typo" },
      { waitFor: "do not fit together" },
      { waitFor: "? confirm" },
      { cancel: true },
    ],
  },
  {
    name: "Custom",
    def: Custom,
    values: (c) => ({
      valid: `ok-${c.secret}`,
      rejected: c.secret,
      wrongType: [c.secret],
    }),
    prompt: (c) => retry("Custom", JSON.stringify(c.secret), '"ok-1"'),
  },
  {
    name: "AsyncKey",
    def: AsyncKey,
    values: (c) => ({
      valid: { key: `ok-${c.secret}` },
      rejected: { key: c.secret },
    }),
    prompt: (c) => retry("key", c.secret, "ok-1"),
  },
  {
    name: "Blob",
    def: Blob,
    values: (c) => ({
      valid: { name: "n", blob: JSON.stringify({ inner: c.secret }) },
      throws: { name: "n", blob: `{${c.secret}` },
      wrongType: { name: "n", blob: [c.secret] },
    }),
    prompt: (c) => [
      { ask: "name", answer: "n" },
      ...retry("blob", `{${c.secret}`, "{}"),
    ],
  },
  {
    name: "Thrower",
    def: Thrower,
    values: (c) => ({ valid: `ok-${c.secret}`, throws: c.secret }),
    prompt: (c) => retry("Thrower", c.secret, "ok-1"),
  },
  {
    name: "Checked",
    def: Checked,
    values: (c) => ({
      valid: { key: `ok-${c.secret}` },
      throws: { key: c.secret },
    }),
    prompt: (c) => retry("key", c.secret, "ok-1"),
  },
  {
    name: "Audited",
    def: Audited,
    values: (c) => ({
      valid: { user: "u", key: `ok-${c.secret}` },
      throws: { user: "u", key: c.secret },
    }),
    prompt: (c) => [
      { ask: "user", answer: "u" },
      { ask: "key", answer: c.secret },
      { waitFor: "do not fit together" },
      { waitFor: "? user" },
      { cancel: true },
    ],
  },
  {
    name: "AsyncThrows",
    def: AsyncThrows,
    values: (c) => ({
      valid: { key: `ok-${c.secret}` },
      throws: { key: c.secret },
    }),
    prompt: (c) => retry("key", c.secret, "ok-1"),
  },
  {
    name: "AsyncDefault",
    def: AsyncDefault,
    values: (c) => ({
      valid: { key: `ok-${c.secret}` },
      throws: { key: c.secret },
      defaulted: {},
    }),
    prompt: (c) => retry("key", c.secret, "ok-1"),
  },
  {
    name: "Nested",
    def: Nested,
    values: (c) => ({
      valid: { app: { db: { user: "u", password: long(c) } } },
      tooShort: { app: { db: { user: "u", password: c.secret } } },
      wrongType: { app: { db: [c.secret] } },
    }),
    prompt: (c) => [
      { ask: "app.db.user", answer: "u" },
      ...retry("app.db.password", c.secret, long(c)),
    ],
  },
  {
    name: "WholeSecret",
    def: WholeSecret,
    values: (c) => ({
      valid: { user: c.secret, token: `ok-${c.secret}` },
      invalid: { user: [c.secret], token: c.secret },
    }),
    prompt: (c) =>
      retry(
        "WholeSecret",
        JSON.stringify({ user: c.secret, token: c.secret }),
        JSON.stringify({ user: "u", token: "ok-1" }),
      ),
  },
  {
    name: "Extras",
    def: Extras,
    values: (c) => ({
      valid: { host: "db", extra: long(c) },
      tooShort: { host: "db", [c.key]: c.secret },
      wrongType: { host: "db", [c.key]: 5, second: [c.secret] },
    }),
  },
  {
    name: "Counts",
    def: Counts,
    values: (c) => ({ notANumber: { host: "db", [c.key]: "x" } }),
  },
  {
    name: "ByHost",
    def: ByHost,
    values: (c) => ({
      valid: { alpha: long(c) },
      badKey: { [c.key]: long(c) },
      tooShort: { alpha: c.secret, [c.key]: c.secret },
    }),
    prompt: (c) =>
      retry(
        "ByHost",
        JSON.stringify({ [c.key]: c.secret }),
        JSON.stringify({ alpha: long(c) }),
      ),
  },
  {
    name: "Auth",
    def: Auth,
    values: (c) => ({
      valid: { kind: "token", token: long(c) },
      shortToken: { kind: "token", token: c.secret },
      badBasic: { kind: "basic", user: "u", password: c.secret },
      unknownKind: { kind: "other", token: c.secret },
    }),
    prompt: (c) =>
      retry(
        "Auth",
        JSON.stringify({ kind: "token", token: c.secret }),
        JSON.stringify({ kind: "token", token: long(c) }),
      ),
  },
  {
    name: "Either",
    def: Either,
    values: (c) => ({
      valid: `ok-${c.secret}`,
      neither: c.secret,
      shortObject: { password: c.secret },
    }),
  },
  {
    name: "Keys",
    def: Keys,
    values: (c) => ({
      valid: { keys: [long(c)] },
      oneShort: { keys: [long(c), c.secret] },
    }),
    prompt: (c) => retry("keys", c.secret, long(c)),
  },
  {
    name: "SealedList",
    def: SealedList,
    values: (c) => ({
      valid: { tokens: [`ok-${c.secret}`] },
      rejected: { tokens: ["ok-1", c.secret] },
    }),
    prompt: (c) => retry("tokens", c.secret, "ok-1"),
  },
  {
    name: "Preprocessed",
    def: Preprocessed,
    values: (c) => ({
      valid: { password: long(c) },
      tooShort: { password: c.secret },
    }),
    // A preprocessed value is asked for whole, as JSON.
    prompt: (c) =>
      retry(
        "Preprocessed",
        JSON.stringify({ password: c.secret }),
        JSON.stringify({ password: long(c) }),
      ),
  },
];
