import { describe, expect, it } from 'vitest';
import { onlyStatusChanged } from '../../../src/providers/kubernetes/informer.js';
import type { KubeObject } from '../../../src/translator/translator.types.js';

const route = (generation: number | undefined, extra: Partial<KubeObject['metadata']> = {}, status: object = {}): KubeObject => ({
  kind: 'HTTPRoute',
  metadata: { name: 'r', namespace: 'ns', ...(generation === undefined ? {} : { generation }), ...extra },
  spec: { rules: [] },
  status,
});

describe('status-only watch events (no translation for our own status writes)', () => {
  it('a status write keeps the generation: status only', () => {
    expect(onlyStatusChanged(route(3), route(3, {}, { parents: [{ controllerName: 'x' }] }))).toBe(true);
  });
  it('a spec change bumps the generation: a real change', () => {
    expect(onlyStatusChanged(route(3), route(4))).toBe(false);
  });
  it('labels and annotations count (namespace selectors, route attachment) even without a new generation', () => {
    expect(onlyStatusChanged(route(3), route(3, { labels: { team: 'a' } }))).toBe(false);
    expect(onlyStatusChanged(route(3), route(3, { annotations: { a: 'b' } }))).toBe(false);
  });
  it('objects without a generation (Services, EndpointSlices, Namespaces) always count as changed', () => {
    expect(onlyStatusChanged(route(undefined), route(undefined))).toBe(false);
  });
});
