/**
 * OpenBao in the CLI's chain, when `OPENBAO_URL` or `VAULT_ADDR` is set:
 * a `StoreSource` over an `OpenBaoStore` that authenticates with the token
 * in `BAO_TOKEN` (or `VAULT_TOKEN`).
 *
 * @module
 */
import type { PermissionDescriptor } from "../source.ts";
import { StoreSource } from "../sources/store.ts";
import { OpenBaoStore } from "../stores/openbao/mod.ts";
import type { SourcePlan } from "./source_plan.ts";
import { canReadEnv, optionalEnv } from "./env.ts";

/**
 * Plans the OpenBao source for an address. The store is built when the
 * source is opened, so a missing token is reported by `doctor` as a failing
 * source rather than stopping the whole chain.
 *
 * @param address The server address.
 * @param variable The variable it came from.
 * @param env The environment the store reads its token from.
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
    ...tokenVariables().map((name): PermissionDescriptor => ({
      name: "env",
      variable: name,
    })),
    ...(url === undefined ? [] : [{ name: "net", host: url.host } as const]),
  ];
  return {
    kind: "openbao",
    name: url === undefined
      ? "openbao:(invalid address)"
      : `openbao:${url.origin}${url.pathname.replace(/\/+$/, "")}`,
    permissions,
    open: () => {
      try {
        return Promise.resolve(
          new StoreSource(new OpenBaoStore({ address, env })),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** The token variables the store reads: `BAO_TOKEN`, then `VAULT_TOKEN` when that is unset. */
function tokenVariables(): string[] {
  const baoTokenSet = canReadEnv("BAO_TOKEN") &&
    optionalEnv("BAO_TOKEN") !== undefined;
  return baoTokenSet ? ["BAO_TOKEN"] : ["BAO_TOKEN", "VAULT_TOKEN"];
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
