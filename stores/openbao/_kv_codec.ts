/**
 * How a JSON value maps onto a KV secret's data, which must be an object.
 *
 * - An object is stored as it is, so `bao kv get` shows its fields and
 *   `bao kv put secret/harmony/config/Db host=db port=5432` can write one.
 * - Anything else (a string, number, boolean, null, an array) is wrapped as
 *   `{"value": <it>}`.
 * - An object whose only field is `value` is wrapped too, so it cannot be
 *   mistaken for a wrapped value when read back.
 * - The empty object is wrapped too: a KV v1 mount refuses a write with no
 *   fields (400 `missing data fields`, `passthrough.go`, `handleWrite`), and
 *   one rule for both versions keeps a value readable after a migration.
 *
 * Reading reverses it: data with exactly one field, `value`, is unwrapped;
 * any other data is the value. Every JSON value round-trips, with two limits
 * that come from OpenBao: object keys come back sorted, and integers beyond
 * 2^53 lose precision.
 *
 * @module
 */
import { isPlainObject } from "../../_internal/json.ts";

/** The field a non-object value is wrapped in. */
export const WRAP_FIELD = "value";

/** Turns a JSON value into KV data. */
export function encodeKvData(value: unknown): Record<string, unknown> {
  if (
    isPlainObject(value) && Object.keys(value).length > 0 && !isWrapped(value)
  ) {
    return value;
  }
  return { [WRAP_FIELD]: value };
}

/** Turns KV data back into the JSON value it encodes. */
export function decodeKvData(data: Record<string, unknown>): unknown {
  return isWrapped(data) ? data[WRAP_FIELD] : data;
}

function isWrapped(data: Record<string, unknown>): boolean {
  const keys = Object.keys(data);
  return keys.length === 1 && keys[0] === WRAP_FIELD;
}
