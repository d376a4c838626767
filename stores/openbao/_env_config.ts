/**
 * How `OpenBaoStore`'s options and the environment become its settings: the
 * address (`OPENBAO_URL`, then `BAO_ADDR`, then `VAULT_ADDR`), the namespace
 * (`BAO_NAMESPACE`, then `VAULT_NAMESPACE`, when the address came from the
 * env too), the credentials (`BAO_TOKEN`,
 * then `VAULT_TOKEN`, unless a login is configured), the session file in the
 * data dir, the mount and prefix, and the env vars that were read, which
 * `permissions()` reports.
 *
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { ConfigSourceError } from "../../errors.ts";
import { readEnvVar } from "../../_internal/env.ts";
import { dataDir } from "../../paths.ts";
import { DATA_DIR_ENV_VARS } from "../../_internal/env.ts";
import type { OpenBaoAuth } from "./_auth.ts";
import {
  ADDRESS_ENV_VARS,
  NAMESPACE_ENV_VARS,
  TOKEN_ENV_VARS,
} from "./_env_vars.ts";

/** The options the settings come from (a subset of `OpenBaoStoreOptions`). */
export interface StoreSettingsInput {
  readonly address?: string;
  readonly mount?: string;
  readonly prefix?: string;
  readonly namespace?: string;
  readonly auth?: OpenBaoAuth;
  readonly env?: Record<string, string | undefined>;
  readonly sessionFile?: string | false;
}

/** A store's resolved settings. */
export interface StoreSettings {
  /** The server's base URL, without a trailing slash. */
  readonly address: string;
  /** `openbao:<address>`. */
  readonly name: string;
  /** The KV mount, without slashes around it. */
  readonly mount: string;
  /** The folder under the mount, without slashes around it. */
  readonly prefix: string;
  /** The namespace with a trailing slash, if any. */
  readonly namespace: string | undefined;
  /** The auth method, a static token resolved from the env. */
  readonly auth: OpenBaoAuth;
  /** The session cache file, when a login caches its session. */
  readonly sessionFile: string | undefined;
  /** The session cache entry's id: server, namespace and login identity. */
  readonly cacheId: string;
  /** The env vars that were read, in order. */
  readonly envVars: readonly string[];
}

/**
 * Resolves the settings, reading the env in this order: the address, the
 * namespace, the token, the data dir. Each list of variables is read until
 * one is set, and only what was read is reported.
 *
 * @throws {ConfigSourceError} When there is no address or no credentials.
 * @throws {ConfigPermissionError} When Deno denies reading the env vars.
 */
export function resolveStoreSettings(
  options: StoreSettingsInput,
): StoreSettings {
  const env = options.env ?? process.env;
  const envVars: string[] = [];
  const read = (names: readonly string[]): string | undefined => {
    for (const name of names) {
      envVars.push(name);
      const value = readEnvVar(env, name, "OpenBaoStore");
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const addressFromEnv = options.address === undefined;
  const address = validAddress(options.address ?? read(ADDRESS_ENV_VARS));
  const name = `openbao:${address}`;
  const mount = trimSlashes(options.mount ?? "secret");
  const prefix = trimSlashes(options.prefix ?? "harmony/config");
  // The namespace belongs to the server the env points at: it is read only
  // when the address came from the env too, so a program that names its
  // server in code needs no env access for it. An explicit namespace, even
  // "" (the root namespace), is never looked up.
  const rawNamespace = options.namespace ??
    (addressFromEnv ? read(NAMESPACE_ENV_VARS) : undefined);
  const namespace = rawNamespace && trimSlashes(rawNamespace) !== ""
    ? `${trimSlashes(rawNamespace)}/`
    : undefined;
  const auth = resolveAuth(options.auth, read, name);
  const logsIn = "appRole" in auth || "jwt" in auth;
  if (logsIn && options.sessionFile === undefined) {
    envVars.push(...DATA_DIR_ENV_VARS);
  }
  const sessionFile = logsIn && options.sessionFile !== false
    ? options.sessionFile ?? join(dataDir({ env }), "session.json")
    : undefined;
  return {
    address,
    name,
    mount,
    prefix,
    namespace,
    auth,
    sessionFile,
    cacheId: `${address}|${namespace ?? ""}|${loginIdentity(auth)}`,
    envVars,
  };
}

function validAddress(address: string | undefined): string {
  if (address === undefined) {
    throw new ConfigSourceError(
      "OpenBaoStore has no server address: set OPENBAO_URL (or BAO_ADDR, or VAULT_ADDR), or pass { address }",
      { source: "openbao" },
    );
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigSourceError(
      "OpenBaoStore's address is not an http(s) URL: set OPENBAO_URL (or BAO_ADDR) to a URL such as https://bao.example.com:8200",
      { source: "openbao" },
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function resolveAuth(
  auth: OpenBaoAuth | undefined,
  read: (names: readonly string[]) => string | undefined,
  source: string,
): OpenBaoAuth {
  if (auth !== undefined && ("appRole" in auth || "jwt" in auth)) return auth;
  const token = (auth as { token?: string } | undefined)?.token ??
    read(TOKEN_ENV_VARS);
  if (token === undefined || token === "") {
    throw new ConfigSourceError(
      `${source} has no credentials: set BAO_TOKEN (or VAULT_TOKEN), or pass auth: { appRole } or { jwt }`,
      { source },
    );
  }
  return { token };
}

function loginIdentity(auth: OpenBaoAuth): string {
  if ("appRole" in auth) {
    return `approle:${auth.appRole.mount ?? "approle"}:${auth.appRole.roleId}`;
  }
  if ("jwt" in auth) return `jwt:${auth.jwt.mount ?? "jwt"}:${auth.jwt.role}`;
  return "token";
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}
