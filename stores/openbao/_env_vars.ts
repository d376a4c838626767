/**
 * The environment variables an OpenBao client reads, each list in the order
 * it is read: the first one set wins. One place for the store and the CLI.
 *
 * - Address: Harmony's own `OPENBAO_URL` (what Harmony's Rust tools read)
 *   first, then OpenBao's CLI variable `BAO_ADDR`, then Vault's
 *   `VAULT_ADDR`. OpenBao's own client reads `BAO_ADDR` and falls back to
 *   `VAULT_ADDR` (`api/env.go`, `ReadBaoVariable`).
 * - Namespace: `BAO_NAMESPACE`, then `VAULT_NAMESPACE`, as `ReadBaoVariable`.
 * - Token: `BAO_TOKEN`, then `VAULT_TOKEN`, as `ReadBaoVariable`.
 *
 * An empty variable counts as unset.
 *
 * @module
 */

/** Where the server address comes from, in order. */
export const ADDRESS_ENV_VARS: readonly string[] = [
  "OPENBAO_URL",
  "BAO_ADDR",
  "VAULT_ADDR",
];

/** Where the namespace comes from, in order. */
export const NAMESPACE_ENV_VARS: readonly string[] = [
  "BAO_NAMESPACE",
  "VAULT_NAMESPACE",
];

/** Where a static token comes from, in order. */
export const TOKEN_ENV_VARS: readonly string[] = ["BAO_TOKEN", "VAULT_TOKEN"];
