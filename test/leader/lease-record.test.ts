/** Lease takeover decisions of leader election, as pure functions. */
import { describe, expect, it } from 'vitest';
import { acquiredSpec, decide, microTime, releasedSpec, type Lease } from '../../src/leader/lease-record.js';

describe('lease decisions', () => {
  const lease = (holder: string | undefined, durationSeconds = 15): Lease => ({ metadata: { name: 'l', namespace: 'n' }, spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds } });

  it('renews its own lease, takes an empty one, waits for a live holder, takes an expired one', () => {
    expect(decide(lease('me'), 'me', 0, 1_000_000, 15_000)).toEqual({ action: 'renew' });
    expect(decide(lease(undefined), 'me', 0, 0, 15_000)).toEqual({ action: 'acquire' });
    expect(decide(lease('other'), 'me', 10_000, 20_000, 15_000)).toEqual({ action: 'wait', holder: 'other' });
    // Expiry is judged by when we last saw the record change, on our clock.
    expect(decide(lease('other'), 'me', 10_000, 25_001, 15_000)).toEqual({ action: 'acquire' });
  });

  it('writes MicroTime with six fractional digits and counts handovers', () => {
    expect(microTime(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05.678000Z');
    const t = new Date('2025-01-01T00:00:00Z');
    const first = acquiredSpec(undefined, 'a', 15, t);
    expect(first).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, leaseDurationSeconds: 15 });
    const renewed = acquiredSpec(first, 'a', 15, new Date('2025-01-01T00:00:05Z'));
    expect(renewed.acquireTime).toBe(first.acquireTime);
    expect(renewed.leaseTransitions).toBe(0);
    const taken = acquiredSpec(renewed, 'b', 15, new Date('2025-01-01T00:01:00Z'));
    expect(taken).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: '2025-01-01T00:01:00.000000Z' });
    expect(releasedSpec(taken, t).holderIdentity).toBeUndefined();
  });
});
