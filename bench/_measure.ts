/**
 * Timing helpers for the benchmark runner: interleaved rounds, so that every
 * ratio compares variants measured moments apart on a shared, noisy machine.
 *
 * @module
 */

/** One thing to time: a call that is repeated many times per round. */
export interface Variant {
  /** The column it fills in the table. */
  readonly label: string;
  /** One operation. A returned promise is awaited. */
  readonly run: () => unknown;
}

/** Per-variant result of {@linkcode compare}. */
export interface Measured {
  /** The median time of one operation, in microseconds. */
  readonly microseconds: number;
  /** The median, over rounds, of this variant's time over the baseline's in the same round. */
  readonly ratio: number;
}

/** How long to run each variant per round, and how many rounds. */
export interface CompareOptions {
  /** Target duration of one variant's batch in a round, in ms. Default 40. */
  readonly roundMs?: number;
  /** Rounds measured after the warm-up. Default 15. */
  readonly rounds?: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeBatch(
  variant: Variant,
  iterations: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const result = variant.run();
    if (result instanceof Promise) await result;
  }
  return (performance.now() - start) / iterations;
}

/** Finds how many iterations fill `roundMs`, warming the code up on the way. */
async function calibrate(variant: Variant, roundMs: number): Promise<number> {
  let iterations = 1;
  for (;;) {
    const perOp = await timeBatch(variant, iterations);
    const elapsed = perOp * iterations;
    if (elapsed >= roundMs / 4) {
      return Math.max(1, Math.round(roundMs / perOp));
    }
    iterations *= 4;
  }
}

/**
 * Times every variant in interleaved rounds (the order rotates each round)
 * and returns each one's median time per operation and its median ratio to
 * the first variant, the baseline.
 */
export async function compare(
  variants: readonly Variant[],
  options: CompareOptions = {},
): Promise<Map<string, Measured>> {
  const roundMs = options.roundMs ?? 40;
  const rounds = options.rounds ?? 15;
  const iterations: number[] = [];
  for (const variant of variants) {
    iterations.push(await calibrate(variant, roundMs));
  }
  const times: number[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const index = (round + k) % variants.length;
      times[index]!.push(await timeBatch(variants[index]!, iterations[index]!));
    }
  }
  const baseline = times[0]!;
  const results = new Map<string, Measured>();
  variants.forEach((variant, index) => {
    const own = times[index]!;
    results.set(variant.label, {
      microseconds: median(own) * 1000,
      ratio: median(own.map((t, round) => t / baseline[round]!)),
    });
  });
  return results;
}
