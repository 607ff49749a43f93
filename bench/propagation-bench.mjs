#!/usr/bin/env node
// Route propagation benchmark on the real test cluster (npm run bench:k8s; root, see test/k8s/README.md).
// serval controller (ServiceAccount) + router as in `npm run conformance`; one Gateway; a steady load of
// keep-alive clients on a few existing routes while HTTPRoutes are created in many namespaces, then
// changed, then deleted. Each new route is timed from the API write (just before the create request)
// to its first 200 through the router; changes to their first 200 on the new path; deletions to their
// first 404. Two kinds of new route: the bulk create (all routes, --concurrency writers at once: a
// write storm) and, with all of them present, --adds more written one at a time (what one engineer's
// `kubectl apply` sees; the target is on these). Reports p50/p99/max, every non-2xx or error on the existing routes, and the controller's
// and router's RSS and CPU seconds (/proc). Then, with all routes present, a rolling update of a
// --replicas Deployment behind one more route, under its own load (--roll-clients at --roll-rate):
// errors, per new Pod the time from Ready to the first request it serves, per old Pod from its leaving
// to the last request it serves (echo-basic answers with its Pod's name), serval's part of each from
// the EndpointSlice watch event, and the controller's CPU per EndpointSlice change.
//
// Env BENCH_LOG_LEVEL (default warn), BENCH_CONTROLLER_NODE_ARGS / BENCH_ROUTER_NODE_ARGS (node options for
// one of the two, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
// BENCH_ROUTER_WORKERS (router --workers; default: the router's default, one per CPU).
// Flags (or env BENCH_<NAME>): --routes 5000 --namespaces 50 --existing 10 --clients 4
//   --rate 100 (requests/s per client) --concurrency 8 (routes written in parallel) --adds 500 --changes 500 --deletes 500 --json <file>
//   --replicas 10 --roll-clients 8 --roll-rate 100
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadHarness, ROOT } from './k8s-harness.mjs';
import { treeUsage } from './k8s-proc-stats.mjs';

const { values: flags } = parseArgs({
  options: Object.fromEntries(
    ['routes', 'namespaces', 'existing', 'clients', 'rate', 'concurrency', 'adds', 'changes', 'deletes', 'json', 'replicas', 'roll-clients', 'roll-rate'].map((n) => [n, { type: 'string' }]),
  ),
});
const opt = (name, def) => Number(flags[name] ?? process.env[`BENCH_${name.toUpperCase().replace('-', '_')}`] ?? def);
const ROUTES = opt('routes', 5000);
const NAMESPACES = opt('namespaces', 50);
const EXISTING = opt('existing', 10);
const CLIENTS = opt('clients', 4);
// Requests per second per load client: a steady load, not a saturating one (2 cores run everything here).
const RATE = opt('rate', 100);
// How often a poller asks for a route that is not there yet: the measurement's resolution.
const POLL_MS = 5;
const CONCURRENCY = opt('concurrency', 8);
const ADDS = opt('adds', 500);
const CHANGES = Math.min(opt('changes', 500), ROUTES);
const DELETES = Math.min(opt('deletes', 500), ROUTES);
const JSON_OUT = flags.json ?? process.env.BENCH_JSON;
const REPLICAS = opt('replicas', 10);
const ROLL_CLIENTS = opt('roll-clients', 8);
const ROLL_RATE = opt('roll-rate', 100);
const ROLL_HOST = `rollout.bench.test`;
const ROUTE_TIMEOUT_MS = 30_000;

const GROUP = 'gateway.networking.k8s.io';
const GW_NS = 'bench-gateway';
const BACKEND_NS = 'bench-backend';
const GW_NAME = 'bench';
const DOMAIN = 'bench.test';
const routeNs = (i) => `bench-${i % NAMESPACES}`;
const routeName = (i) => `route-${i}`;
const routeHost = (i) => `r${i}.${DOMAIN}`;

const t0 = performance.now();
const log = (msg) => process.stderr.write(`[bench:k8s ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

function backendObjects() {
  const labels = { app: 'echo' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BACKEND_NS } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GW_NS } },
    ...Array.from({ length: NAMESPACES }, (_, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${i}` } })),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo', namespace: BACKEND_NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [echoContainer()],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: BACKEND_NS }, spec: { selector: labels, ports: [{ port: 8080, targetPort: 3000 }] } },
    // The rolling update's backend: the same echo Pods, REPLICAS of them, behind Service `roll`.
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'roll', namespace: BACKEND_NS },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'roll' } },
        template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [echoContainer()] } },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'roll', namespace: BACKEND_NS }, spec: { selector: { app: 'roll' }, ports: [{ port: 8080, targetPort: 3000 }] } },
    {
      apiVersion: `${GROUP}/v1`,
      kind: 'Gateway',
      metadata: { name: GW_NAME, namespace: GW_NS },
      spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    },
    // Routes in bench-<n> reach the one backend Service through a ReferenceGrant per namespace.
    ...Array.from({ length: NAMESPACES }, (_, i) => ({
      apiVersion: `${GROUP}/v1`,
      kind: 'ReferenceGrant',
      metadata: { name: `from-bench-${i}`, namespace: BACKEND_NS },
      spec: { from: [{ group: GROUP, kind: 'HTTPRoute', namespace: `bench-${i}` }], to: [{ group: '', kind: 'Service', name: 'echo' }] },
    })),
  ];
}

function echoContainer() {
  return {
    name: 'echo',
    image: 'registry.k8s.io/gateway-api/echo-basic:v1.5.1', // the test kubelet runs echo-basic whatever the image
    ports: [{ containerPort: 3000 }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
  };
}

function httpRoute(namespace, name, host, path = '/', service = 'echo') {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ name: GW_NAME, namespace: GW_NS }],
      hostnames: [host],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: path } }],
        backendRefs: [{ name: service, namespace: BACKEND_NS, port: 8080 }],
      }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP through the router

function makeClient(address) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Resolves with the status code, or with 'error: <code>' (never rejects). */
  return (host, path = '/') =>
    new Promise((resolve) => {
      const req = http.request({ host: address, port: 80, path, agent, headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', (err) => resolve(`error: ${err.code ?? err.message}`));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve(`error: ${err.code ?? err.message}`));
      req.end();
    });
}

/** Polls host+path until `done(status)`; returns ms since `since`, or undefined on timeout. */
async function pollUntil(get, host, path, done, since) {
  for (;;) {
    const status = await get(host, path);
    const now = performance.now();
    if (done(status)) return now - since;
    if (now - since > ROUTE_TIMEOUT_MS) return undefined;
    await sleep(POLL_MS);
  }
}

/** Steady load: CLIENTS keep-alive loops over the existing routes; every non-2xx or error is counted. */
function startLoad(address) {
  const state = { requests: 0, failures: 0, samples: [], phase: 'idle', byPhase: {}, running: true };
  const loops = Array.from({ length: CLIENTS }, async (_, c) => {
    const get = makeClient(address);
    const interval = 1000 / RATE;
    let next = performance.now();
    for (let n = c; state.running; n++) {
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      const status = await get(`existing-${n % EXISTING}.${DOMAIN}`, '/');
      state.requests++;
      const phase = (state.byPhase[state.phase] ??= { requests: 0, failures: 0 });
      phase.requests++;
      if (typeof status !== 'number' || status < 200 || status > 299) {
        state.failures++;
        phase.failures++;
        if (state.samples.length < 20) state.samples.push({ phase: state.phase, host: `existing-${n % EXISTING}`, status });
      }
    }
  });
  return { state, stop: async () => { state.running = false; await Promise.all(loops); } };
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}
const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

/** Runs `task(i, worker)` for i in [0, count) with `concurrency` workers in flight. */
async function runPool(count, concurrency, task) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async (_, worker) => {
    for (let i = next++; i < count; i = next++) await task(i, worker);
  }));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  log(`routes ${ROUTES} in ${NAMESPACES} namespaces, ${EXISTING} existing routes under ${CLIENTS} keep-alive clients at ${RATE} req/s each, ${CONCURRENCY} writers`);
  const { modules, cleanup } = await loadHarness();
  const { startCluster } = modules['test/k8s/harness/cluster.ts'];
  const { startServalStack } = modules['test/conformance/serval-stack.ts'];
  const logDir = join(ROOT, '.cache/bench-k8s-logs');
  mkdirSync(logDir, { recursive: true });

  let cluster;
  let stack;
  let load;
  const stopAll = async () => {
    await load?.stop().catch(() => {});
    await stack?.stop().catch(() => {});
    await cluster?.stop().catch(() => {});
    cleanup();
  };
  // process.on (not once): a listener tells the harness to let this clean shutdown run.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll().then(() => process.exit(130)));

  try {
    cluster = await startCluster();
    log(`cluster up (${cluster.dir})`);
    stack = await startServalStack(cluster, {
      logDir,
      env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
      // e.g. BENCH_CONTROLLER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the controller
      controllerNodeArgs: process.env.BENCH_CONTROLLER_NODE_ARGS?.split(' ').filter(Boolean),
      routerNodeArgs: process.env.BENCH_ROUTER_NODE_ARGS?.split(' ').filter(Boolean),
      // Default: the router's own default (one traffic worker per CPU).
      ...(process.env.BENCH_ROUTER_WORKERS ? { routerWorkers: Number(process.env.BENCH_ROUTER_WORKERS) } : {}),
    });
    log(`serval up: router pid ${stack.router.pid}, controller pid ${stack.controller.pid}`);
    const k8s = await import('@kubernetes/client-node');
    const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);

    for (const obj of backendObjects()) await objects.create(obj);
    const gateway = await waitForValue('Gateway address', async () => {
      const gw = await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: GW_NS, plural: 'gateways', name: GW_NAME });
      const programmed = gw.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True');
      return programmed && gw.status?.addresses?.[0]?.value;
    });
    log(`Gateway ${GW_NS}/${GW_NAME} programmed at ${gateway}`);

    const probe = makeClient(gateway);
    for (let i = 0; i < EXISTING; i++) {
      await objects.create(httpRoute(BACKEND_NS, `existing-${i}`, `existing-${i}.${DOMAIN}`));
    }
    await objects.create(httpRoute(BACKEND_NS, 'rollout', ROLL_HOST, '/', 'roll'));
    for (let i = 0; i < EXISTING; i++) {
      const waited = await pollUntil(probe, `existing-${i}.${DOMAIN}`, '/', (s) => s === 200, performance.now());
      if (waited === undefined) throw new Error(`existing route ${i} never answered 200 (are the echo Pods ready?)`);
    }
    log(`${EXISTING} existing routes answer 200; starting the load`);
    load = startLoad(gateway);
    await sleep(1000);
    const usageBefore = { controller: treeUsage(stack.controller.pid), router: treeUsage(stack.router.pid) };
    const peak = { controller: 0, router: 0 };
    const sampler = setInterval(() => {
      peak.controller = Math.max(peak.controller, treeUsage(stack.controller.pid).rssBytes);
      peak.router = Math.max(peak.router, treeUsage(stack.router.pid).rssBytes);
    }, 500);

    // A watch of our own on HTTPRoutes: when the API server announces each new route, which is when
    // the controller can first know of it (its informer reads the same stream).
    const announced = new Map();
    const watch = await new k8s.Watch(cluster.kubeConfig).watch(
      `/apis/${GROUP}/v1/httproutes`,
      { allowWatchBookmarks: false },
      (type, obj) => {
        if (type === 'ADDED') announced.set(`${obj.metadata.namespace}/${obj.metadata.name}`, performance.now());
      },
      () => {},
    );

    // --- create -------------------------------------------------------------------------------
    load.state.phase = 'create';
    const created = [];
    const createTimeouts = [];
    const createStart = performance.now();
    let done = 0;
    // One keep-alive poller per writer.
    const pollers = Array.from({ length: CONCURRENCY }, () => makeClient(gateway));
    await runPool(ROUTES, CONCURRENCY, async (i, worker) => {
      const get = pollers[worker];
      const since = performance.now();
      await objects.create(httpRoute(routeNs(i), routeName(i), routeHost(i)));
      const written = performance.now() - since;
      const latency = await pollUntil(get, routeHost(i), '/', (s) => s === 200, since);
      const seen = announced.get(`${routeNs(i)}/${routeName(i)}`);
      if (latency === undefined) createTimeouts.push(i);
      else created.push({ i, latency, written, ...(seen !== undefined ? { announced: seen - since } : {}) });
      if (++done % 500 === 0) log(`created ${done}/${ROUTES}; last 500: ${fmt(percentiles(created.slice(-500).map((c) => c.latency)))}`);
    });
    const createSeconds = (performance.now() - createStart) / 1000;
    const usageAfterCreate = { controller: treeUsage(stack.controller.pid), router: treeUsage(stack.router.pid) };
    log(`created ${ROUTES} routes in ${createSeconds.toFixed(1)}s`);

    // --- add: with all routes present, one new route at a time ------------------------------------
    load.state.phase = 'add';
    await sleep(1000); // let the status writes of the bulk create settle
    const added = [];
    const addTimeouts = [];
    for (let k = 0; k < ADDS; k++) {
      const i = ROUTES + k;
      const since = performance.now();
      await objects.create(httpRoute(routeNs(i), routeName(i), routeHost(i)));
      const written = performance.now() - since;
      const latency = await pollUntil(pollers[0], routeHost(i), '/', (s) => s === 200, since);
      const seen = announced.get(`${routeNs(i)}/${routeName(i)}`);
      if (latency === undefined) addTimeouts.push(i);
      else added.push({ i, latency, written, ...(seen !== undefined ? { announced: seen - since } : {}) });
      // Apart, as separate edits are: the next one starts after this one's status write went through.
      await sleep(50);
    }
    watch.abort();
    log(`added ${ADDS} routes one at a time with ${ROUTES} present`);

    // --- rolling update of the `roll` Deployment, with all routes present ---------------------------
    load.state.phase = 'rollout';
    const rollout = await rollingUpdate(k8s, cluster.kubeConfig, gateway, stack.controller.pid);
    log(`rolled out ${REPLICAS} Pods: ${rollout.requests} requests, ${rollout.failures} failed`);

    // --- change: move the route to another path -----------------------------------------------
    load.state.phase = 'change';
    const changed = [];
    const changeTimeouts = [];
    await runPool(CHANGES, CONCURRENCY, async (k, worker) => {
      const i = changedRoute(k);
      const get = pollers[worker];
      const since = performance.now();
      // Read, change, replace; again on 409 (the controller writes the route's status too).
      for (let attempt = 1; ; attempt++) {
        const route = await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: routeNs(i), plural: 'httproutes', name: routeName(i) });
        route.spec.rules[0].matches[0].path.value = '/v2';
        try {
          await custom.replaceNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: routeNs(i), plural: 'httproutes', name: routeName(i), body: route });
          break;
        } catch (err) {
          if (err?.code !== 409 || attempt >= 5) throw err;
        }
      }
      const latency = await pollUntil(get, routeHost(i), '/v2', (s) => s === 200, since);
      if (latency === undefined) changeTimeouts.push(i);
      else changed.push(latency);
    });
    // A moved route must no longer answer on its old path.
    const staleAfterChange = (await Promise.all(
      Array.from({ length: Math.min(CHANGES, 20) }, (_, k) => probe(routeHost(changedRoute(k)), '/')),
    )).filter((s) => s !== 404).length;
    log(`changed ${CHANGES} routes`);

    // --- delete -------------------------------------------------------------------------------
    load.state.phase = 'delete';
    const deleted = [];
    const deleteTimeouts = [];
    const changedSet = new Set(Array.from({ length: CHANGES }, (_, k) => changedRoute(k)));
    await runPool(DELETES, CONCURRENCY, async (k, worker) => {
      const i = ROUTES - 1 - Math.floor((k * ROUTES) / DELETES);
      const get = pollers[worker];
      const path = changedSet.has(i) ? '/v2' : '/';
      const since = performance.now();
      await custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: routeNs(i), plural: 'httproutes', name: routeName(i) });
      const latency = await pollUntil(get, routeHost(i), path, (s) => s === 404, since);
      if (latency === undefined) deleteTimeouts.push(i);
      else deleted.push(latency);
    });
    log(`deleted ${DELETES} routes`);

    load.state.phase = 'settle';
    await sleep(1000);
    clearInterval(sampler);
    await load.stop();
    const usageEnd = { controller: treeUsage(stack.controller.pid), router: treeUsage(stack.router.pid) };
    const controllerMetrics = await scrape(`${stack.controllerUrl}/metrics`);
    const routerMetrics = await scrape(`${stack.routerAdminUrl}/metrics`, stack.adminToken);
    const reconciles = sumMetric(controllerMetrics, 'serval_reconcile_duration_seconds_count');

    const createStats = percentiles(created.map((c) => c.latency));
    /** Latency, the create request's own time, and serval's part (from the API server's watch event). */
    const phases = (list) => ({
      apiWrite: percentiles(list.map((c) => c.written)),
      afterWrite: percentiles(list.map((c) => c.latency - c.written)),
      afterAnnounce: percentiles(list.filter((c) => c.announced !== undefined).map((c) => c.latency - c.announced)),
    });
    const lastThousand = percentiles(created.filter((c) => c.i >= ROUTES - Math.min(1000, ROUTES)).map((c) => c.latency));
    const result = {
      routes: ROUTES,
      namespaces: NAMESPACES,
      concurrency: CONCURRENCY,
      create: {
        ...createStats,
        timeouts: createTimeouts.length,
        seconds: createSeconds,
        lastThousand,
        // How long the API server took to answer the create, what remained after it answered, and the
        // time from the API server's watch event (seen by a watch of the bench's own) to the first 200.
        ...phases(created),
      },
      add: { ...percentiles(added.map((c) => c.latency)), timeouts: addTimeouts.length, ...phases(added) },
      rollout,
      change: { ...percentiles(changed), timeouts: changeTimeouts.length, staleOldPath: staleAfterChange },
      delete: { ...percentiles(deleted), timeouts: deleteTimeouts.length },
      existingRoutes: { requests: load.state.requests, failures: load.state.failures, byPhase: load.state.byPhase, samples: load.state.samples },
      controller: {
        // V8 heap at the end (after changes and deletes): how much of the RSS is live objects.
        heapUsedMB: sumMetric(controllerMetrics, 'nodejs_heap_size_used_bytes') / 1048576,
        heapTotalMB: sumMetric(controllerMetrics, 'nodejs_heap_size_total_bytes') / 1048576,
        rssMB: usageAfterCreate.controller.rssBytes / 1048576,
        peakRssMB: peak.controller / 1048576,
        cpuSeconds: usageEnd.controller.cpuSeconds - usageBefore.controller.cpuSeconds,
      },
      reconciles: {
        count: reconciles,
        meanMs: (sumMetric(controllerMetrics, 'serval_reconcile_duration_seconds_sum') * 1000) / (reconciles || 1),
      },
      routerConfigSwaps: sumMetric(routerMetrics, 'serval_config_swaps_total'),
      router: {
        rssMB: usageAfterCreate.router.rssBytes / 1048576,
        peakRssMB: peak.router / 1048576,
        cpuSeconds: usageEnd.router.cpuSeconds - usageBefore.router.cpuSeconds,
      },
    };
    report(result);
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(result, null, 2));
    return result;
  } catch (err) {
    log(`failed: ${err.stack ?? err}`);
    if (stack) log(`router log tail:\n${stack.router.tail(20)}\ncontroller log tail:\n${stack.controller.tail(20)}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

/** The k-th changed route: spread evenly over all routes. */
function changedRoute(k) {
  return Math.floor((k * ROUTES) / CHANGES);
}

/** Like makeClient, but resolves with { status, pod } (echo-basic names its Pod in its JSON answer). */
function makePodClient(address) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return (host) =>
    new Promise((resolve) => {
      const req = http.request({ host: address, port: 80, path: '/', agent, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          let pod;
          try {
            pod = JSON.parse(body).pod;
          } catch {
            // not echo-basic's answer
          }
          resolve({ status: res.statusCode, pod });
        });
        res.on('error', (err) => resolve({ status: `error: ${err.code ?? err.message}` }));
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve({ status: `error: ${err.code ?? err.message}` }));
      req.end();
    });
}

/**
 * The rolling update: watches of our own on the Deployment's Pods (Ready, deletion) and its
 * EndpointSlices (an endpoint ready, an endpoint gone: where serval's part starts), a load on its route
 * that notes which Pod served each request, a new pod template, then the wait for every old Pod to go.
 */
async function rollingUpdate(k8s, kubeConfig, gateway, controllerPid) {
  const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
  const get = makeClient(gateway);
  await waitForValue(`${REPLICAS} roll Pods ready and routed`, async () => {
    const d = await apps.readNamespacedDeployment({ name: 'roll', namespace: BACKEND_NS });
    return d.status?.readyReplicas === REPLICAS && (await get(ROLL_HOST, '/')) === 200;
  }, 300_000);

  const podReady = new Map();
  const podLeaving = new Map();
  const endpointReady = new Map();
  const endpointGone = new Map();
  const slices = new Map();
  let sliceEvents = 0;
  const watches = [
    await new k8s.Watch(kubeConfig).watch(`/api/v1/namespaces/${BACKEND_NS}/pods`, { labelSelector: 'app=roll' }, (type, pod) => {
      const now = performance.now();
      const name = pod.metadata.name;
      if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !podReady.has(name)) podReady.set(name, now);
      if ((pod.metadata.deletionTimestamp || type === 'DELETED') && !podLeaving.has(name)) podLeaving.set(name, now);
    }, () => {}),
    await new k8s.Watch(kubeConfig).watch(`/apis/discovery.k8s.io/v1/namespaces/${BACKEND_NS}/endpointslices`, { labelSelector: 'kubernetes.io/service-name=roll' }, (type, slice) => {
      const now = performance.now();
      sliceEvents++;
      const ready = new Map();
      if (type !== 'DELETED') for (const ep of slice.endpoints ?? []) if (ep.targetRef?.name) ready.set(ep.targetRef.name, ep.conditions?.ready !== false);
      const before = slices.get(slice.metadata.name) ?? new Map();
      slices.set(slice.metadata.name, ready);
      for (const [name, r] of ready) if (r && !endpointReady.has(name)) endpointReady.set(name, now);
      for (const [name, r] of before) if (r && !ready.get(name) && !endpointGone.has(name)) endpointGone.set(name, now);
    }, () => {}),
  ];
  await sleep(1000); // the watches' initial lists are in
  const oldPods = new Set([...slices.values()].flatMap((m) => [...m.keys()]));

  // The load on the rollout route: which Pod served each request, and when it was sent.
  const served = new Map();
  const state = { requests: 0, failures: 0, samples: [], running: true };
  const loops = Array.from({ length: ROLL_CLIENTS }, async () => {
    const ask = makePodClient(gateway);
    const interval = 1000 / ROLL_RATE;
    let next = performance.now();
    while (state.running) {
      next += interval;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = performance.now();
      const { status, pod } = await ask(ROLL_HOST);
      state.requests++;
      if (typeof status !== 'number' || status < 200 || status > 299 || !pod) {
        state.failures++;
        if (state.samples.length < 20) state.samples.push({ status, pod });
        continue;
      }
      const s = served.get(pod);
      if (!s) served.set(pod, { first: sent, last: sent, sends: [sent] });
      else {
        s.last = Math.max(s.last, sent);
        s.sends.push(sent);
      }
    }
  });
  await sleep(1000);
  const cpuBefore = treeUsage(controllerPid).cpuSeconds;
  const eventsBefore = sliceEvents;
  const start = performance.now();
  // A new pod template: the Deployment replaces every Pod (25% surge, 25% unavailable by default).
  const d = await apps.readNamespacedDeployment({ name: 'roll', namespace: BACKEND_NS });
  d.spec.template.metadata.annotations = { ...d.spec.template.metadata.annotations, 'bench.serval.dev/rollout': String(Date.now()) };
  await apps.replaceNamespacedDeployment({ name: 'roll', namespace: BACKEND_NS, body: d });
  await waitForValue('the rollout to finish', async () => {
    const now = await apps.readNamespacedDeployment({ name: 'roll', namespace: BACKEND_NS });
    const st = now.status ?? {};
    const done = st.observedGeneration >= now.metadata.generation && st.updatedReplicas === REPLICAS && st.readyReplicas === REPLICAS && st.replicas === REPLICAS;
    return done && [...oldPods].every((p) => endpointGone.has(p));
  }, 300_000);
  const seconds = (performance.now() - start) / 1000;
  await sleep(2000); // requests in flight to the last old Pods finish
  const cpuSeconds = treeUsage(controllerPid).cpuSeconds - cpuBefore;
  const changes = sliceEvents - eventsBefore;
  state.running = false;
  await Promise.all(loops);
  for (const w of watches) w.abort();

  const newPods = [...endpointReady.keys()].filter((p) => !oldPods.has(p));
  const firstOf = (p) => served.get(p)?.first;
  const lastOf = (p) => served.get(p)?.last;
  const gone = [...oldPods].filter((p) => endpointGone.has(p) && served.has(p));
  return {
    replicas: REPLICAS,
    seconds,
    rate: ROLL_CLIENTS * ROLL_RATE,
    perPodGapMs: (1000 * REPLICAS) / (ROLL_CLIENTS * ROLL_RATE),
    requests: state.requests,
    failures: state.failures,
    samples: state.samples,
    readyToFirst: percentiles(newPods.filter((p) => firstOf(p) !== undefined && podReady.has(p)).map((p) => firstOf(p) - podReady.get(p))),
    endpointToFirst: percentiles(newPods.filter((p) => firstOf(p) !== undefined).map((p) => firstOf(p) - endpointReady.get(p))),
    neverServed: newPods.filter((p) => firstOf(p) === undefined).length,
    // Negative: the Pod's last request was sent before the event.
    leaveToLast: percentiles(gone.filter((p) => podLeaving.has(p)).map((p) => lastOf(p) - podLeaving.get(p))),
    removedToLast: percentiles(gone.map((p) => lastOf(p) - endpointGone.get(p))),
    lateRequests: gone.reduce((n, p) => n + served.get(p).sends.filter((t) => t > endpointGone.get(p) + 20).length, 0),
    sliceEvents: changes,
    controllerCpuSeconds: cpuSeconds,
    cpuMsPerChange: (cpuSeconds * 1000) / (changes || 1),
  };
}

async function waitForValue(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Prometheus text from a /metrics endpoint ('' when it cannot be read). */
async function scrape(url, token) {
  try {
    const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/** Sum of every sample of one metric (all label sets). */
function sumMetric(text, name) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

function fmt(p) {
  return `p50 ${ms(p.p50)}, p99 ${ms(p.p99)}, max ${ms(p.max)}`;
}

function report(r) {
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  const lines = [
    '',
    `route propagation on the test cluster: ${r.routes} HTTPRoutes in ${r.namespaces} namespaces`,
    `  new route with ${r.routes} present, one at a time -> first 200: ${fmt(r.add)} (${r.add.count} routes, ${r.add.timeouts} never answered)`,
    `    of which the create request itself: ${fmt(r.add.apiWrite)}; from its answer to the first 200: ${fmt(r.add.afterWrite)}`,
    `    from the API server's watch event to the first 200 (serval's part): ${fmt(r.add.afterAnnounce)}`,
    `  bulk create, ${r.concurrency} written at a time -> first 200: ${fmt(r.create)} (${r.create.count} routes, ${r.create.timeouts} never answered; ${r.create.seconds.toFixed(1)}s in all)`,
    `    last 1000 (>= ${r.routes - 1000} present): ${fmt(r.create.lastThousand)}`,
    `    of which the create request itself: ${fmt(r.create.apiWrite)}; from its answer to the first 200: ${fmt(r.create.afterWrite)}`,
    `    from the API server's watch event to the first 200 (serval's part): ${fmt(r.create.afterAnnounce)}`,
    `  changed route -> 200:     ${fmt(r.change)} (${r.change.count} routes, ${r.change.timeouts} timed out, ${r.change.staleOldPath} still served the old path)`,
    `  deleted route -> 404:     ${fmt(r.delete)} (${r.delete.count} routes, ${r.delete.timeouts} timed out)`,
    `  rolling update of ${r.rollout.replicas} Pods behind one route with ${r.routes} present (${r.rollout.seconds.toFixed(1)}s; its load ${r.rollout.rate} req/s, one request per Pod every ~${r.rollout.perPodGapMs.toFixed(1)} ms):`,
    `    ${r.rollout.requests} requests, ${r.rollout.failures} non-2xx or errors` + (r.rollout.samples.length ? ` e.g. ${JSON.stringify(r.rollout.samples.slice(0, 3))}` : ''),
    `    new Pod Ready -> its first request: ${fmt(r.rollout.readyToFirst)}; from its EndpointSlice event (serval's part): ${fmt(r.rollout.endpointToFirst)} (${r.rollout.readyToFirst.count} Pods, ${r.rollout.neverServed} never served)`,
    `    old Pod leaving (deletion) -> its last request: ${fmt(r.rollout.leaveToLast)}; from its endpoint's removal (serval's part): ${fmt(r.rollout.removedToLast)} (${r.rollout.removedToLast.count} Pods; requests sent to a Pod > 20 ms after its removal: ${r.rollout.lateRequests})`,
    `    controller CPU: ${(r.rollout.controllerCpuSeconds * 1000).toFixed(0)} ms for ${r.rollout.sliceEvents} EndpointSlice changes (${r.rollout.cpuMsPerChange.toFixed(1)} ms each, whatever else it did meanwhile included)`,
    `  existing routes under load: ${r.existingRoutes.requests} requests, ${r.existingRoutes.failures} non-2xx or errors` +
      (r.existingRoutes.samples.length ? ` e.g. ${JSON.stringify(r.existingRoutes.samples.slice(0, 3))}` : ''),
    `  controller: RSS ${mb(r.controller.rssMB * 1048576)} with ${r.routes} routes (peak ${mb(r.controller.peakRssMB * 1048576)}; V8 heap at the end ${mb(r.controller.heapUsedMB * 1048576)} used of ${mb(r.controller.heapTotalMB * 1048576)}), CPU ${r.controller.cpuSeconds.toFixed(1)} s`,
    `  controller reconciles: ${r.reconciles.count} (mean ${ms(r.reconciles.meanMs)} each); router config swaps: ${r.routerConfigSwaps}`,
    `  router (all workers): RSS ${mb(r.router.rssMB * 1048576)} (peak ${mb(r.router.peakRssMB * 1048576)}), CPU ${r.router.cpuSeconds.toFixed(1)} s`,
    `targets: p99 < 50 ms per new route with ${r.routes} present ${verdict(r.add.p99 < 50 && r.add.timeouts === 0 && r.create.timeouts === 0)}; zero errors on existing routes ${verdict(r.existingRoutes.failures === 0)}; controller RSS < 250 MB ${verdict(r.controller.peakRssMB < 250)}; rollout: 0 errors ${verdict(r.rollout.failures === 0)}, serval's part p99 < 20 ms ${verdict(r.rollout.endpointToFirst.p99 < 20 && r.rollout.removedToLast.p99 < 20)}`,
  ];
  console.log(lines.join('\n'));
}

await main();
