/**
 * Reads the claims of a JWT (an OIDC ID token) without checking its
 * signature: that is OpenBao's job, against the provider's JWKS. The client
 * reads `iss`, `aud` and `exp` only to catch a misconfigured client early.
 *
 * @module
 */

/** The payload of `jwt` as an object, or `undefined` when it is not a JWT. */
export function decodeClaims(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null
      ? claims as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}
