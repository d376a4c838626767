/**
 * Private: an HTTP response's body as text, read with a cap, for the
 * stores' clients (OpenBao's and the OIDC provider's), so a server or a
 * proxy that streams forever costs at most the cap.
 *
 * @module
 */
import { readAtMost, utf8Text } from "../_internal/bounded_read.ts";

/**
 * The body as text, or `undefined` (and the body cancelled) when it is
 * larger than `limit`: a `Content-Length` says so before anything is read.
 */
export async function boundedText(
  response: Response,
  limit: number,
): Promise<string | undefined> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > limit || response.body === null) {
    await response.body?.cancel();
    return declared > limit ? undefined : "";
  }
  const bytes = await readAtMost(response.body, limit);
  return bytes === undefined ? undefined : utf8Text(bytes);
}
