/**
 * The OAuth 2.0 device authorization grant (RFC 8628): ask the provider for
 * a device code, show the user where to enter it, and poll the token
 * endpoint at the provider's interval, slowing down when told and backing
 * off while the provider fails, until the user approves, denies, or the
 * code expires.
 *
 * @module
 */
import { SourceUnavailableError } from "../../errors.ts";
import { delay } from "../../_internal/net.ts";
import { type DeviceCodePrompt, promptOnStderr } from "./_device_prompt.ts";
import { withoutControls } from "../_credential_mask.ts";
import {
  type HttpAnswer,
  numberField,
  OidcClient,
  type OidcClientSettings,
  type OidcTokenSet,
  stringField,
} from "./_oidc_client.ts";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** RFC 8628 §3.5: the interval when the server names none, and the slow_down step. */
const DEFAULT_INTERVAL_MS = 5_000;
const SLOW_DOWN_STEP_MS = 5_000;
/** The longest wait between polls while the provider fails (RFC 8628 §3.5 back-off). */
const MAX_BACKOFF_MS = 60_000;

/** Options for {@linkcode runDeviceGrant} (the public `DeviceLoginOptions`, scopes resolved). */
export interface DeviceGrantOptions extends OidcClientSettings {
  /** The scopes to ask for. */
  readonly scopes: readonly string[];
  /** Shows the URI and the code to the user; defaults to writing to stderr. */
  readonly onPrompt?:
    | ((prompt: DeviceCodePrompt) => void | Promise<void>)
    | undefined;
  /** Waits between polls; defaults to a timer. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * Runs the device flow to its end and returns the tokens.
 *
 * @throws {LoginError} When the user denies, the code expires, or the
 * provider's answers are unusable.
 * @throws {SourceUnavailableError} When the provider cannot be reached
 * before the user is asked, or keeps failing until the code expires.
 */
export async function runDeviceGrant(
  options: DeviceGrantOptions,
): Promise<OidcTokenSet> {
  const client = new OidcClient(options);
  const endpoints = await client.discover();
  if (!endpoints.deviceAuthorization) {
    throw client.loginError(
      "unsupported_grant_type",
      "discovery lists no device_authorization_endpoint: enable the device authorization grant on the provider",
    );
  }
  const started = await client.post(endpoints.deviceAuthorization, {
    client_id: options.clientId,
    scope: options.scopes.join(" "),
  });
  if (started.status !== 200) throw client.errorFrom(started);
  const deviceCode = stringField(started.body, "device_code");
  const userCode = stringField(started.body, "user_code");
  const verificationUri = stringField(started.body, "verification_uri");
  const expiresIn = numberField(started.body, "expires_in");
  if (!deviceCode || !userCode || !verificationUri || expiresIn === undefined) {
    throw client.loginError(
      "invalid_response",
      "the device authorization answer lacks device_code, user_code, verification_uri or expires_in: check the issuer URL",
    );
  }
  // The device code buys the tokens once the user approves: it is a
  // credential, masked in everything shown, the prompt included. What the
  // prompt shows is drawn on a terminal: no control character of the
  // provider's (an escape sequence) reaches it.
  client.mask.add(deviceCode);
  const shown = (text: string): string =>
    withoutControls(client.mask.mask(text));
  const now = options.now ?? Date.now;
  const expiresAt = now() + expiresIn * 1000;
  const onPrompt = options.onPrompt ??
    ((prompt: DeviceCodePrompt) => promptOnStderr(prompt, expiresIn));
  const complete = stringField(started.body, "verification_uri_complete");
  await onPrompt({
    verificationUri: shown(verificationUri),
    ...(complete ? { verificationUriComplete: shown(complete) } : {}),
    userCode: withoutControls(userCode),
    expiresAt,
  });

  const sleep = options.sleep ?? delay;
  let intervalMs = (numberField(started.body, "interval") ?? 0) * 1000 ||
    DEFAULT_INTERVAL_MS;
  let failures = 0;
  let outage: SourceUnavailableError | undefined;
  while (true) {
    await sleep(
      failures === 0 ? intervalMs : Math.max(
        0,
        Math.min(
          intervalMs * 2 ** failures,
          MAX_BACKOFF_MS,
          expiresAt - now(),
        ),
      ),
    );
    // RFC 8628 §3.5: stop polling once the code has expired, whatever the
    // server would say.
    if (now() >= expiresAt) {
      if (outage === undefined) throw client.expired();
      throw new SourceUnavailableError(
        outage.source ?? options.issuer,
        `${outage.reason}, until the device code expired`,
        { cause: outage },
      );
    }
    let answer: HttpAnswer;
    try {
      answer = await client.post(endpoints.token, {
        grant_type: DEVICE_GRANT,
        device_code: deviceCode,
        client_id: options.clientId,
      });
    } catch (error) {
      // RFC 8628 §3.5: back off on a timeout or a server error and keep
      // polling; the user may already have approved, and stopping now
      // would throw that approval away.
      if (!(error instanceof SourceUnavailableError)) throw error;
      failures++;
      outage = error;
      continue;
    }
    failures = 0;
    outage = undefined;
    if (answer.status === 200) return client.tokensFrom(answer.body);
    const error = stringField(answer.body, "error");
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      intervalMs += SLOW_DOWN_STEP_MS;
      continue;
    }
    if (error === "expired_token") throw client.expired();
    throw client.errorFrom(answer);
  }
}
