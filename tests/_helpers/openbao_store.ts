/** The OpenBaoStore the OpenBao tests build, and how they read an error. */
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
