import { describe, expect, it } from 'vitest';
import { PUSH_BACKOFF } from '../../src/publish/http/router-admin-client.js';
import { Backoff, backoffDelay } from '../../src/pipeline/backoff.js';

describe('backoff policy', () => {
  it('push retries: 100 ms doubling, capped at 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(PUSH_BACKOFF, a))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('jitter only shortens the delay, within its share', () => {
    const policy = { initialMs: 1000, maxMs: 1000, jitter: 0.2 };
    expect(backoffDelay(policy, 3, () => 0)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0.999)).toBeGreaterThanOrEqual(800);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(900);
  });

  it('the stateful helper grows until reset', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 50 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([10, 20, 40, 50]);
    b.reset();
    expect(b.next()).toBe(10);
  });
});
