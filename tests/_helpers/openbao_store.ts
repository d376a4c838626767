/** The OpenBaoStore the OpenBao tests build, the policy they grant, and how they read an error. */
import { inspect } from "node:util";
import {
  OpenBaoStore,
  type OpenBaoStoreOptions,
} from "../../stores/openbao/mod.ts";
import type { FakeOpenBao } from "./openbao_server.ts";

/** An OpenBaoStore on the fake server, with its root token and an empty env. */
export function store(
  bao: FakeOpenBao,
  options: OpenBaoStoreOptions = {},
): OpenBaoStore {
  return new OpenBaoStore({
    address: bao.address,
    auth: { token: bao.rootToken },
    env: {},
    ...options,
  });
}

/** The policy the README documents, under this name. */
const CONFIG_POLICY = "harmony-config";

/**
 * Adds the README's policy for `secret/harmony/config/*` (read, write, list,
 * delete) and returns its name. A login can never get `root` (OpenBao:
 * "auth methods cannot create root tokens"), so login tests use this.
 */
export function addConfigPolicy(bao: FakeOpenBao, mount = "secret"): string {
  bao.addPolicy(CONFIG_POLICY, [
    {
      path: `${mount}/data/harmony/config/*`,
      capabilities: ["create", "read", "update", "delete"],
    },
    {
      path: `${mount}/metadata/harmony/config/*`,
      capabilities: ["read", "list", "delete"],
    },
  ]);
  return CONFIG_POLICY;
}

/** Every string reachable from an error: message, cause chain, own properties. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e && depth < 10;
    e = (e as Error).cause, depth++
  ) {
    parts.push(String((e as Error).message), JSON.stringify(e));
  }
  return parts.join("\n");
}

/**
 * Every channel an error reaches a person or a log through: its message,
 * `String()`, `stack`, `JSON.stringify`, `util.inspect` (which Deno's
 * `Deno.inspect` and `console.log` share) to any depth, each `cause` in the
 * chain, and `AggregateError` members.
 */
export function everyChannel(error: unknown): Record<string, string> {
  const channels: Record<string, string> = {};
  const seen = new Set<unknown>();
  const visit = (e: unknown, at: string): void => {
    if (e === undefined || e === null || seen.has(e)) return;
    seen.add(e);
    channels[`${at}.String`] = String(e);
    if (e instanceof Error) {
      channels[`${at}.message`] = e.message;
      channels[`${at}.stack`] = e.stack ?? "";
    }
    channels[`${at}.json`] = JSON.stringify(e) ?? "";
    channels[`${at}.inspect`] = inspect(e, { depth: Infinity });
    visit((e as { cause?: unknown }).cause, `${at}.cause`);
    if (e instanceof AggregateError) {
      e.errors.forEach((inner, i) => visit(inner, `${at}.errors[${i}]`));
    }
  };
  visit(error, "error");
  return channels;
}

/** The channels of `channels` that contain any of `canaries`, with the canary found. */
export function leaks(
  channels: Record<string, string>,
  canaries: readonly string[],
): string[] {
  return Object.entries(channels).flatMap(([name, text]) =>
    canaries.filter((canary) => text.includes(canary)).map((canary) =>
      `${name} shows ${canary}`
    )
  );
}
