import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translate } from '../../src/translator/translate.js';
import { TranslationMemo } from '../../src/translator/translation-memo.js';
import type { HTTPRoute, Namespace, ResourceSnapshot, Service } from '../../src/translator/translator.types.js';
import { DEFAULT_OPTIONS, loadCase } from './golden.js';

const dir = join(import.meta.dirname, 'testdata');
const G = 'gateway.networking.k8s.io';

function route(i: number, generation = 1, path = '/', service = 'echo'): HTTPRoute {
  return {
    apiVersion: `${G}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: `route-${i}`, namespace: `ns-${i % 3}`, uid: `uid-${i}`, generation, creationTimestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'infra' }],
      hostnames: [`r${i}.example.test`],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: service, namespace: 'infra', port: 8080 }] }],
    },
  };
}

// The provider keeps a kind's list the same array until one of its objects changes.
const NAMESPACES: Namespace[] = [];
const grants = [0, 1, 2].map((n) => ({ metadata: { name: `g${n}`, namespace: 'infra' }, spec: { from: [{ group: G, kind: 'HTTPRoute', namespace: `ns-${n}` }], to: [{ group: '', kind: 'Service' }] } }));

function snapshot(routes: HTTPRoute[], services: Service[], listenerHostname?: string): ResourceSnapshot {
  return {
    gatewayClasses: [{ metadata: { name: 'serval' }, spec: { controllerName: DEFAULT_OPTIONS.controllerName } }],
    gateways: [{ metadata: { name: 'gw', namespace: 'infra', generation: 1 }, spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', ...(listenerHostname ? { hostname: listenerHostname } : {}), allowedRoutes: { namespaces: { from: 'All' } } }] } }],
    httpRoutes: routes,
    referenceGrants: grants,
    services,
    endpointSlices: [],
    secrets: [],
    namespaces: NAMESPACES,
  };
}
const service = (name: string): Service => ({ metadata: { name, namespace: 'infra' }, spec: { ports: [{ port: 8080 }] } });

describe('translation with a memo', () => {
  it('gives exactly the fresh translation of every golden case, also when objects come back re-delivered', () => {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.in.yaml'))) {
      const { snapshot: snap, options } = loadCase(join(dir, file));
      const memo = new TranslationMemo();
      const fresh = translate(snap, options);
      expect(translate(snap, options, memo), file).toEqual(fresh);
      const again = translate(snap, options, memo);
      expect(again, file).toEqual(fresh);
      const redelivered = { ...snap, httpRoutes: snap.httpRoutes.map((r) => structuredClone(r)) };
      expect(translate(redelivered, options, memo), file).toEqual(translate(redelivered, options));
    }
  });

  it('gives the fresh translation after each of 120 random edits: adds, deletes, spec changes, status echoes, re-creations', () => {
    const memo = new TranslationMemo();
    let seed = 5;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const services = [service('echo'), service('other')];
    let routes = Array.from({ length: 40 }, (_, i) => route(i));
    let next = 40;
    for (let step = 0; step < 120; step++) {
      const at = random(routes.length);
      const pick = routes[at]!;
      const i = Number(pick.metadata.name.slice(6));
      switch (step % 6) {
        case 0: // a new route, appended (a new key goes to the end of the provider's Map)
          routes = [...routes, route(next++)];
          break;
        case 1: // deleted
          routes = routes.filter((_, r) => r !== at);
          break;
        case 2: // its spec changed: a new generation, in place
          routes = routes.map((r, k) => (k === at ? route(i, (pick.metadata.generation ?? 1) + 1, `/v${step}`, random(2) ? 'echo' : 'gone') : r));
          break;
        case 3: // a status write came back: a new object, same spec, in place
          routes = routes.map((r, k) => (k === at ? { ...structuredClone(r), status: { parents: [] } } : r));
          break;
        case 4: // deleted and created again (a new uid), at the end
          routes = [...routes.filter((_, r) => r !== at), { ...route(i), metadata: { ...route(i).metadata, uid: `uid-${i}-${step}` } }];
          break;
        default: // two edits at once, far apart
          routes = routes.map((r, k) => (k === 0 || k === routes.length - 1 ? { ...structuredClone(r), status: { parents: [] } } : r));
          routes = [...routes.slice(0, 5), route(next++), ...routes.slice(5)];
      }
      // Same hostname on two routes now and then: placement order decides.
      if (step % 17 === 0) routes = [...routes, { ...route(next++), spec: { ...route(0).spec } }];
      const snap = snapshot(routes, services);
      expect(translate(snap, DEFAULT_OPTIONS, memo), `step ${step}`).toEqual(translate(snap, DEFAULT_OPTIONS));
    }
  });

  it('recomputes what changed and keeps every other virtual host as the same object', () => {
    const memo = new TranslationMemo();
    let routes = Array.from({ length: 12 }, (_, i) => route(i));
    let services = [service('echo'), service('other')];
    let listenerHostname: string | undefined;
    const step = (): ReturnType<typeof translate> => {
      const snap = snapshot(routes, services, listenerHostname);
      const result = translate(snap, DEFAULT_OPTIONS, memo);
      expect(result).toEqual(translate(snap, DEFAULT_OPTIONS));
      return result;
    };
    const vhosts = (r: ReturnType<typeof translate>) => new Map(r.config.listeners.flatMap((l) => l.virtualHosts.map((v) => [v.name, v])));

    const first = vhosts(step());
    routes = [...routes.slice(0, 3), route(3, 2, '/v2'), ...routes.slice(4), route(12)]; // change one, add one
    const second = vhosts(step());
    expect(second.get('r3.example.test')).not.toBe(first.get('r3.example.test'));
    expect(second.get('r3.example.test')?.routes[0]?.match.path).toEqual({ type: 'PathPrefix', value: '/v2' });
    expect(second.get('r12.example.test')).toBeDefined();
    for (const i of [0, 1, 2, 4, 11]) expect(second.get(`r${i}.example.test`)).toBe(first.get(`r${i}.example.test`));

    // A status write brings the route back as a new object with the same spec: its routes are kept.
    routes = routes.map((r, i) => (i === 5 ? { ...structuredClone(r), status: { parents: [] } } : r));
    const third = vhosts(step());
    expect(third.get('r5.example.test')).toBe(second.get('r5.example.test'));

    // Services changed: backends resolve again, the output follows (route 7 now points at a missing Service).
    routes = routes.map((r, i) => (i === 7 ? route(7, 2, '/', 'other') : r));
    services = [service('echo')];
    const fourth = step();
    expect(fourth.statuses.find((s) => s.name === 'route-7')?.status).toMatchObject({ parents: [{ conditions: expect.arrayContaining([expect.objectContaining({ type: 'ResolvedRefs', status: 'False' })]) }] });

    routes = routes.filter((_, i) => i !== 2); // delete one
    const fifth = vhosts(step());
    expect(fifth.has('r2.example.test')).toBe(false);

    // The Gateway's listener changed (a new object each step all along): every placement is redone.
    listenerHostname = 'r1.example.test';
    const sixth = step();
    expect([...vhosts(sixth).keys()]).toEqual(['r1.example.test']);
    expect(sixth.statuses.filter((s) => s.kind === 'HTTPRoute' && JSON.stringify(s.status).includes('NoMatchingListenerHostname'))).toHaveLength(routes.length - 1);
  });
});
