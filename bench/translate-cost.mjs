#!/usr/bin/env node
// What one change costs the controller's translation among thousands of routes, per kind of change:
// translate() with the memo, then the contract check and version (parseRouterConfig), as a reconcile
// does. No cluster, no router: the snapshot is built here, and each change hands in a new list for its
// kind with the one object replaced where it was, as the Kubernetes provider does.
//
//   npm run build && node bench/translate-cost.mjs [--baseline <another build's dist>] [--routes 5000]
//     [--services 1000] [--namespaces 50] [--endpoints 10] [--changes 200]
//
// With --baseline, the same changes run through both builds in turns (kind by kind, in one process),
// so the two columns share the machine's load. A baseline of main, for instance:
//   mkdir -p .cache/baseline && git archive main src tsconfig.json tsconfig.build.json package.json | tar -x -C .cache/baseline
//   ln -s ../../node_modules .cache/baseline/ && (cd .cache/baseline && ../../node_modules/.bin/tsc -p tsconfig.build.json)
//   node bench/translate-cost.mjs --baseline .cache/baseline/dist
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ROOT } from './k8s-harness.mjs';

const { values: flags } = parseArgs({
  options: Object.fromEntries(['baseline', 'routes', 'services', 'namespaces', 'endpoints', 'changes'].map((n) => [n, { type: 'string' }])),
});
const ROUTES = Number(flags.routes ?? 5000);
const SERVICES = Number(flags.services ?? 1000);
const NAMESPACES = Number(flags.namespaces ?? 50);
const ENDPOINTS = Number(flags.endpoints ?? 10);
const CHANGES = Number(flags.changes ?? 200);
const G = 'gateway.networking.k8s.io';
const BACKEND_NS = 'bench-backend';
const OPTIONS = { controllerName: 'serval.dev/gateway-controller', gatewayAddresses: [], now: '2026-01-01T00:00:00Z' };

async function load(dist) {
  const at = (file) => pathToFileURL(join(dist, file)).href;
  const { translate } = await import(at('translator/translate.js'));
  const { TranslationMemo } = await import(at('translator/translation-memo.js'));
  const { parseRouterConfig } = await import(at('contract/validate-config.js'));
  return { translate, TranslationMemo, parseRouterConfig };
}

// Routes in bench-<n>; every fourth one reaches a Service in bench-backend through its namespace's
// ReferenceGrant, the others a Service of their own namespace.
const ns = (i) => `bench-${i % NAMESPACES}`;
const serviceOf = (i) => (i % 4 === 3 ? { namespace: BACKEND_NS, name: `svc-${i % SERVICES}` } : { namespace: ns(i), name: `svc-${i % SERVICES}` });
const service = (namespace, name, v = 0) => ({
  metadata: { name, namespace, uid: `${namespace}/${name}`, resourceVersion: `${v}`, annotations: { v: `${v}` } },
  spec: { ports: [{ port: 8080, targetPort: 3000 }] },
});
const slice = (namespace, name, v = 0) => ({
  metadata: { name: `${name}-abcde`, namespace, labels: { 'kubernetes.io/service-name': name }, resourceVersion: `${v}` },
  addressType: 'IPv4',
  ports: [{ name: '', port: 3000, protocol: 'TCP' }],
  endpoints: Array.from({ length: ENDPOINTS }, (_, e) => ({ addresses: [`10.${(v >> 8) & 255}.${v & 255}.${e + 1}`], conditions: { ready: true } })),
});
const namespace = (name, v = 0) => ({ metadata: { name, labels: { team: `t${v % 2}` } } });
const grant = (n, v = 0) => ({
  metadata: { name: `from-bench-${n}`, namespace: BACKEND_NS, resourceVersion: `${v}` },
  spec: { from: [{ group: G, kind: 'HTTPRoute', namespace: `bench-${n}` }], to: [{ group: '', kind: 'Service' }] },
});
const route = (i, generation = 1) => ({
  metadata: { name: `route-${i}`, namespace: ns(i), uid: `uid-${i}`, generation, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() },
  spec: {
    parentRefs: [{ name: 'bench', namespace: 'bench-gateway' }],
    hostnames: [`r${i}.bench.test`],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: generation === 1 ? '/' : `/v${generation}` } }], backendRefs: [{ ...serviceOf(i), port: 8080 }] }],
  },
});

function initialSnapshot() {
  const keys = new Map();
  for (let i = 0; i < ROUTES; i++) {
    const s = serviceOf(i);
    keys.set(`${s.namespace}/${s.name}`, s);
  }
  const services = [...keys.values()].map((s) => service(s.namespace, s.name));
  return {
    gatewayClasses: [{ metadata: { name: 'serval' }, spec: { controllerName: OPTIONS.controllerName } }],
    gateways: [{ metadata: { name: 'bench', namespace: 'bench-gateway', generation: 1 }, spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } }],
    httpRoutes: Array.from({ length: ROUTES }, (_, i) => route(i)),
    referenceGrants: Array.from({ length: NAMESPACES }, (_, n) => grant(n)),
    services,
    endpointSlices: services.map((s) => slice(s.metadata.namespace, s.metadata.name)),
    secrets: [],
    namespaces: ['bench-gateway', BACKEND_NS, ...Array.from({ length: NAMESPACES }, (_, n) => `bench-${n}`)].map((n) => namespace(n)),
  };
}

/** The k-th change of a kind: the snapshot's list for that kind, with one object replaced in place. */
const CHANGE_KINDS = {
  EndpointSlice: (snap, k) => replaceAt(snap, 'endpointSlices', (k * 7919) % snap.endpointSlices.length, (o) => slice(o.metadata.namespace, o.metadata.labels['kubernetes.io/service-name'], k + 1)),
  Service: (snap, k) => replaceAt(snap, 'services', (k * 7919) % snap.services.length, (o) => service(o.metadata.namespace, o.metadata.name, k + 1)),
  Namespace: (snap, k) => replaceAt(snap, 'namespaces', 2 + (k % NAMESPACES), (o) => namespace(o.metadata.name, k + 1)),
  ReferenceGrant: (snap, k) => replaceAt(snap, 'referenceGrants', k % NAMESPACES, () => grant(k % NAMESPACES, k + 1)),
  HTTPRoute: (snap, k) => replaceAt(snap, 'httpRoutes', (k * 7919) % ROUTES, (o) => route(Number(o.metadata.name.slice(6)), o.metadata.generation + 1)),
};

function replaceAt(snap, kind, at, make) {
  const list = snap[kind].slice();
  list[at] = make(list[at]);
  return { ...snap, [kind]: list };
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99) };
}

/** One build's state: its own memo, fed the same sequence of snapshots. */
function runner(build) {
  const memo = new build.TranslationMemo();
  const reconcile = (snap) => {
    const { config } = build.translate(snap, OPTIONS, memo);
    const { version: _v, ...content } = config;
    return build.parseRouterConfig(content);
  };
  return { reconcile };
}

async function main() {
  const builds = [['this build', resolve(ROOT, 'dist')]];
  if (flags.baseline) builds.unshift(['baseline', resolve(flags.baseline)]);
  const runners = [];
  for (const [name, dist] of builds) runners.push({ name, ...runner(await load(dist)) });
  let snap = initialSnapshot();
  console.log(`translate + contract check per change: ${ROUTES} routes, ${snap.services.length} Services with one EndpointSlice of ${ENDPOINTS} endpoints each, ${NAMESPACES} namespaces and ReferenceGrants; node ${process.version}`);
  for (const r of runners) r.reconcile(snap); // the first (whole) translation, not measured
  const rows = [];
  for (const [kind, change] of Object.entries(CHANGE_KINDS)) {
    const times = new Map(runners.map((r) => [r.name, []]));
    for (let k = 0; k < CHANGES; k++) {
      snap = change(snap, k);
      for (const r of runners) {
        const start = performance.now();
        r.reconcile(snap);
        times.get(r.name).push(performance.now() - start);
      }
    }
    const cells = runners.map((r) => {
      const p = percentiles(times.get(r.name).slice(Math.min(10, CHANGES - 1))); // the first few warm up
      return `${r.name}: p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms`;
    });
    rows.push(`  ${kind.padEnd(15)} ${cells.join('   ')}`);
    console.log(rows.at(-1));
  }
}

await main();
