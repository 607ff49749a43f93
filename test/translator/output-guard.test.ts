/**
 * The translator's output guard on snapshots fed in directly (objects the CRD schema would refuse are
 * fine here: files and bugs can still produce them): the object that makes a piece the router refuses
 * is left out and blamed, everything else goes out, and on the Kubernetes path the written status
 * settles (no new transition time, so no status write per translation).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRouterConfig } from '../../src/contract/validate-config.js';
import { translate } from '../../src/translator/translate.js';
import { TranslationMemo } from '../../src/translator/translation-memo.js';
import type { HTTPRoute, ResourceSnapshot, TranslationResult } from '../../src/translator/translator.types.js';
import { loadCase } from './golden.js';

const testdata = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');

function basic(): { snapshot: ResourceSnapshot; options: ReturnType<typeof loadCase>['options'] } {
  return loadCase(join(testdata, 'basic-route.in.yaml'));
}

function route(name: string, path: unknown, created = '2025-02-01T00:00:00Z'): HTTPRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'app', generation: 1, uid: `uid-${name}`, creationTimestamp: created },
    spec: { parentRefs: [{ name: 'gw', namespace: 'infra' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'web', port: 8080 }] }] },
    // `path` may be what no schema allows: the guard is for input the types do not promise.
  } as unknown as HTTPRoute;
}

const routeNames = (r: TranslationResult): string[] => r.config.listeners.flatMap((l) => l.virtualHosts.flatMap((v) => v.routes.map((x) => x.name)));
const accepted = (r: TranslationResult, name: string) =>
  ((r.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === name)!.status.parents as { conditions: { type: string }[] }[])[0]!.conditions.find((c) => c.type === 'Accepted'));

describe('an HTTPRoute whose path value is not a string (issue 12)', () => {
  it('is left out with Accepted=False; the other routes go out and the config passes the router', () => {
    const { snapshot, options } = basic();
    snapshot.httpRoutes.push(route('bad-path', 5), route('later', '/later', '2025-03-01T00:00:00Z'));
    const result = translate(snapshot, options);
    expect(() => checkRouterConfig(structuredClone(result.config))).not.toThrow();
    expect(routeNames(result)).toEqual(['app/web/rule0/match0', 'app/later/rule0/match0']);
    expect(result.rejected).toEqual([
      { kind: 'HTTPRoute', namespace: 'app', name: 'bad-path', reason: 'rule 0 match 0 translates to what the router refuses (match.path.value: expected string)' },
    ]);
    expect(accepted(result, 'bad-path')).toMatchObject({ status: 'False', reason: 'UnsupportedValue', message: expect.stringContaining('match.path.value: expected string') });
    expect(accepted(result, 'later')).toMatchObject({ status: 'True' });
  });

  it('keeps the same objects from one translation to the next while it stays bad', () => {
    const { snapshot, options } = basic();
    const memo = new TranslationMemo();
    snapshot.httpRoutes.push(route('bad-path', 5));
    const first = translate(snapshot, options, memo);
    const next = { ...snapshot, httpRoutes: [...snapshot.httpRoutes, route('later', '/later', '2025-03-01T00:00:00Z')] };
    const second = translate(next, options, memo);
    expect(routeNames(second)).toEqual(['app/web/rule0/match0', 'app/later/rule0/match0']);
    const third = translate(next, { ...options, now: '2026-06-01T00:00:00Z' }, memo);
    expect(third.config.listeners[0]!.virtualHosts).toBe(second.config.listeners[0]!.virtualHosts);
    const status = (r: TranslationResult) => r.statuses.find((s) => s.name === 'bad-path');
    expect(status(third)).toBe(status(second));
    expect(status(second)).toEqual(status(first));
  });

  it('keeps its transition time once the written status says so (Kubernetes: no write per translation)', () => {
    const { snapshot, options } = basic();
    snapshot.httpRoutes.push(route('bad-path', 5));
    const first = translate(snapshot, { ...options, now: '2026-01-01T00:00:00Z' });
    const written = structuredClone(snapshot);
    written.httpRoutes.find((r) => r.metadata.name === 'bad-path')!.status = structuredClone(first.statuses.find((s) => s.name === 'bad-path')!.status) as HTTPRoute['status'];
    const second = translate(written, { ...options, now: '2026-02-02T00:00:00Z' });
    expect(accepted(second, 'bad-path')).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const bad = (r: TranslationResult) => r.statuses.find((s) => s.name === 'bad-path');
    expect(bad(second)).toEqual(bad(first));
  });

  it('is served again once fixed', () => {
    const { snapshot, options } = basic();
    const memo = new TranslationMemo();
    snapshot.httpRoutes.push(route('bad-path', 5));
    translate(snapshot, options, memo);
    const fixed = { ...snapshot, httpRoutes: [...snapshot.httpRoutes.slice(0, -1), { ...route('bad-path', '/now-fine'), metadata: { ...route('x', '/').metadata, name: 'bad-path', generation: 2 } }] };
    const result = translate(fixed, options, memo);
    expect(result.rejected).toBeUndefined();
    expect(routeNames(result)).toContain('app/bad-path/rule0/match0');
    expect(accepted(result, 'bad-path')).toMatchObject({ status: 'True' });
  });
});

describe('an endpoint the router would refuse', () => {
  it('is left out of its pool and blamed on the Service; the pool and its routes stay', () => {
    const { snapshot, options } = basic();
    const slice = structuredClone(snapshot.endpointSlices[0]!);
    slice.metadata.name = 'web-bad';
    slice.ports = [{ port: 70000, protocol: 'TCP' }];
    snapshot.endpointSlices.push(slice);
    snapshot.services[0]!.spec!.ports = [{ port: 8080 }];
    const result = translate(snapshot, options);
    expect(() => checkRouterConfig(structuredClone(result.config))).not.toThrow();
    expect(result.config.pools).toEqual([{ name: 'app/web:8080', endpoints: [{ host: '127.0.20.1', port: 8080 }] }]);
    expect(result.rejected).toEqual([{ kind: 'Service', namespace: 'app', name: 'web', reason: expect.stringContaining('endpoints.1.port: expected integer to be less or equal to 65535') }]);
    expect(routeNames(result)).toEqual(['app/web/rule0/match0']);
  });
});
