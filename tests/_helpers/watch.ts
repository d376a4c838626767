/**
 * Waiting for what a watch delivers, with a bound: a safety net that fails
 * the test after `ms`, never a sleep that the test relies on.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ConfigWatch, WatchEvent } from "../../mod.ts";

/** The bound on any one wait: generous, since the machine is shared. */
const WAIT_MS = 20_000;

/** The watch's next event; fails when the watch ends or `ms` passes first. */
export async function nextEvent<T>(
  watch: ConfigWatch<T>,
  what: string,
  ms: number = WAIT_MS,
): Promise<WatchEvent<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no event within ${ms} ms: ${what}`)),
      ms,
    );
  });
  try {
    const result = await Promise.race([watch.next(), late]);
    assert.ok(!result.done, `the watch ended while waiting for ${what}`);
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** The value of the watch's next event, which must be a `value` event. */
export async function nextValue<T>(
  watch: ConfigWatch<T>,
  what: string,
): Promise<T> {
  const event = await nextEvent(watch, what);
  assert.equal(
    event.kind,
    "value",
    `${what}: got ${event.kind}${
      "error" in event ? ` (${event.error.message})` : ""
    }`,
  );
  return (event as Extract<WatchEvent<T>, { kind: "value" }>).value;
}

/** Polls `check` until it returns something other than `undefined`, at most `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms: number = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (let wait = 5;; wait = Math.min(wait * 2, 100)) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((done) => setTimeout(done, wait));
  }
}
