/**
 * The OAuth 2.0 refresh token grant: a fresh ID token for a refresh token,
 * without asking the user. A provider that does not rotate refresh tokens
 * leaves the one passed in valid.
 *
 * @module
 */
import {
  OidcClient,
  type OidcClientSettings,
  type OidcTokenSet,
} from "./_oidc_client.ts";

/** Options for {@linkcode runRefreshGrant} (the public `RefreshLoginOptions`). */
export interface RefreshGrantOptions extends OidcClientSettings {
  /** The refresh token from an earlier login. */
  readonly refreshToken: string;
}

/**
 * Trades the refresh token for new tokens.
 *
 * @throws {LoginError} When the provider refuses the refresh token.
 */
export async function runRefreshGrant(
  options: RefreshGrantOptions,
): Promise<OidcTokenSet> {
  const client = new OidcClient(options);
  const endpoints = await client.discover();
  const answer = await client.post(endpoints.token, {
    grant_type: "refresh_token",
    refresh_token: options.refreshToken,
    client_id: options.clientId,
  });
  if (answer.status !== 200) throw client.errorFrom(answer);
  const tokens = client.tokensFrom(answer.body);
  return tokens.refreshToken
    ? tokens
    : { ...tokens, refreshToken: options.refreshToken };
}
