/**
 * The default device-login prompt: one message on stderr with the page to
 * open, the code to enter and how long the code lasts.
 *
 * @module
 */

/** What the user must do to approve a device login (the public `DevicePrompt`). */
export interface DeviceCodePrompt {
  /** The page to open. */
  readonly verificationUri: string;
  /** The same page with the code filled in, when the provider offers one. */
  readonly verificationUriComplete?: string;
  /** The code to enter on that page. */
  readonly userCode: string;
  /** When the code expires, in ms since the epoch. */
  readonly expiresAt: number;
}

/** Writes the prompt to stderr; `expiresIn` is the code's lifetime in seconds. */
export function promptOnStderr(
  prompt: DeviceCodePrompt,
  expiresIn: number,
): void {
  const minutes = Math.max(1, Math.round(expiresIn / 60));
  console.error(
    `To sign in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}` +
      ` (it expires in about ${minutes} min)` +
      (prompt.verificationUriComplete
        ? `\nor open ${prompt.verificationUriComplete}`
        : ""),
  );
}
