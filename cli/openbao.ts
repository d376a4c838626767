/**
 * OpenBao in the CLI's chain, when `OPENBAO_URL`, `BAO_ADDR` or `VAULT_ADDR`
 * is set: a `StoreSource` over an `OpenBaoStore` in the namespace from
 * `BAO_NAMESPACE` (or `VAULT_NAMESPACE`), authenticated with the token in
 * `BAO_TOKEN` (or `VAULT_TOKEN`).
 *
 * @module
 */
import { readEnvVar } from "../_internal/env.ts";
import type { PermissionDescriptor } from "../source.ts";
import { StoreSource } from "../sources/store.ts";
import { OpenBaoStore } from "../stores/openbao/mod.ts";
import {
  NAMESPACE_ENV_VARS,
  TOKEN_ENV_VARS,
} from "../stores/openbao/_env_vars.ts";
import type { SourcePlan } from "./source_plan.ts";
import { canReadEnv, optionalEnv } from "./env.ts";

/**
 * Plans the OpenBao source for an address. The store is built when the
 * source is opened, so a missing token is reported by `doctor` as a failing
 * source rather than stopping the whole chain.
 *
 * @param address The server address.
 * @param variable The variable it came from.
 * @param env The environment the store reads its namespace and token from.
 * @returns The plan.
 */
export function openBaoPlan(
  address: string,
  variable: string,
  env: Record<string, string | undefined>,
): SourcePlan {
  const url = parseAddress(address);
  const permissions: PermissionDescriptor[] = [
    { name: "env", variable },
    ...[...readUntilSet(NAMESPACE_ENV_VARS), ...readUntilSet(TOKEN_ENV_VARS)]
      .map((name): PermissionDescriptor => ({ name: "env", variable: name })),
    ...(url === undefined ? [] : [{ name: "net", host: url.host } as const]),
  ];
  return {
    kind: "openbao",
    name: url === undefined
      ? "openbao:(invalid address)"
      : `openbao:${url.origin}${url.pathname.replace(/\/+$/, "")}`,
    permissions,
    locate: (key) => {
      try {
        return new OpenBaoStore({ address, namespace: namespaceFrom(env), env })
          .locate(key);
      } catch {
        // Without a token (or a grant) the store cannot be built: its
        // default place, as the README gives it.
        return `${address.replace(/\/+$/, "")} secret/harmony/config/${key}`;
      }
    },
    open: () => {
      try {
        return Promise.resolve(
          new StoreSource(
            new OpenBaoStore({ address, namespace: namespaceFrom(env), env }),
          ),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/**
 * The namespace the `bao` CLI would use. Read through the guarded env, so
 * a variable that is set but not granted stops the store with a
 * `ConfigPermissionError` naming it, rather than reading the root namespace
 * by mistake.
 */
function namespaceFrom(env: Record<string, string | undefined>): string {
  for (const name of NAMESPACE_ENV_VARS) {
    const value = readEnvVar(env, name, "OpenBaoStore");
    if (value !== undefined) return value;
  }
  return "";
}

/**
 * The variables of `names` the store reads: each in turn until one is set
 * (an unreadable one counts as unset, so the next is needed too).
 */
function readUntilSet(names: readonly string[]): string[] {
  const read: string[] = [];
  for (const name of names) {
    read.push(name);
    if (canReadEnv(name) && optionalEnv(name) !== undefined) break;
  }
  return read;
}

function parseAddress(address: string): URL | undefined {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:"
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}
