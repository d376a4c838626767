/**
 * A real OpenID Connect provider for tests: the npm `oidc-provider` with the
 * device authorization grant (RFC 8628), a native public client, and an RSA
 * signing key generated at startup. It stands in for Zitadel.
 *
 * The user side of the device flow (`approve`, `deny`) goes through the
 * provider's own HTTP pages, as a browser would: the verification page, the
 * user-code form with its xsrf token, the confirmation form, then the login
 * and consent interactions, with a cookie jar and manual redirects.
 *
 * @module
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** Options for {@linkcode startOidcProvider}. */
export interface OidcProviderOptions {
  /** The native client's id. Default `harmony-cli`. */
  clientId?: string;
  /** Lifetime of a device code in seconds (the provider's minimum is 1). Default 600. */
  deviceCodeTtlSeconds?: number;
  /** Lifetime of ID tokens in seconds. Default 3600. */
  idTokenTtlSeconds?: number;
  /**
   * Answer the first this many token requests with 400 `slow_down`, as a
   * rate-limiting IdP such as Zitadel does, before the provider answers.
   */
  slowDownPolls?: number;
}

/** Options for {@linkcode OidcProvider.approve}. */
export interface ApproveOptions {
  /** The subject to log in as. Default `user-1`. */
  sub?: string;
}

/** A running provider. */
export interface OidcProvider extends AsyncDisposable {
  /** The issuer URL, `http://127.0.0.1:<port>`, with no trailing slash. */
  readonly issuer: string;
  /** The native public client's id; ID tokens carry it in `aud`. */
  readonly clientId: string;
  /** Approves `userCode` as `sub` through the provider's HTTP pages. */
  approve(userCode: string, options?: ApproveOptions): Promise<void>;
  /** Aborts `userCode` through the confirmation page; polls then get `access_denied`. */
  deny(userCode: string): Promise<void>;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** Starts a provider on 127.0.0.1 on a free port. */
export async function startOidcProvider(
  options: OidcProviderOptions = {},
): Promise<OidcProvider> {
  const clientId = options.clientId ?? "harmony-cli";
  // Listen first: the issuer URL needs the port the OS picks.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: "jwk" }),
    kid: randomBytes(8).toString("hex"),
    alg: "RS256",
    use: "sig",
  };

  const provider = quietly(() =>
    new Provider(issuer, {
      clients: [{
        client_id: clientId,
        client_name: "Harmony CLI",
        application_type: "native",
        token_endpoint_auth_method: "none",
        grant_types: [DEVICE_GRANT, "refresh_token"],
        response_types: [],
        redirect_uris: [],
      }],
      jwks: { keys: [signingKey] },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      scopes: ["openid", "profile", "offline_access"],
      claims: { openid: ["sub"], profile: ["name"] },
      findAccount: (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: () => ({ sub, name: `Test user ${sub}` }),
      }),
      ttl: {
        DeviceCode: options.deviceCodeTtlSeconds ?? 600,
        IdToken: options.idTokenTtlSeconds ?? 3600,
        AccessToken: 3600,
        RefreshToken: 86400,
        Grant: 86400,
        Session: 86400,
        Interaction: 600,
      },
      features: {
        deviceFlow: {
          enabled: true,
          // Plain pages without the defaults' remote font import; the forms
          // themselves are the provider's own (xsrf included).
          userCodeInputSource: (
            ctx: { body: string },
            form: string,
            _out: unknown,
            err: unknown,
          ) => {
            const name = (err as { name?: string } | undefined)?.name;
            ctx.body = page(
              "Sign-in",
              name ? `<p class="error">${name}</p>${form}` : form,
            );
          },
          userCodeConfirmSource: (ctx: { body: string }, form: string) => {
            ctx.body = page("Confirm device", form);
          },
          successSource: (ctx: { body: string }) => {
            ctx.body = page("Sign-in success", "<p>device-flow-success</p>");
          },
        },
        // The provider's built-in login and consent pages at /interaction/:uid.
        devInteractions: { enabled: true },
        revocation: { enabled: true },
      },
    })
  );

  let slowDownLeft = options.slowDownPolls ?? 0;
  if (slowDownLeft > 0) {
    // Only device polls reach /token while slow_down answers are pending
    // (tests ask for them before any refresh), so the body is not inspected.
    provider.use(
      async (
        ctx: {
          path: string;
          method: string;
          status: number;
          body: unknown;
          set(name: string, value: string): void;
        },
        next: () => Promise<void>,
      ) => {
        if (
          ctx.method === "POST" && ctx.path === "/token" && slowDownLeft > 0
        ) {
          slowDownLeft--;
          ctx.status = 400;
          ctx.set("Cache-Control", "no-store");
          ctx.body = {
            error: "slow_down",
            error_description: "polling too fast",
          };
          return;
        }
        await next();
      },
    );
  }

  server.on("request", provider.callback());
  let closed = false;

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };

  return {
    issuer,
    clientId,
    approve: (userCode, approveOptions = {}) =>
      approveThroughPages(issuer, userCode, approveOptions.sub ?? "user-1"),
    deny: (userCode) => denyThroughPages(issuer, userCode),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Runs `build` without the provider's two construction-time warnings about
 * its in-memory adapter and built-in login pages: exactly what a test IdP
 * wants, and printed once per instance otherwise.
 */
function quietly<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).includes("quick start development-only")) return;
    warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

// --- A tiny browser: cookie jar, manual redirects, form scraping. ---------

interface Cookie {
  value: string;
  path: string;
}

class Browser {
  readonly #cookies = new Map<string, Cookie>();

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ url: string; status: number; body: string }> {
    let target = new URL(url);
    let method = init.method ?? "GET";
    let body: string | undefined = init.form
      ? new URLSearchParams(init.form).toString()
      : undefined;
    for (let hop = 0; hop < 20; hop++) {
      const headers: Record<string, string> = { accept: "text/html" };
      const cookie = this.#cookieHeader(target.pathname);
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) {
        headers["content-type"] = "application/x-www-form-urlencoded";
      }
      const response = await fetch(target, {
        method,
        headers,
        redirect: "manual",
        ...(body === undefined ? {} : { body }),
      });
      this.#store(response.headers.getSetCookie(), target.pathname);
      const text = await response.text();
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        target = new URL(location, target);
        method = "GET";
        body = undefined;
        continue;
      }
      return { url: target.href, status: response.status, body: text };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  #cookieHeader(path: string): string {
    return [...this.#cookies]
      .filter(([, cookie]) => path.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
  }

  #store(setCookies: string[], requestPath: string): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = requestPath;
      let expired = value === "";
      for (const attribute of attributes) {
        const [key = "", val = ""] = attribute.split("=");
        if (key.toLowerCase() === "path") path = val;
        if (key.toLowerCase() === "expires" && Date.parse(val) <= Date.now()) {
          expired = true;
        }
        if (key.toLowerCase() === "max-age" && Number(val) <= 0) expired = true;
      }
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }
}

/** The action and hidden inputs of the first form in `html`. */
function scrapeForm(
  html: string,
  base: string,
): { action: string; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(
    html,
  );
  if (!form) throw new Error(`no form on the page at ${base}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined && /type="hidden"/.test(tag)) {
      fields[name] = decodeEntities(value ?? "");
    }
  }
  return { action: new URL(decodeEntities(form[1]!), base).href, fields };
}

function decodeEntities(text: string): string {
  return text.replaceAll("&amp;", "&").replaceAll("&quot;", '"')
    .replaceAll("&#x2F;", "/").replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<").replaceAll("&gt;", ">");
}

/** Enters `userCode` on the verification page and returns the confirm form. */
async function enterUserCode(
  browser: Browser,
  issuer: string,
  userCode: string,
): Promise<{ action: string; fields: Record<string, string> }> {
  // verification_uri of the provider's device authorization responses.
  const input = await browser.request(`${issuer}/device`);
  const inputForm = scrapeForm(input.body, input.url);
  const confirm = await browser.request(inputForm.action, {
    method: "POST",
    form: { ...inputForm.fields, user_code: userCode },
  });
  if (!/name="confirm"/.test(confirm.body)) {
    throw new Error(
      `the provider did not accept user code ${userCode} (HTTP ${confirm.status})`,
    );
  }
  return scrapeForm(confirm.body, confirm.url);
}

async function approveThroughPages(
  issuer: string,
  userCode: string,
  sub: string,
): Promise<void> {
  const browser = new Browser();
  const confirmForm = await enterUserCode(browser, issuer, userCode);
  let current = await browser.request(confirmForm.action, {
    method: "POST",
    form: confirmForm.fields,
  });
  // Login, then consent, each a page at /interaction/:uid whose form posts
  // back to the provider, which redirects through the device resume route.
  for (let step = 0; step < 5; step++) {
    if (current.body.includes("device-flow-success")) return;
    const form = scrapeForm(current.body, current.url);
    const prompt = form.fields.prompt;
    if (prompt === "login") {
      current = await browser.request(form.action, {
        method: "POST",
        form: { ...form.fields, login: sub, password: "any" },
      });
    } else if (prompt === "consent") {
      current = await browser.request(form.action, {
        method: "POST",
        form: form.fields,
      });
    } else {
      throw new Error(
        `unexpected page at ${current.url} (HTTP ${current.status})`,
      );
    }
  }
  throw new Error(`approval of ${userCode} did not reach the success page`);
}

async function denyThroughPages(
  issuer: string,
  userCode: string,
): Promise<void> {
  const browser = new Browser();
  const confirmForm = await enterUserCode(browser, issuer, userCode);
  const { confirm: _confirm, ...fields } = confirmForm.fields;
  const aborted = await browser.request(confirmForm.action, {
    method: "POST",
    form: { ...fields, abort: "yes" },
  });
  // The provider re-renders the code page with its AbortedError.
  if (!aborted.body.includes("AbortedError")) {
    throw new Error(
      `the provider did not record the denial of ${userCode} (HTTP ${aborted.status})`,
    );
  }
}
