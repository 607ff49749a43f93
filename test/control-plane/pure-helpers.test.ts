/** Pure decisions of the control plane: replica targets, lease takeover, status patches. */
import { describe, expect, it } from 'vitest';
import { parseServiceRef, parseUrlList, serviceEndpointUrls } from '../../src/data-plane/replica-targets.js';
import { acquiredSpec, decide, microTime, releasedSpec, type Lease } from '../../src/k8s/lease-record.js';
import { statusMergePatch } from '../../src/k8s/status-patch.js';
import { sameStatuses, statusCanon } from '../../src/translator/status-canon.js';

describe('replica targets', () => {
  it('parses URL lists and service references, refusing garbage', () => {
    expect(parseUrlList(' http://a:9901/, http://b:9901 ,http://a:9901')).toEqual(['http://a:9901', 'http://b:9901']);
    expect(() => parseUrlList('ftp://x')).toThrow(/unsupported scheme/);
    expect(() => parseUrlList('not a url')).toThrow();
    expect(parseServiceRef('ns/name:9901')).toEqual({ namespace: 'ns', name: 'name', port: 9901 });
    expect(parseServiceRef('ns/name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(() => parseServiceRef('name')).toThrow(/namespace\/name/);
  });

  it('uses ready endpoints and maps the Service port to the slice port by name', () => {
    const snapshot = {
      services: [{ metadata: { name: 'r', namespace: 's' }, spec: { ports: [{ name: 'admin', port: 9901, targetPort: 'admin' }, { name: 'http', port: 80 }] } }],
      endpointSlices: [
        {
          metadata: { name: 'r-1', namespace: 's', labels: { 'kubernetes.io/service-name': 'r' } },
          ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 19901 }],
          endpoints: [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.3'], conditions: { ready: false } }],
        },
        { metadata: { name: 'other', namespace: 's', labels: { 'kubernetes.io/service-name': 'other' } }, ports: [{ name: 'admin', port: 1 }], endpoints: [{ addresses: ['10.9.9.9'] }] },
        { metadata: { name: 'r-v6', namespace: 's', labels: { 'kubernetes.io/service-name': 'r' } }, ports: [{ name: 'admin', port: 19901 }], endpoints: [{ addresses: ['fd00::1'] }] },
      ],
    };
    expect(serviceEndpointUrls(snapshot, { namespace: 's', name: 'r', port: 9901 })).toEqual(['http://10.0.0.1:19901', 'http://10.0.0.2:19901', 'http://[fd00::1]:19901']);
    expect(serviceEndpointUrls(snapshot, { namespace: 's', name: 'missing' })).toEqual([]);
  });
});

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

describe('status patches', () => {
  it('ignores lastTransitionTime when comparing', () => {
    const a = { conditions: [{ type: 'Accepted', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] };
    const b = { conditions: [{ type: 'Accepted', status: 'True', lastTransitionTime: '2025-06-01T00:00:00Z' }] };
    expect(statusCanon(a)).toBe(statusCanon(b));
    expect(statusCanon(a)).not.toBe(statusCanon({ conditions: [{ type: 'Accepted', status: 'False' }] }));
    expect(sameStatuses([{ kind: 'Gateway', name: 'g', status: a }], [{ kind: 'Gateway', name: 'g', status: b }])).toBe(true);
    expect(sameStatuses([{ kind: 'Gateway', name: 'g', status: a }], [{ kind: 'Gateway', name: 'h', status: b }])).toBe(false);
  });

  it('sets dropped keys to null and guards with the resourceVersion', () => {
    expect(statusMergePatch({ conditions: [], addresses: [{ value: '1.2.3.4' }] }, { conditions: [{ type: 'Accepted' }] }, '42')).toEqual({
      metadata: { resourceVersion: '42' },
      status: { conditions: [{ type: 'Accepted' }], addresses: null },
    });
  });
});
