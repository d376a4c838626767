/**
 * Network helpers shared by the OpenBao and OIDC clients: a plain delay, and
 * a short, value-free reason for a failed connection.
 *
 * @module
 */

/** Waits `ms` (nothing for 0 or less). */
export function delay(ms: number): Promise<void> {
  return ms <= 0
    ? Promise.resolve()
    : new Promise((resolve) => setTimeout(resolve, ms));
}

/** A short reason for a failed connection, from Deno's or Node's error. */
export function networkReason(error: unknown): string {
  const cause =
    (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === "string"
    ? cause.code
    : typeof (error as { code?: unknown } | null)?.code === "string"
    ? (error as { code: string }).code
    : undefined;
  const text = `${code ?? ""} ${(error as Error | null)?.message ?? ""} ${
    typeof cause?.message === "string" ? cause.message : ""
  }`;
  if (/ECONNREFUSED|refused/i.test(text)) return "connection refused";
  if (/ENOTFOUND|EAI_AGAIN|dns|failed to lookup|name resolution/i.test(text)) {
    return "host not found";
  }
  if (
    /ECONNRESET|reset|socket hang up|closed|EPIPE|UND_ERR_SOCKET/i.test(text)
  ) return "connection closed by the server";
  if (/certificate|tls|ssl/i.test(text)) return "TLS error";
  return `network error${code ? ` (${code})` : ""}`;
}
