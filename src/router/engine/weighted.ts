/**
 * Smooth weighted round robin (the nginx algorithm): deterministic, interleaved, exact over every
 * cycle of sum(weights) picks, so a 90/10 split is 90/10 after 1,000 requests, not "about" it.
 * Mutable state lives here and nowhere else in a compiled table.
 */
export class SmoothWeighted<T> {
  /** Running scores; only allocated when there is a choice to make (most routes have one backend). */
  private readonly current: number[] | undefined;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    private readonly weights: readonly number[],
  ) {
    this.current = items.length > 1 ? new Array<number>(items.length).fill(0) : undefined;
    let total = 0;
    for (const w of weights) total += w;
    this.total = total;
  }

  /** True when nothing can ever be picked (no items, or every weight is 0). */
  get empty(): boolean {
    return this.total <= 0;
  }

  pick(): T | undefined {
    const n = this.items.length;
    if (n === 1) return this.weights[0] > 0 ? this.items[0] : undefined;
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      const w = this.weights[i];
      if (w <= 0) continue;
      const value = (this.current![i] += w);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best === -1) return undefined;
    this.current![best] -= this.total;
    return this.items[best];
  }
}
