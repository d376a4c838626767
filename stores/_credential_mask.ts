/**
 * Masks credentials in text that came from a server before it is shown in
 * an error, `explain()` or a prompt.
 *
 * A server, or a proxy in front of it, may echo what the client sent:
 * OpenBao's AppRole login can answer `invalid secret_id "<the secret id>"`
 * (`approle/path_login.go`), and a proxy may quote a header. So the mask
 * holds every credential the client holds or sent (tokens of any shape,
 * AppRole role and secret ids, JWTs, refresh tokens, device codes, access
 * and ID tokens) and replaces each, as written, JSON-escaped or
 * percent-encoded, with `<redacted>`. Credentials of fewer than 8
 * characters are replaced only where they stand alone (between characters
 * that are not letters or digits), so that a short dev token such as `root`
 * does not garble the words around it. Anything shaped like a JWT or an
 * OpenBao token is masked too, held or not.
 *
 * @module
 */
import { REDACTED } from "../secret.ts";

/** Below this length a credential is masked only where it stands alone. */
const WHOLE_WORD_BELOW = 8;

/** The credentials one client holds or sent, and the rule that hides them. */
export class CredentialMask {
  readonly #credentials = new Set<string>();

  /** Remembers credentials; empty and missing values are ignored. */
  add(...credentials: readonly (string | undefined)[]): void {
    for (const credential of credentials) {
      if (credential === undefined || credential.trim() === "") continue;
      for (const form of forms(credential)) this.#credentials.add(form);
    }
  }

  /**
   * A copy that also masks `values`: what one request sent besides
   * credentials (the value a write carries), which a proxy may echo too.
   */
  including(values: readonly string[]): CredentialMask {
    const copy = new CredentialMask();
    for (const known of this.#credentials) copy.#credentials.add(known);
    copy.add(...values);
    return copy;
  }

  /** `text` with every credential, JWT and OpenBao-shaped token replaced by `<redacted>`. */
  mask(text: string): string {
    let masked = text;
    // Longest first, so a credential that contains another goes whole.
    const known = [...this.#credentials].sort((a, b) => b.length - a.length);
    for (const credential of known) {
      masked = credential.length >= WHOLE_WORD_BELOW
        ? masked.replaceAll(credential, REDACTED)
        : masked.replace(
          new RegExp(
            `(?<![A-Za-z0-9])${escapeRegExp(credential)}(?![A-Za-z0-9])`,
            "g",
          ),
          REDACTED,
        );
    }
    return masked
      .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, REDACTED)
      .replace(/\b(?:hv[sbr]|s|b|r)\.[A-Za-z0-9_-]{8,}/g, REDACTED);
  }
}

/**
 * Server text safe to show: masked, control characters replaced by `?`
 * (drawn raw, an escape sequence from a server or proxy would be a command
 * to the terminal that shows the error), whitespace collapsed, at most 200
 * characters.
 */
export function maskedServerText(text: string, mask: CredentialMask): string {
  const shown = withoutControls(mask.mask(text).replace(/\s+/g, " ")).trim();
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/**
 * `text` with each C0 and C1 control character (and DEL) replaced by `?`:
 * for server text that must be shown whole (a URL to open), where
 * {@linkcode maskedServerText} would shorten it.
 */
export function withoutControls(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? "?" : char;
  }
  return out;
}

/** The ways a credential may be written back: as it is, JSON-escaped, percent-encoded. */
function forms(credential: string): string[] {
  const all = [
    credential,
    JSON.stringify(credential).slice(1, -1),
    encodeURIComponent(credential),
  ];
  return [...new Set(all)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
