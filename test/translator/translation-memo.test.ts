import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translate } from '../../src/translator/translate.js';
import { TranslationMemo } from '../../src/translator/translation-memo.js';
import type { EndpointSlice, HTTPRoute, KubeObject, Namespace, ResourceSnapshot, Service } from '../../src/translator/translator.types.js';
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

  it('gives the fresh translation after each of 300 random edits to Services, EndpointSlices, Namespaces, ReferenceGrants and routes', () => {
    const memo = new TranslationMemo();
    let seed = 11;
    // The high bits: an LCG's low bits repeat with a short period.
    const random = (n: number): number => Math.floor((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 65536) % n;
    const pick = <T,>(items: readonly T[]): T => items[random(items.length)]!;
    // Inputs are never mutated by the translator: frozen, a write throws.
    const frozen = <T,>(o: T): T => {
      if (o && typeof o === 'object' && !Object.isFrozen(o)) {
        for (const v of Object.values(o)) frozen(v);
        Object.freeze(o);
      }
      return o;
    };
    const NS = ['ns-0', 'ns-1', 'ns-2', 'infra'];
    const SERVICES = ['echo', 'other', 's2'];
    const svc = (ns: string, name: string, v: number): KubeObject => frozen({
      metadata: { name, namespace: ns, resourceVersion: `${v}` },
      spec: { ports: v % 3 === 2 ? [{ port: 9090, targetPort: 3000 }] : [{ port: 8080, ...(v % 2 ? { name: 'web' } : { targetPort: 3000 }) }] },
    });
    const slice = (ns: string, name: string, service: string, v: number): EndpointSlice => frozen({
      metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      ports: [{ name: v % 4 === 1 ? 'web' : '', port: 3000 + (v % 2), protocol: 'TCP' }],
      endpoints: Array.from({ length: 1 + (v % 3) }, (_, e) => ({ addresses: [`10.${v % 7}.0.${e + 1}`], conditions: { ready: (v + e) % 4 !== 3 } })),
    });
    const namespace = (name: string, v: number): KubeObject => frozen({ metadata: { name, labels: v % 2 ? { team: 'a' } : { team: 'b' } } });
    const grant = (n: number, from: string, toName?: string): KubeObject => frozen({
      metadata: { name: `g${n}`, namespace: 'infra' },
      spec: { from: [{ group: G, kind: 'HTTPRoute', namespace: from }], to: [{ group: '', kind: 'Service', ...(toName ? { name: toName } : {}) }] },
    });
    const mixedRoute = (i: number, generation: number): KubeObject => {
      const ns = `ns-${i % 3}`;
      const backend = (k: number): Record<string, unknown> => ({ name: SERVICES[(i + k + generation) % 3], ...((i + generation + k) % 2 ? { namespace: 'infra' } : {}), port: (i + k) % 5 === 4 ? 9090 : 8080 });
      return frozen({
        ...route(i, generation, `/g${generation}`),
        metadata: { ...route(i, generation).metadata, namespace: ns },
        spec: {
          parentRefs: [{ name: 'gw', namespace: 'infra' }],
          hostnames: [`r${i % 25}.example.test`],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/g${generation}` } }], backendRefs: [backend(0), backend(1)] }],
        },
      });
    };
    // One listener takes routes from every namespace (variant 2, 3: only for one hostname), one (variant
    // 1, 3) only from namespaces labelled team=a.
    const gateways = (variant: number): KubeObject[] => [frozen({
      metadata: { name: 'gw', namespace: 'infra', generation: 1 },
      spec: {
        gatewayClassName: 'serval',
        listeners: [
          { name: 'all', port: 80, protocol: 'HTTP', ...(variant & 2 ? { hostname: 'r1.example.test' } : {}), allowedRoutes: { namespaces: { from: 'All' } } },
          ...(variant & 1 ? [{ name: 'team-a', port: 8081, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'a' } } } } }] : []),
        ],
      },
    })];

    let version = 0;
    let services = NS.flatMap((ns) => SERVICES.map((name) => svc(ns, name, version++)));
    let slices = services.map((s, n) => slice(s.metadata.namespace!, `${s.metadata.name}-${n}`, s.metadata.name, version++));
    let namespaces = NS.map((ns) => namespace(ns, version++));
    let grantList = [0, 1, 2].map((n) => grant(n, `ns-${n}`));
    let routes = Array.from({ length: 30 }, (_, i) => mixedRoute(i, 1));
    let variant = 1;
    // In place (a new object where the old one was), appended (a new key) or removed: as the provider keeps its lists.
    const replace = <T,>(list: T[], at: number, item: T): T[] => list.map((x, k) => (k === at ? item : x));
    const without = <T,>(list: T[], at: number): T[] => list.filter((_, k) => k !== at);
    let sliceCount = slices.length;
    for (let step = 0; step < 300; step++) {
      const what = random(11);
      if (what === 0 || what === 1) { // an EndpointSlice's endpoints changed (a rollout, a scale)
        const at = random(slices.length);
        const s = slices[at]!;
        slices = replace(slices, at, slice(s.metadata.namespace!, s.metadata.name, s.metadata.labels!['kubernetes.io/service-name']!, version++));
      } else if (what === 2) { // a slice added, removed, or moved to another Service
        const kind = random(3);
        if (kind === 0 || slices.length < 3) slices = [...slices, slice(pick(NS), `extra-${sliceCount++}`, pick(SERVICES), version++)];
        else if (kind === 1) slices = without(slices, random(slices.length));
        else {
          const at = random(slices.length);
          slices = replace(slices, at, slice(slices[at]!.metadata.namespace!, slices[at]!.metadata.name, pick(SERVICES), version++));
        }
      } else if (what === 3) { // a Service's ports changed
        const at = random(services.length);
        services = replace(services, at, svc(services[at]!.metadata.namespace!, services[at]!.metadata.name, version++));
      } else if (what === 4) { // a Service deleted, or created again (at the end)
        const at = random(services.length);
        const s = services[at]!;
        services = without(services, at);
        if (random(3) || services.length < 4) services = [...services, svc(s.metadata.namespace!, s.metadata.name, version++)];
      } else if (what === 5) { // a namespace relabelled, or deleted and created again
        const missing = NS.filter((n) => !namespaces.some((o) => o.metadata.name === n));
        if (missing.length && (random(2) || missing.length === NS.length)) namespaces = [...namespaces, ...missing.map((n) => namespace(n, version++))];
        else {
          const at = random(namespaces.length);
          const name = namespaces[at]!.metadata.name;
          namespaces = random(3) ? replace(namespaces, at, namespace(name, version++)) : [...without(namespaces, at), ...(random(2) ? [namespace(name, version++)] : [])];
        }
      } else if (what === 6) { // a grant changed: another from-namespace, limited to one Service, deleted or created again
        const at = random(grantList.length + 1);
        if (at === grantList.length) grantList = [...grantList, grant(3 + random(3), pick(NS), random(2) ? pick(SERVICES) : undefined)];
        else if (random(3) === 0) grantList = without(grantList, at);
        else grantList = replace(grantList, at, grant(Number(grantList[at]!.metadata.name.slice(1)), pick(NS), random(2) ? pick(SERVICES) : undefined));
        const seen = new Set<string>();
        grantList = grantList.filter((g) => !seen.has(g.metadata.name) && !!seen.add(g.metadata.name));
      } else if (what === 7) { // a route's spec changed (other backends), or a route added
        const at = random(routes.length);
        const i = Number(routes[at]!.metadata.name.slice(6));
        routes = random(2) ? replace(routes, at, mixedRoute(i, (routes[at]!.metadata.generation ?? 1) + 1)) : [...routes, mixedRoute(30 + step, 1)];
      } else if (what === 8) { // the provider listed a kind again: same objects, another order
        slices = [...slices].reverse();
        if (services.length > 1) services = [...services.slice(1), services[0]!];
      } else if (what === 9) { // several kinds at once
        const at = random(slices.length);
        if (slices.length) slices = replace(slices, at, slice(slices[at]!.metadata.namespace!, slices[at]!.metadata.name, pick(SERVICES), version++));
        const n = random(namespaces.length);
        if (namespaces.length) namespaces = replace(namespaces, n, namespace(namespaces[n]!.metadata.name, version++));
        const g = random(grantList.length);
        if (grantList.length) grantList = replace(grantList, g, grant(Number(grantList[g]!.metadata.name.slice(1)), pick(NS)));
      } else variant = random(4); // the selector listener comes and goes, the other one takes fewer routes
      // Hand-made objects typed loosely (KubeObject): the kinds' own types would need every required field.
      const snap = { ...snapshot(routes as unknown as HTTPRoute[], services as unknown as Service[]), gateways: gateways(variant), endpointSlices: slices, namespaces, referenceGrants: grantList } as unknown as ResourceSnapshot;
      expect(translate(snap, DEFAULT_OPTIONS, memo), `step ${step} (edit ${what})`).toEqual(translate(snap, DEFAULT_OPTIONS));
    }
  });

  it('rebuilds for an EndpointSlice change only that Service\'s pool, for a Service change only the routes that use it', () => {
    const memo = new TranslationMemo();
    const routes = Array.from({ length: 12 }, (_, i) => route(i, 1, '/', i % 2 ? 'echo' : 'other'));
    const slice = (name: string, ip: string): EndpointSlice => ({
      metadata: { name: `${name}-1`, namespace: 'infra', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ port: 3000 }],
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    });
    const services = [service('echo'), service('other')];
    let slices = [slice('echo', '10.0.0.1'), slice('other', '10.0.0.2')];
    const step = (snap: ResourceSnapshot): ReturnType<typeof translate> => {
      const result = translate(snap, DEFAULT_OPTIONS, memo);
      expect(result).toEqual(translate(snap, DEFAULT_OPTIONS));
      return result;
    };
    const first = step({ ...snapshot(routes, services), endpointSlices: slices });
    slices = [slice('echo', '10.0.0.3'), slices[1]!];
    const second = step({ ...snapshot(routes, services), endpointSlices: slices });
    expect(second.config.listeners[0]!.virtualHosts).toBe(first.config.listeners[0]!.virtualHosts);
    expect(second.config.pools.map((p) => p.endpoints)).toEqual([[{ host: '10.0.0.3', port: 3000 }], [{ host: '10.0.0.2', port: 3000 }]]);
    expect(second.config.pools[1]).toBe(first.config.pools[1]);
    // Route statuses are the same objects (GatewayClass and Gateway statuses are made each time).
    expect(second.statuses.filter((s, i) => s.kind === 'HTTPRoute' && s !== first.statuses[i])).toEqual([]);

    // The Service "other" loses its port: its routes turn ResolvedRefs=False, the others stay the same objects.
    const third = step({ ...snapshot(routes, [services[0]!, { ...service('other'), spec: { ports: [{ port: 9090 }] } }]), endpointSlices: slices });
    const changed = third.statuses.filter((s, i) => s.kind === 'HTTPRoute' && s !== second.statuses[i]).map((s) => s.name);
    expect(changed).toEqual(expect.arrayContaining(['route-0', 'route-2', 'route-10']));
    expect(changed.filter((name) => name.startsWith('route-') && Number(name.slice(6)) % 2 === 1)).toEqual([]);
    const vhosts = (r: ReturnType<typeof translate>) => new Map(r.config.listeners[0]!.virtualHosts.map((v) => [v.name, v]));
    expect(vhosts(third).get('r1.example.test')).toBe(vhosts(second).get('r1.example.test'));
    expect(third.config.pools.map((p) => p.name)).toEqual(['infra/echo:8080']);
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
