/**
 * Private: checks of the time options a source takes. A timer given 0, a
 * negative number, NaN, Infinity or more than 2^31 - 1 ms fires after
 * 1 ms instead, so a watch interval of 0 (meant as "off") would poll a
 * database or an OpenBao server a thousand times a second; a TTL of NaN
 * would silently cache nothing. Such values are refused when the source
 * is made, naming the option.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** The longest delay a timer keeps: 2^31 - 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `value`, an interval a timer waits, when it is a number of ms above 0
 * and at most 2^31 - 1.
 *
 * @throws {ConfigError} Naming `option` and `source`, otherwise.
 */
export function timerInterval(
  value: number,
  option: string,
  source: string,
): number {
  if (typeof value === "number" && value > 0 && value <= MAX_TIMER_MS) {
    return value;
  }
  throw new ConfigError(
    `${option} must be a number of ms above 0 and at most ${MAX_TIMER_MS}, not ${
      describe(value)
    }: leave it out for the default`,
    { source },
  );
}

/**
 * `value`, an age compared with (never a timer), when it is a number of
 * ms of at least 0; `Infinity` means no limit.
 *
 * @throws {ConfigError} Naming `option` and `source`, otherwise.
 */
export function ageLimit(
  value: number,
  option: string,
  source: string,
): number {
  if (typeof value === "number" && value >= 0) return value;
  throw new ConfigError(
    `${option} must be a number of ms of at least 0 (Infinity: no limit), not ${
      describe(value)
    }`,
    { source },
  );
}

function describe(value: unknown): string {
  return typeof value === "number" ? String(value) : `a ${typeof value}`;
}
