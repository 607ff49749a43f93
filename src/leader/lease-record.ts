/**
 * Pure leader-election decisions over a coordination.k8s.io/v1 Lease, in the manner of client-go:
 * expiry is judged by when *we* last saw the record change (our clock only), never by comparing the
 * holder's timestamps with our clock, so clock skew between nodes cannot cause two leaders.
 */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

export type LeaseDecision = { action: 'renew' } | { action: 'acquire' } | { action: 'wait'; holder: string };

/**
 * What to do with the lease as read now. `observedChangeAt` is our local time (ms) of the last change we
 * saw in the record; `now` is our local time.
 */
export function decide(lease: Lease, identity: string, observedChangeAt: number, now: number, defaultDurationMs: number): LeaseDecision {
  const holder = lease.spec?.holderIdentity ?? '';
  if (holder === identity) return { action: 'renew' };
  if (!holder) return { action: 'acquire' };
  const durationMs = (lease.spec?.leaseDurationSeconds ?? defaultDurationMs / 1000) * 1000;
  if (now - observedChangeAt > durationMs) return { action: 'acquire' };
  return { action: 'wait', holder };
}

/** The record's identity for change detection: any renew or handover changes it. */
export function recordFingerprint(lease: Lease): string {
  const s = lease.spec ?? {};
  return `${s.holderIdentity ?? ''}|${s.renewTime ?? ''}|${s.acquireTime ?? ''}|${s.leaseTransitions ?? 0}`;
}

export function acquiredSpec(previous: LeaseSpec | undefined, identity: string, durationSeconds: number, now: Date): LeaseSpec {
  const t = microTime(now);
  const handover = (previous?.holderIdentity ?? '') !== identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    acquireTime: handover ? t : (previous?.acquireTime ?? t),
    renewTime: t,
    leaseTransitions: (previous?.leaseTransitions ?? 0) + (handover && previous?.holderIdentity ? 1 : 0),
  };
}

/** Given up on shutdown: empty holder, so a follower takes over at its next retry instead of after expiry. */
export function releasedSpec(previous: LeaseSpec | undefined, now: Date): LeaseSpec {
  const t = microTime(now);
  return { ...previous, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: t };
}
