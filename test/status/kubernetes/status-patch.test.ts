/** Status merge patches and the canonical form statuses are compared in. */
import { describe, expect, it } from 'vitest';
import { statusMergePatch } from '../../../src/status/kubernetes/status-patch.js';
import { sameStatuses, statusCanon } from '../../../src/translator/status-canon.js';

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
