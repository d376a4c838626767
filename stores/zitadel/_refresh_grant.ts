/**
 * The OAuth 2.0 refresh token grant: a fresh ID token for a refresh token,
 * without asking the user. A provider that does not rotate refresh tokens
 * leaves the one passed in valid.
 *
 * A refused refresh token means "log in again", whichever code says so:
 * RFC 6749 §5.2 names `invalid_grant`, but Zitadel answers an expired,
 * revoked or rotated-away refresh token with 400 `invalid_request`
 * (description `Errors.OIDCSession.RefreshTokenInvalid`; zitadel
 * `internal/api/oidc/error.go`, `oidcError`, maps every Zitadel error below
 * 500 to `invalid_request`).
 *
 * @module
 */
import {
  type ErrorFixes,
  OidcClient,
  type OidcClientSettings,
  type OidcTokenSet,
} from "./_oidc_client.ts";

/** Options for {@linkcode runRefreshGrant} (the public `RefreshLoginOptions`). */
export interface RefreshGrantOptions extends OidcClientSettings {
  /** The refresh token from an earlier login. */
  readonly refreshToken: string;
}

const LOG_IN_AGAIN =
  "the provider refused the refresh token (expired, revoked or already used): log in again";

/** Both codes a provider refuses a refresh token with. */
const REFRESH_FIXES: ErrorFixes = {
  invalid_grant: LOG_IN_AGAIN,
  invalid_request: LOG_IN_AGAIN,
};

/**
 * Trades the refresh token for new tokens.
 *
 * @throws {LoginError} When the provider refuses the refresh token
 * (`invalid_grant`, or Zitadel's `invalid_request`): log in again.
 */
export async function runRefreshGrant(
  options: RefreshGrantOptions,
): Promise<OidcTokenSet> {
  const client = new OidcClient(options);
  client.mask.add(options.refreshToken);
  const endpoints = await client.discover();
  const answer = await client.post(endpoints.token, {
    grant_type: "refresh_token",
    refresh_token: options.refreshToken,
    client_id: options.clientId,
  });
  if (answer.status !== 200) throw client.errorFrom(answer, REFRESH_FIXES);
  const tokens = client.tokensFrom(answer.body);
  return tokens.refreshToken
    ? tokens
    : { ...tokens, refreshToken: options.refreshToken };
}
