/**
 * The ID token an OpenBao JWT login sends, kept in memory for one store:
 * reused while it has more than 30 s left, else refreshed with the refresh
 * token, else obtained by a new device login (also when the provider refuses
 * the refresh token).
 *
 * @module
 */
import { LoginError } from "../../errors.ts";
import type { OidcTokenSet } from "./_oidc_client.ts";

/** Refresh the ID token when it has less than this left. */
const ID_TOKEN_MARGIN_MS = 30_000;

/** Options for {@linkcode idTokenSource}. */
export interface IdTokenSourceOptions {
  /** The clock, in ms since the epoch. */
  readonly now: () => number;
  /** Trades a refresh token for new tokens. */
  readonly refresh: (refreshToken: string) => Promise<OidcTokenSet>;
  /** Logs in from scratch (a device login). */
  readonly login: () => Promise<OidcTokenSet>;
}

/** Returns the function that yields a usable ID token each time it is called. */
export function idTokenSource(
  options: IdTokenSourceOptions,
): () => Promise<string> {
  const { now, refresh, login } = options;
  let tokens: OidcTokenSet | undefined;

  return async (): Promise<string> => {
    if (tokens && tokens.expiresAt - ID_TOKEN_MARGIN_MS > now()) {
      return tokens.idToken;
    }
    if (tokens?.refreshToken) {
      try {
        tokens = await refresh(tokens.refreshToken);
        return tokens.idToken;
      } catch (error) {
        // A refused refresh token only means a new device login is due.
        if (!(error instanceof LoginError)) throw error;
        tokens = undefined;
      }
    }
    tokens = await login();
    return tokens.idToken;
  };
}
