/**
 * A minimal OIDC issuer for OpenBao JWT-login tests: it serves a discovery
 * document and a real JWKS over HTTP on 127.0.0.1, and signs ID tokens with
 * the matching private key (RS256, via `jose`). The device flow itself is
 * tested against the real `oidc-provider` elsewhere.
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** A running issuer. */
export interface JwtIssuer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, with no trailing slash, as Zitadel's `iss`. */
  readonly issuer: string;
  /** Signs a JWT with `iss` set; `iat`/`exp` default to `now` and `now + 1 h`. */
  sign(
    claims: JWTPayload,
    options?: { nowMs?: number; expiresInSeconds?: number },
  ): Promise<string>;
  close(): Promise<void>;
}

/** Starts an issuer with a fresh RSA key. */
export async function startJwtIssuer(): Promise<JwtIssuer> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", {
    extractable: true,
  });
  const jwk = {
    ...(await exportJWK(publicKey)),
    kid: "k1",
    alg: "RS256",
    use: "sig",
  };
  let issuer = "";
  const server = createServer((req, res) => {
    const body = req.url === "/.well-known/openid-configuration"
      ? {
        issuer,
        jwks_uri: `${issuer}/keys`,
        id_token_signing_alg_values_supported: ["RS256"],
      }
      : req.url === "/keys"
      ? { keys: [jwk] }
      : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(
      JSON.stringify(body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    issuer,
    async sign(claims, options = {}): Promise<string> {
      const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
      return await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(issuer)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + (options.expiresInSeconds ?? 3600))
        .sign(privateKey);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
