/**
 * serval controller against a real API server (etcd + kube-apiserver + kube-controller-manager + test
 * kubelet), running under the ServiceAccount and least-privilege RBAC that deploy/ ships:
 * Gateway + HTTPRoute -> status conditions and traffic through a real router to Pods; informers that
 * resume after the API server restarts; leader election between two controllers.
 */
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { startController, type ControllerHandle } from '../../src/modes/controller.main.js';
import { LeaderElector } from '../../src/leader/leader-election.service.js';
import { freePort, httpGet, startRealRouter, TOKEN, type RealRouter } from '../support/real-router.js';
import { startCluster, type Cluster } from './harness/cluster.js';
import { createEchoApp } from './harness/echo-app.js';
import { httpsGet } from './harness/https.js';
import { startProcess } from './harness/processes.js';
import { controllerKubeconfigFromDeploy } from './harness/controller-rbac.js';
import { waitFor } from './harness/wait.js';

Logger.overrideLogger(['error', 'warn']);

const skipReason = inject('k8sSkipReason');
const APP = 'app';
const GW = { group: 'gateway.networking.k8s.io', version: 'v1' };
const LEASE_MS = 3_000;

describe.skipIf(skipReason)('serval controller on a real cluster', () => {
  let cluster: Cluster;
  let custom: k8s.CustomObjectsApi;
  let kubeconfig: string;
  let router: RealRouter;
  let gatewayPort: number;
  const controllers: ControllerHandle[] = [];
  let failed = false;

  async function controller(identity: string): Promise<ControllerHandle> {
    const flags = [
      '--kubeconfig', kubeconfig,
      '--data-plane-url', router.url,
      '--admin-token', TOKEN,
      '--identity', identity,
      '--lease-namespace', 'serval-system',
      '--lease-duration', String(LEASE_MS),
      '--resync-interval', '1000',
      '--gateway-public-address', '127.0.0.1',
    ];
    const settings = { ...loadSettings('controller', flags, {}), controllerAddress: '127.0.0.1', controllerPort: 0 };
    const handle = await startController(settings, pino({ level: process.env.SERVAL_TEST_LOGS ? 'info' : 'silent' }));
    controllers.push(handle);
    return handle;
  }

  const elector = (c: ControllerHandle) => c.app.get(LeaderElector);

  async function condition(plural: string, name: string, type: string, namespace?: string, parent = false): Promise<string | undefined> {
    const obj = (namespace
      ? await custom.getNamespacedCustomObject({ ...GW, namespace, plural, name })
      : await custom.getClusterCustomObject({ ...GW, plural, name })) as { status?: { conditions?: { type: string; status: string }[]; parents?: { conditions?: { type: string; status: string }[] }[] } };
    const conditions = parent ? obj.status?.parents?.[0]?.conditions : obj.status?.conditions;
    return conditions?.find((c) => c.type === type)?.status;
  }

  function route(name: string, prefix: string) {
    return {
      apiVersion: `${GW.group}/${GW.version}`,
      kind: 'HTTPRoute',
      metadata: { name, namespace: APP },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: 'echo', port: 8080 }] }] },
    };
  }

  async function servedByPod(path: string): Promise<boolean> {
    const res = await httpGet(gatewayPort, path).catch(() => undefined);
    if (res?.status !== 200) return false;
    const body = JSON.parse(res.body) as { path?: string; namespace?: string; pod?: string };
    return body.namespace === APP && !!body.pod?.startsWith('echo-') && body.path === path;
  }

  beforeAll(async () => {
    cluster = await startCluster();
    custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    // The controller's ServiceAccount and RBAC exactly as deploy/ ships them.
    kubeconfig = await controllerKubeconfigFromDeploy(cluster);

    // Backends: two echo Pods behind a Service.
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: APP } } });
    await createEchoApp(cluster.kubeConfig, APP, 2);

    router = await startRealRouter();
    gatewayPort = await freePort();
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const c of controllers) await c.close().catch(() => undefined);
    await router?.close();
    if (!cluster) return;
    if (failed) console.error(cluster.logTails());
    await cluster.stop();
  });

  it('accepts a Gateway and an HTTPRoute, writes their status, and routes traffic to the Pods', async () => {
    const c1 = await controller('controller-1');
    await custom.createClusterCustomObject({
      ...GW,
      plural: 'gatewayclasses',
      body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'serval' }, spec: { controllerName: 'serval.dev/gateway-controller' } },
    });
    await custom.createNamespacedCustomObject({
      ...GW,
      namespace: APP,
      plural: 'gateways',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: APP },
        spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', protocol: 'HTTP', port: gatewayPort }] },
      },
    });
    await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route('echo', '/echo') });

    await waitFor('GatewayClass Accepted', async () => (await condition('gatewayclasses', 'serval', 'Accepted')) === 'True', 60_000);
    await waitFor('Gateway Programmed', async () => (await condition('gateways', 'gw', 'Programmed', APP)) === 'True', 60_000);
    await waitFor('HTTPRoute Accepted', async () => (await condition('httproutes', 'echo', 'Accepted', APP, true)) === 'True', 60_000);
    await waitFor('HTTPRoute ResolvedRefs (Pods ready)', async () => (await condition('httproutes', 'echo', 'ResolvedRefs', APP, true)) === 'True', 90_000);
    await waitFor('traffic reaches an echo Pod through the router', () => servedByPod('/echo/hello'), 90_000);

    expect(elector(c1).leader).toBe(true);
    const ready = await fetch(`${c1.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${c1.url}/metrics`)).text();
    expect(metrics).toMatch(/serval_watched_objects\{kind="HTTPRoute"\} 1/);
    expect(metrics).toMatch(/serval_leader 1/);
    const config = (await (await fetch(`${c1.url}/config`)).json()) as { version: string };
    expect(router.router.current?.version).toBe(config.version);

    // POST /reload needs the admin token, then re-lists and pushes again even though nothing changed.
    expect((await fetch(`${c1.url}/reload`, { method: 'POST' })).status).toBe(401);
    const pushes = async () => Number((await (await fetch(`${c1.url}/metrics`)).text()).match(/serval_push_attempts_total\{replica="[^"]+"\} (\d+)/)?.[1] ?? 0);
    const before = await pushes();
    expect((await fetch(`${c1.url}/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(202);
    await waitFor('reload pushed the config again', async () => (await pushes()) > before, 30_000);

    // Status is written only when it differs: once settled, nothing more is written.
    const writes = async () => (await (await fetch(`${c1.url}/metrics`)).text()).match(/serval_status_writes_total\{kind="[A-Za-z]+",result="ok"\} \d+/g)?.join();
    const settled = await writes();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await writes()).toBe(settled);
  });

  it('a stream of new routes rewrites the Gateway status a few times, not once per route', async () => {
    const c1 = controllers[0];
    const gatewayWrites = async () => Number((await (await fetch(`${c1.url}/metrics`)).text()).match(/serval_status_writes_total\{kind="Gateway",result="ok"\} (\d+)/)?.[1] ?? 0);
    const attached = async () => {
      const gw = (await custom.getNamespacedCustomObject({ ...GW, namespace: APP, plural: 'gateways', name: 'gw' })) as { status?: { listeners?: { attachedRoutes?: number }[] } };
      return gw.status?.listeners?.[0]?.attachedRoutes;
    };
    const before = await gatewayWrites();
    // 30 routes, one every 30 ms: each is its own translation, and each changes the Gateway's attachedRoutes.
    for (let i = 0; i < 30; i++) {
      await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route(`burst-${i}`, `/burst-${i}`) });
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor('attachedRoutes counts all 31 routes', async () => (await attached()) === 31, 60_000);
    const writes = (await gatewayWrites()) - before;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(15);
    for (let i = 0; i < 30; i++) await custom.deleteNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', name: `burst-${i}` });
    await waitFor('attachedRoutes back to 1', async () => (await attached()) === 1, 60_000);
  });

  it('writes back a Gateway status that someone else overwrote, with no other change to prompt it', async () => {
    // A status-only change reaches the writer on its own (no translation): the same path retries a 409.
    const attached = async () => {
      const gw = (await custom.getNamespacedCustomObject({ ...GW, namespace: APP, plural: 'gateways', name: 'gw' })) as { status?: { listeners?: { attachedRoutes?: number }[] } };
      return gw.status?.listeners?.[0]?.attachedRoutes;
    };
    expect(await attached()).toBe(1);
    const gw = (await custom.getNamespacedCustomObject({ ...GW, namespace: APP, plural: 'gateways', name: 'gw' })) as { status: { listeners: { attachedRoutes: number }[] } };
    gw.status.listeners[0].attachedRoutes = 7;
    await custom.replaceNamespacedCustomObjectStatus({ ...GW, namespace: APP, plural: 'gateways', name: 'gw', body: gw });
    await waitFor('attachedRoutes written back to 1', async () => (await attached()) === 1, 10_000);
  });

  it('resumes its watches after the API server restarts', async () => {
    const c1 = controllers[0];
    const index = cluster.processes.findIndex((p) => p.name === 'kube-apiserver');
    const old = cluster.processes[index];
    // Same binary, same flags, same port and certificates: a restart, as a rollout would do it.
    const [command, ...args] = readFileSync(`/proc/${old.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    await old.stop();
    cluster.processes[index] = startProcess({ name: 'kube-apiserver', command, args, logFile: old.logFile });
    const ca = readFileSync(cluster.caFile);
    await waitFor('kube-apiserver ready again', async () => (await httpsGet(`${cluster.server}/readyz`, { ca, token: cluster.adminToken })).status === 200, 120_000, 250);

    await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route('after-restart', '/after-restart') });
    await waitFor('a route created after the restart serves traffic', () => servedByPod('/after-restart/x'), 120_000);
    const metrics = await (await fetch(`${c1.url}/metrics`)).text();
    expect(metrics).toMatch(/serval_watch_restarts_total\{kind="[A-Za-z]+",reason="error"\} [1-9]/);
    await waitFor('leader again', async () => elector(c1).leader, 60_000);
  });

  it('elects one leader among two controllers and fails over when it stops', async () => {
    const c1 = controllers[0];
    const c2 = await controller('controller-2');
    await waitFor('controller-2 synced and ready as a follower', async () => (await fetch(`${c2.url}/readyz`)).status === 200, 60_000);
    expect(elector(c1).leader).toBe(true);
    expect(elector(c2).leader).toBe(false);

    const coordination = cluster.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    expect((await coordination.readNamespacedLease({ namespace: 'serval-system', name: 'serval-gateway-leader' })).spec?.holderIdentity).toBe('controller-1');

    const stoppedAt = Date.now();
    await c1.close(); // releases the lease
    await waitFor('controller-2 took over', async () => elector(c2).leader, LEASE_MS * 3, 50);
    // Released, not expired: the takeover did not have to wait for the lease to run out.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS * 2);
    expect((await coordination.readNamespacedLease({ namespace: 'serval-system', name: 'serval-gateway-leader' })).spec?.holderIdentity).toBe('controller-2');

    // The new leader pushes and writes status.
    await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route('after-failover', '/after-failover') });
    await waitFor('a route created after failover serves traffic', () => servedByPod('/after-failover/x'), 60_000);
    await waitFor('its status is written by the new leader', async () => (await condition('httproutes', 'after-failover', 'Accepted', APP, true)) === 'True', 60_000);
  });
});
