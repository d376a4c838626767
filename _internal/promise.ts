/**
 * Private: a helper for sources whose work is synchronous but whose interface
 * is async.
 *
 * @module
 */

/**
 * Runs `action` now and returns its result as a promise; a throw becomes a
 * rejection, so an async method never throws synchronously.
 */
export function settle<T>(action: () => T): Promise<T> {
  try {
    return Promise.resolve(action());
  } catch (error) {
    return Promise.reject(error);
  }
}
