/** Unit checks of the translator's pieces and of properties the golden files cannot show on their own. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/translator/duration.js';
import { covers, intersectHostnames } from '../../src/translator/hostnames.js';
import { SUPPORTED_FEATURES, translate } from '../../src/translator/translate.js';
import type { KubeObject, ResourceSnapshot, TranslationResult } from '../../src/translator/translator.types.js';
import { loadCase } from './golden.js';

const testdata = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');

describe('SUPPORTED_FEATURES', () => {
  it('is sorted, without duplicates, and reported as the GatewayClass supportedFeatures', () => {
    expect([...SUPPORTED_FEATURES]).toEqual([...new Set(SUPPORTED_FEATURES)].sort());
    const { snapshot, options } = loadCase(join(testdata, 'basic-route.in.yaml'));
    const cls = translate(snapshot, options).statuses.find((s) => s.kind === 'GatewayClass');
    expect(cls?.status.supportedFeatures).toEqual(SUPPORTED_FEATURES.map((name) => ({ name })));
  });

  it('claims the core features and no feature the router does not implement', () => {
    expect(SUPPORTED_FEATURES).toEqual(expect.arrayContaining(['Gateway', 'HTTPRoute', 'ReferenceGrant']));
    // WebSocket is claimed: the router proxies upgrades (conformance HTTPRouteBackendProtocolWebSocket passes).
    for (const unclaimed of ['HTTPRouteBackendProtocolH2C', 'GatewayHTTPSListenerDetectMisdirectedRequests', 'TLSRoute']) {
      expect(SUPPORTED_FEATURES).not.toContain(unclaimed);
    }
  });
});

describe('parseDuration (GEP-2257)', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m0s5ms', 120_005],
    ['0s', 0],
  ])('%s -> %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', '10', '1.5s', '-1s', '1d', '123456s', '1h1h1h1h1h', 10])('rejects %s', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('hostnames', () => {
  it('a wildcard covers subdomains at any depth but not the bare suffix', () => {
    expect(covers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(covers('*.example.com', '*.b.example.com')).toBe(true);
    expect(covers('*.example.com', 'example.com')).toBe(false);
    expect(covers('*.example.com', 'aexample.com')).toBe(false);
    expect(covers(undefined, 'anything.org')).toBe(true);
  });

  it.each([
    [undefined, [], ['*']],
    ['foo.example.com', [], ['foo.example.com']],
    [undefined, ['a.org', '*.b.org'], ['*.b.org', 'a.org']],
    ['*.example.com', ['foo.example.com', 'example.com'], ['foo.example.com']],
    ['*.example.com', ['*.com'], ['*.example.com']],
    ['foo.example.com', ['*.example.com'], ['foo.example.com']],
    ['foo.example.com', ['bar.example.com'], []],
  ] as const)('listener %s x route %j -> %j', (listener, route, expected) => {
    expect(intersectHostnames(listener, route)).toEqual(expected);
  });
});

/** Writes each produced status back onto its object, as the status writer would. */
function applyStatuses(snapshot: ResourceSnapshot, result: TranslationResult): ResourceSnapshot {
  const copy = structuredClone(snapshot);
  const lists: Record<string, KubeObject[]> = { GatewayClass: copy.gatewayClasses, Gateway: copy.gateways, HTTPRoute: copy.httpRoutes };
  for (const s of result.statuses) {
    const obj = lists[s.kind].find((o) => o.metadata.name === s.name && (o.metadata.namespace ?? undefined) === s.namespace);
    if (obj) obj.status = structuredClone(s.status);
  }
  return copy;
}

describe('status round trip', () => {
  it('feeding the written status back changes nothing, not even lastTransitionTime', () => {
    const { snapshot, options } = loadCase(join(testdata, 'backend-ref-errors.in.yaml'));
    const first = translate(snapshot, { ...options, now: '2026-01-01T00:00:00Z' });
    const second = translate(applyStatuses(snapshot, first), { ...options, now: '2026-02-02T00:00:00Z' });
    expect(second).toEqual(first);
  });

  it('a condition that flips takes the new time; the others keep theirs', () => {
    const { snapshot, options } = loadCase(join(testdata, 'backend-ref-errors.in.yaml'));
    const first = translate(snapshot, { ...options, now: '2026-01-01T00:00:00Z' });
    const fixed = applyStatuses(snapshot, first);
    // Fix every backend problem: the route's rules now point at the one Service that exists.
    const route = fixed.httpRoutes[0];
    for (const rule of route.spec.rules ?? []) rule.backendRefs = [{ name: 'web', port: 8080 }];
    route.metadata.generation = 2;
    const second = translate(fixed, { ...options, now: '2026-02-02T00:00:00Z' });
    const conditions = (second.statuses.find((s) => s.kind === 'HTTPRoute')!.status.parents as any[])[0].conditions;
    expect(conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(conditions.find((c: any) => c.type === 'ResolvedRefs')).toMatchObject({ status: 'True', observedGeneration: 2, lastTransitionTime: '2026-02-02T00:00:00Z' });
  });
});

describe('routes that stop naming us', () => {
  it('lose our parent entries but keep other controllers\' ones', () => {
    const { snapshot, options } = loadCase(join(testdata, 'status-preservation.in.yaml'));
    const moved = structuredClone(snapshot);
    moved.httpRoutes[0].spec.parentRefs = [{ name: 'not-ours', namespace: 'infra' }];
    const status = translate(moved, options).statuses.find((s) => s.kind === 'HTTPRoute');
    expect((status!.status.parents as any[]).map((p) => p.controllerName)).toEqual(['example.com/other-controller']);
  });
});
