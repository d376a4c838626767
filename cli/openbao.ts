/**
 * OpenBao in the CLI's chain, when `OPENBAO_URL` or `VAULT_ADDR` is set.
 *
 * @module
 */
import { ConfigSourceError } from "../errors.ts";
import type { SourcePlan } from "./chain.ts";

/**
 * Plans the OpenBao source for an address.
 *
 * @param address The server address.
 * @param variable The variable it came from.
 * @returns The plan.
 */
export function openBaoPlan(address: string, variable: string): SourcePlan {
  const url = new URL(address);
  const name = `openbao:${url.origin}`;
  return {
    kind: "openbao",
    name,
    permissions: [
      { name: "env", variable },
      { name: "net", host: url.host },
    ],
    open: () =>
      Promise.reject(
        new ConfigSourceError(
          `${name} (from ${variable}) is not supported by this build yet: unset ${variable}`,
          { source: name },
        ),
      ),
  };
}
