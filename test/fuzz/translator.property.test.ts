/**
 * Property: the translator takes any set of Gateway API objects (valid-ish shapes with random
 * hostnames, paths, ports and protocols, refs to objects that do not exist, conflicting listeners)
 * without throwing, gives every object it owns a status, and its config always passes the router's
 * own validation at the door.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseRouterConfig } from '../../src/contract/validate-config.js';
import { translate } from '../../src/translator/translate.js';
import type { KubeObject, ResourceSnapshot } from '../../src/translator/translator.types.js';
import { fuzzBudget } from '../support/fuzz.js';
import { DEFAULT_OPTIONS, loadCase } from '../translator/golden.js';

const OURS = DEFAULT_OPTIONS.controllerName;
const GW_GROUP = 'gateway.networking.k8s.io';
// A real certificate and key (a listener with a valid TLS Secret exercises the HTTPS path).
const TLS_SECRET = loadCase(new URL('../translator/testdata/https-cross-namespace-cert-with-grant.in.yaml', import.meta.url).pathname).snapshot.secrets[0]!;

const namespace = fc.constantFrom('default', 'app', 'infra');
const name = fc.constantFrom('a', 'b', 'web', 'gw', 'x-1');
const weirdString = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12, unit: 'grapheme' }), fc.constant(''), fc.constant('__proto__'));
const hostname = fc.oneof(
  fc.constantFrom('example.com', '*.example.com', 'a.example.com', 'b.a.example.com', '*', '*.com', 'EXAMPLE.com', 'example.com.', '-a.example.com', '*.*.example.com', 'a..b', '127.0.0.1'),
  fc.domain(),
  weirdString,
);
// Strings only: a number as a path value is a known defect another engineer is fixing (the output
// fails the schema); widen to fc.oneof(..., fc.integer()) once that is merged.
const pathValue = fc.oneof(fc.constantFrom('/', '/a', '/a/', '//', '/a b', '', 'no-slash', '/%2F', '/a?x=1', '/a#b', '/ü', '/a/../b', '/*', '/[a-z]+', '(', '/a{2,}'), weirdString);
const pathType = fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression', 'Bogus', undefined);
const port = fc.oneof(fc.constantFrom(80, 443, 8080, 0, -1, 65536), fc.integer({ min: 1, max: 65535 }));
const headerName = fc.oneof(fc.constantFrom('x-a', 'X-A', 'bad name', '', ':path', 'host'), weirdString);

function meta(n: string, ns: string | undefined, i: number): KubeObject['metadata'] {
  return { name: n, ...(ns ? { namespace: ns } : {}), generation: 1, creationTimestamp: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, uid: `uid-${i}` };
}

const gatewayClass = fc.record({ name: fc.constantFrom('serval', 'other'), ours: fc.boolean() });

// Listener names stay unique within a Gateway: duplicate listener names are a known defect another
// engineer is fixing; drop the uniqueness once that is merged.
const listener = fc.record({
  port,
  protocol: fc.constantFrom('HTTP', 'HTTPS', 'TLS', 'TCP', 'HTTP2', 'Bogus'),
  hostname: fc.option(hostname, { nil: undefined }),
  certName: fc.option(fc.constantFrom('tls', 'missing', 'not-tls'), { nil: undefined }),
  certNs: fc.option(namespace, { nil: undefined }),
  from: fc.constantFrom('All', 'Same', 'Selector', 'Bogus', undefined),
  kinds: fc.option(fc.constantFrom('HTTPRoute', 'GRPCRoute', 'Bogus'), { nil: undefined }),
});
const gateway = fc.record({ name, ns: namespace, className: fc.constantFrom('serval', 'other', 'missing'), listeners: fc.array(listener, { maxLength: 4 }), address: fc.option(fc.constantFrom('127.0.10.1', '10.0.0.1', 'not-an-ip'), { nil: undefined }) });

const match = fc.record(
  {
    path: fc.record({ type: pathType, value: pathValue }, { requiredKeys: [] }),
    headers: fc.array(fc.record({ type: fc.constantFrom('Exact', 'RegularExpression', undefined), name: headerName, value: weirdString }), { maxLength: 2 }),
    queryParams: fc.array(fc.record({ type: fc.constantFrom('Exact', 'RegularExpression', undefined), name: weirdString, value: weirdString }), { maxLength: 2 }),
    method: fc.constantFrom('GET', 'POST', 'get', 'BREW', ''),
  },
  { requiredKeys: [] },
);
const filter = fc.oneof(
  fc.record({ type: fc.constant('RequestHeaderModifier'), requestHeaderModifier: fc.record({ set: fc.array(fc.record({ name: headerName, value: weirdString }), { maxLength: 2 }), remove: fc.array(headerName, { maxLength: 2 }) }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('ResponseHeaderModifier'), responseHeaderModifier: fc.record({ add: fc.array(fc.record({ name: headerName, value: weirdString }), { maxLength: 2 }) }) }),
  fc.record({ type: fc.constant('RequestRedirect'), requestRedirect: fc.record({ scheme: fc.constantFrom('http', 'https', 'ftp'), hostname, port, statusCode: fc.constantFrom(301, 302, 418), path: fc.record({ type: fc.constantFrom('ReplaceFullPath', 'ReplacePrefixMatch', 'Bogus'), replaceFullPath: pathValue, replacePrefixMatch: pathValue }, { requiredKeys: [] }) }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('URLRewrite'), urlRewrite: fc.record({ hostname, path: fc.record({ type: fc.constantFrom('ReplaceFullPath', 'ReplacePrefixMatch'), replaceFullPath: pathValue, replacePrefixMatch: pathValue }, { requiredKeys: [] }) }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constant('RequestMirror'), requestMirror: fc.record({ backendRef: fc.record({ name, namespace, port }, { requiredKeys: ['name'] }), percent: fc.integer({ min: -10, max: 110 }) }, { requiredKeys: [] }) }),
  fc.record({ type: fc.constantFrom('CORS', 'ExtensionRef', 'Bogus'), extensionRef: fc.record({ group: weirdString, kind: weirdString, name }) }),
);
const backendRef = fc.record(
  { name, namespace, port: fc.option(port, { nil: undefined }), weight: fc.constantFrom(0, 1, 10, -1, 1_000_001), kind: fc.constantFrom('Service', 'Bogus'), group: fc.constantFrom('', 'core', 'example.com') },
  { requiredKeys: ['name'] },
);
const rule = fc.record(
  {
    name: fc.option(fc.constantFrom('r', 'r2', ''), { nil: undefined }),
    matches: fc.array(match, { maxLength: 3 }),
    filters: fc.array(filter, { maxLength: 3 }),
    backendRefs: fc.array(backendRef, { maxLength: 3 }),
    timeouts: fc.record({ request: fc.constantFrom('10s', '0s', '1h', 'bogus', '-1s', '500ms'), backendRequest: fc.constantFrom('1s', '2h', 'x') }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const parentRef = fc.record({ name, namespace: fc.option(namespace, { nil: undefined }), sectionName: fc.option(fc.constantFrom('l0', 'l1', 'missing'), { nil: undefined }), port: fc.option(port, { nil: undefined }), kind: fc.constantFrom(undefined, 'Gateway', 'Service') });
const route = fc.record({ name, ns: namespace, parentRefs: fc.array(parentRef, { maxLength: 3 }), hostnames: fc.array(hostname, { maxLength: 3 }), rules: fc.array(rule, { maxLength: 3 }) });
const service = fc.record({ name, ns: namespace, ports: fc.array(fc.record({ port, targetPort: fc.oneof(port, fc.constant('http')), name: fc.constantFrom('http', undefined) }), { maxLength: 2 }), endpoints: fc.array(fc.constantFrom('127.0.20.1', '127.0.20.2', '::1', 'bogus'), { maxLength: 3 }) });
const grant = fc.record({ ns: namespace, fromNs: namespace, fromKind: fc.constantFrom('HTTPRoute', 'Gateway'), toKind: fc.constantFrom('Service', 'Secret'), toName: fc.option(name, { nil: undefined }) });

const objectSet = fc.record({
  classes: fc.uniqueArray(gatewayClass, { maxLength: 2, selector: (c) => c.name }),
  gateways: fc.uniqueArray(gateway, { maxLength: 3, selector: (g) => `${g.ns}/${g.name}` }),
  routes: fc.uniqueArray(route, { maxLength: 5, selector: (r) => `${r.ns}/${r.name}` }),
  services: fc.uniqueArray(service, { maxLength: 3, selector: (s) => `${s.ns}/${s.name}` }),
  grants: fc.array(grant, { maxLength: 2 }),
});
type ObjectSet = typeof objectSet extends fc.Arbitrary<infer T> ? T : never;

/** Drops keys whose value is undefined, as YAML or the API server would. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function snapshotOf(set: ObjectSet): ResourceSnapshot {
  let i = 0;
  const gatewayClasses = set.classes.map((c) => ({ apiVersion: `${GW_GROUP}/v1`, kind: 'GatewayClass', metadata: meta(c.name, undefined, i++), spec: { controllerName: c.ours ? OURS : 'example.com/other' } }));
  const gateways = set.gateways.map((g) => ({
    apiVersion: `${GW_GROUP}/v1`,
    kind: 'Gateway',
    metadata: meta(g.name, g.ns, i++),
    spec: clean({
      gatewayClassName: g.className,
      ...(g.address ? { addresses: [{ type: 'IPAddress', value: g.address }] } : {}),
      listeners: g.listeners.map((l, li) => ({
        name: `l${li}`,
        port: l.port,
        protocol: l.protocol,
        hostname: l.hostname,
        ...(l.certName ? { tls: { mode: 'Terminate', certificateRefs: [{ name: l.certName, namespace: l.certNs }] } } : {}),
        ...(l.from ? { allowedRoutes: { namespaces: { from: l.from, ...(l.from === 'Selector' ? { selector: { matchLabels: { team: 'a' } } } : {}) }, ...(l.kinds ? { kinds: [{ kind: l.kinds }] } : {}) } } : {}),
      })),
    }),
  }));
  const httpRoutes = set.routes.map((r) => ({ apiVersion: `${GW_GROUP}/v1`, kind: 'HTTPRoute', metadata: meta(r.name, r.ns, i++), spec: clean({ parentRefs: r.parentRefs, hostnames: r.hostnames, rules: r.rules }) }));
  const services = set.services.map((s) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(s.name, s.ns, i++), spec: clean({ ports: s.ports }) }));
  const endpointSlices = set.services.map((s) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { ...meta(`${s.name}-abc`, s.ns, i++), labels: { 'kubernetes.io/service-name': s.name } },
    addressType: 'IPv4',
    ports: clean(s.ports.map((p) => ({ port: typeof p.targetPort === 'number' ? p.targetPort : 8080, name: p.name, protocol: 'TCP' }))),
    endpoints: s.endpoints.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  }));
  const referenceGrants = set.grants.map((g) => ({
    apiVersion: `${GW_GROUP}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: meta(`grant-${i}`, g.ns, i++),
    spec: clean({ from: [{ group: GW_GROUP, kind: g.fromKind, namespace: g.fromNs }], to: [{ group: '', kind: g.toKind, name: g.toName }] }),
  }));
  const secrets = [
    { ...TLS_SECRET, metadata: meta('tls', 'infra', i++) },
    { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: meta('tls', 'app', i++), data: { 'tls.crt': 'bm90IGEgY2VydA==', 'tls.key': '!!' } },
    { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta('not-tls', 'infra', i++), data: {} },
  ];
  const namespaces = ['default', 'app', 'infra'].map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta(n, undefined, i++), labels: (n === 'app' ? { team: 'a' } : {}) as Record<string, string> } }));
  // Deliberately loose shapes (bogus kinds, wrong refs): the translator's input types are what the API server guarantees.
  return { gatewayClasses, gateways, httpRoutes, referenceGrants, services, endpointSlices, secrets, namespaces } as unknown as ResourceSnapshot;
}

/** The objects this controller owns a status for: our classes, their Gateways, routes naming one of those Gateways. */
function owned(snapshot: ResourceSnapshot): string[] {
  const classes = new Set(snapshot.gatewayClasses.filter((c) => c.spec?.controllerName === OURS).map((c) => c.metadata.name));
  const gateways = snapshot.gateways.filter((g) => classes.has(g.spec?.gatewayClassName));
  const gatewayKeys = new Set(gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  const routes = snapshot.httpRoutes.filter((r) =>
    (r.spec?.parentRefs ?? []).some((p: { kind?: string; namespace?: string; name: string }) => (p.kind ?? 'Gateway') === 'Gateway' && gatewayKeys.has(`${p.namespace ?? r.metadata.namespace}/${p.name}`)),
  );
  return [
    ...[...classes].map((n) => `GatewayClass//${n}`),
    ...gateways.map((g) => `Gateway/${g.metadata.namespace}/${g.metadata.name}`),
    ...routes.map((r) => `HTTPRoute/${r.metadata.namespace}/${r.metadata.name}`),
  ].sort();
}

describe('translate() on random Gateway API object sets', () => {
  test('never throws, every owned object gets one status, the config passes the router schema', () => {
    fc.assert(
      fc.property(objectSet, (set) => {
        const snapshot = snapshotOf(set);
        const result = translate(snapshot, DEFAULT_OPTIONS);
        const keys = result.statuses.map((s) => `${s.kind}/${s.namespace ?? ''}/${s.name}`);
        expect(new Set(keys).size, 'one status per object').toBe(keys.length);
        expect([...keys].sort()).toEqual(owned(snapshot));
        // What a push would carry: the router validates it at its door.
        expect(() => parseRouterConfig(JSON.parse(JSON.stringify(result.config)))).not.toThrow();
      }),
      fuzzBudget(300, 3_000),
    );
  });
});
