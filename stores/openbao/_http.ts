/**
 * The HTTP layer of the OpenBao client: one logical request, bounded in
 * time, with OpenBao's headers, 307/308 redirects followed (with the token
 * and body) only to the configured origin or a host the caller allowed, a
 * bounded retry on 429, and every transport failure turned into a typed
 * error that names the server but never a token or a value.
 *
 * @module
 */
import {
  ConfigPermissionError,
  ConfigSourceError,
  SourceUnavailableError,
} from "../../errors.ts";
import {
  DEFAULT_MAX_VALUE_BYTES,
  formatSize,
} from "../../_internal/bounded_read.ts";
import { stringifyWithBigints } from "../../_internal/json_numbers.ts";
import { isPermissionDenied } from "../../_internal/runtime.ts";
import { delay, networkReason } from "../../_internal/net.ts";
import { type CredentialMask, maskedServerText } from "../_credential_mask.ts";
import { boundedText } from "../_response_text.ts";

/** The JSON envelope OpenBao answers with; unknown keys are ignored. */
export interface BaoEnvelope {
  readonly data?: unknown;
  readonly auth?: {
    readonly client_token?: unknown;
    readonly lease_duration?: unknown;
    readonly renewable?: unknown;
    readonly policies?: unknown;
    readonly token_policies?: unknown;
  } | null;
  readonly warnings?: unknown;
  readonly errors?: unknown;
}

/**
 * What a 403 turned out to mean, once the token keeper looked into it:
 * `denied` when the token is known to be alive (a policy denial), and
 * `unverified` when the token cannot look itself up (it lacks the `default`
 * policy), so the 403 is a policy denial or a dead token.
 */
export type ForbiddenCause = "denied" | "unverified";

/** What a request answered, after redirects and retries. */
export interface BaoResponse {
  /** The final HTTP status. */
  readonly status: number;
  /** The parsed JSON body, or `undefined` for an empty body. */
  readonly body: BaoEnvelope | undefined;
  /** On a 403 sent with the store's token: what it meant. */
  readonly forbidden?: ForbiddenCause;
}

/** Options for {@linkcode BaoHttp}. */
export interface BaoHttpOptions {
  /** The server's base URL, without a trailing slash. */
  readonly address: string;
  /** Sent as `X-Vault-Namespace` when set. */
  readonly namespace?: string | undefined;
  /** The bound on one logical request, redirects and retries included. */
  readonly timeoutMs: number;
  /**
   * Hosts besides the address's own origin that a 307/308 may lead to, such
   * as the other nodes of an HA cluster: `bao-2.example.com:8200` (that host
   * and port) or `bao-2.example.com` (any port). The scheme may never drop
   * from https to http.
   */
  readonly redirectHosts?: readonly string[] | undefined;
  /** The fetch implementation. */
  readonly fetch: typeof fetch;
  /** The locator used in errors, such as `openbao:http://127.0.0.1:8200`. */
  readonly source: string;
  /** The credentials to mask in anything the server sent that an error shows. */
  readonly mask: CredentialMask;
  /** The largest response body read, in bytes; default 16 MiB. */
  readonly maxBodyBytes?: number | undefined;
}

/** One request's inputs. */
export interface BaoRequest {
  /** The token; omitted for logins and health. */
  readonly token?: string | undefined;
  /** A JSON body. */
  readonly body?: unknown;
  /** The configuration key the request is for, named in errors. */
  readonly key?: string | undefined;
  /**
   * The deadline of the whole store operation this request is part of; the
   * request ends by the earlier of it and its own `timeoutMs`.
   */
  readonly deadline?: Deadline | undefined;
}

/**
 * The time one store operation (a `get()` with its lookup, login, mount
 * detection, retry after a dead token, …) may take, shared by all its
 * requests, so a slow server costs `timeoutMs` once rather than once per
 * request.
 */
export class Deadline {
  #at: number;

  /** @param ms The budget, from now. */
  constructor(ms: number) {
    this.#at = Date.now() + ms;
  }

  /** The deadline, in ms since the epoch (`Date.now()`). */
  get at(): number {
    return this.#at;
  }

  /**
   * Runs `wait` without charging its time to the budget: the time a person
   * takes to approve a device login is not the server's.
   */
  async excluding<T>(wait: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await wait();
    } finally {
      this.#at += Date.now() - started;
    }
  }
}

const MAX_REDIRECTS = 3;
const MAX_RATE_LIMIT_RETRIES = 3;

/** Sends requests to one OpenBao server. */
export class BaoHttp {
  readonly #options: BaoHttpOptions;
  /** How many HTTP requests were sent, for diagnostics and tests. */
  requestCount = 0;

  /** @param options The server, namespace, timeout and fetch to use. */
  constructor(options: BaoHttpOptions) {
    this.#options = options;
  }

  /**
   * Sends `method /v1/<path>` and returns the final status and body.
   *
   * @throws {SourceUnavailableError} When the server cannot be reached, times
   * out, is sealed, answers 5xx, or keeps answering 429.
   * @throws {ConfigPermissionError} When Deno denies network access.
   * @throws {ConfigSourceError} When the answer is not OpenBao's JSON.
   */
  async request(
    method: string,
    path: string,
    request: BaoRequest = {},
  ): Promise<BaoResponse> {
    const { address, timeoutMs } = this.#options;
    const deadline = Math.min(
      Date.now() + timeoutMs,
      request.deadline?.at ?? Infinity,
    );
    let url = `${address}/v1/${path}`;
    let redirects = 0;
    let rateLimited = 0;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw this.#unavailable(`timed out after ${timeoutMs} ms`, request.key);
      }
      const { status, headers, text } = await this.#send(
        method,
        url,
        request,
        remaining,
      );
      if (status === 307 || status === 308) {
        const location = headers.get("location");
        if (location === null || ++redirects > MAX_REDIRECTS) {
          throw this.#unavailable(
            `too many redirects (${status}) without reaching the active node`,
            request.key,
          );
        }
        url = this.#redirectTarget(location, url, request.key);
        continue;
      }
      if (status === 429) {
        const waitMs = retryAfterMs(headers.get("retry-after"));
        if (
          ++rateLimited > MAX_RATE_LIMIT_RETRIES ||
          waitMs >= deadline - Date.now()
        ) {
          throw this.#unavailable(
            `rate limited (429)${
              waitMs > 0 ? `, retry after ${Math.ceil(waitMs / 1000)} s` : ""
            }`,
            request.key,
          );
        }
        await delay(waitMs);
        continue;
      }
      const body = this.#parse(status, text, request.key);
      if (status === 503) {
        throw this.#unavailable(
          errorsOf(body).some((e) => /sealed/i.test(e))
            ? "sealed (503)"
            : "no active node or namespace sealed (503)",
          request.key,
        );
      }
      if (status >= 500) {
        throw this.#unavailable(`server error (${status})`, request.key);
      }
      if (status === 412) {
        throw new ConfigSourceError(
          `${this.#options.source} refused the request without X-Vault-Request (412): check the proxy or agent in front of OpenBao`,
          this.#errorOptions(request.key),
        );
      }
      return { status, body };
    }
  }

  /**
   * Where a redirect may go. The token and the body (a login's secret id or
   * JWT) are re-sent there, so only to the configured origin or an allowed
   * host, over http(s), and never from https down to http.
   */
  #redirectTarget(
    location: string,
    from: string,
    key: string | undefined,
  ): string {
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      throw new ConfigSourceError(
        `${this.#options.source} redirected to a Location that is not a URL: check the proxy or load balancer in front of OpenBao`,
        this.#errorOptions(key),
      );
    }
    const origin = new URL(this.#options.address);
    const previous = new URL(from);
    // The Location is the server's text: mask what is shown of it like an
    // error message (a scheme, too, can be any word, a credential included).
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      throw new ConfigSourceError(
        `${this.#options.source} redirected to a ${
          this.#options.mask.mask(target.protocol)
        } URL, which is never followed: check the proxy or load balancer in front of OpenBao`,
        this.#errorOptions(key),
      );
    }
    const host = this.#options.mask.mask(target.host);
    if (previous.protocol === "https:" && target.protocol === "http:") {
      throw new ConfigSourceError(
        `${this.#options.source} redirected from https to http://${host}, which would send the token in clear: configure the cluster's api_addr with https`,
        this.#errorOptions(key),
      );
    }
    if (target.origin === origin.origin) return target.href;
    const allowed = (this.#options.redirectHosts ?? []).some((host) => {
      const wanted = host.toLowerCase();
      return wanted === target.host || wanted === target.hostname;
    });
    if (!allowed) {
      throw new ConfigSourceError(
        `${this.#options.source} redirected to ${host}, which is not the configured server, so the token was not sent there: if it is another node of the cluster, pass redirectHosts: ["${host}"] to OpenBaoStore (or point the address at the active node)`,
        this.#errorOptions(key),
      );
    }
    return target.href;
  }

  async #send(
    method: string,
    url: string,
    request: BaoRequest,
    remainingMs: number,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (request.token !== undefined) headers["X-Vault-Token"] = request.token;
    if (this.#options.namespace) {
      headers["X-Vault-Namespace"] = this.#options.namespace;
    }
    if (request.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const signal = AbortSignal.timeout(remainingMs);
    const limit = this.#options.maxBodyBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.requestCount++;
    try {
      const response = await this.#options.fetch(url, {
        method,
        headers,
        redirect: "manual",
        signal,
        ...(request.body === undefined
          ? {}
          : { body: stringifyWithBigints(request.body) ?? "null" }),
      });
      // Always drain the body (an unread body holds the connection open),
      // but never past the cap: an endless body stops there.
      const text = await boundedText(response, limit);
      if (text !== undefined) {
        return { status: response.status, headers: response.headers, text };
      }
    } catch (error) {
      if (isPermissionDenied(error)) {
        const host = new URL(url).host;
        throw new ConfigPermissionError(
          this.#options.source,
          `network access to ${host}`,
          `--allow-net=${host}`,
          request.key === undefined ? {} : { key: request.key },
        );
      }
      if (signal.aborted) {
        throw this.#unavailable(
          `timed out after ${this.#options.timeoutMs} ms`,
          request.key,
        );
      }
      throw this.#unavailable(networkReason(error), request.key);
    }
    throw new ConfigSourceError(
      `${this.#options.source} answered with a body larger than ${
        formatSize(limit)
      }, so it was not read: check that the address points at OpenBao and not at a proxy that streams something else`,
      this.#errorOptions(request.key),
    );
  }

  #parse(
    status: number,
    text: string,
    key: string | undefined,
  ): BaoEnvelope | undefined {
    if (text.trim() === "") return undefined;
    try {
      const parsed = JSON.parse(text);
      if (
        typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ) return parsed;
    } catch {
      // Reported below; the text is never quoted, it could hold anything.
    }
    if (status >= 500) return undefined;
    throw new ConfigSourceError(
      `${this.#options.source} answered ${status} with a body that is not OpenBao's JSON: check that the address points at OpenBao`,
      this.#errorOptions(key),
    );
  }

  #unavailable(
    reason: string,
    key: string | undefined,
  ): SourceUnavailableError {
    return new SourceUnavailableError(
      this.#options.source,
      reason,
      key === undefined ? {} : { key },
    );
  }

  #errorOptions(key: string | undefined): { source: string; key?: string } {
    return {
      source: this.#options.source,
      ...(key === undefined ? {} : { key }),
    };
  }
}

/** The `errors` strings of an envelope. */
export function errorsOf(body: BaoEnvelope | undefined): string[] {
  const errors = body?.errors;
  return Array.isArray(errors)
    ? errors.filter((e): e is string => typeof e === "string")
    : [];
}

/**
 * The server's error text, safe to show: every credential the client holds
 * or sent is masked (OpenBao's AppRole login can echo the secret id, a
 * proxy can echo a header), and so is anything shaped like a JWT or an
 * OpenBao token; whitespace is collapsed and the length capped.
 */
export function serverMessage(
  body: BaoEnvelope | undefined,
  mask: CredentialMask,
): string {
  return maskedServerText(errorsOf(body).join("; "), mask);
}

function retryAfterMs(header: string | null): number {
  if (header === null) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}
