/**
 * Capped exponential backoff: initial, initial*factor, ... never above max. Used by the push client
 * (100 ms doubling, capped at 5 s) and the informers' restart loop. Pure, so the policy is testable.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** Share of the delay randomized (0-1) so many clients do not retry in lockstep; default 0. */
  jitter?: number;
}

/** Delay before retry number `attempt` (0-based: the delay after the first failure is attempt 0). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt));
  const jitter = policy.jitter ?? 0;
  if (jitter <= 0) return base;
  // Jitter only shortens the delay, so the cap stays a cap.
  return Math.round(base * (1 - jitter * random()));
}

/** Stateful helper for loops: next() grows the delay, reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  next(): number {
    return backoffDelay(this.policy, this.attempt++);
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

/** A sleep that an AbortSignal cuts short (resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
