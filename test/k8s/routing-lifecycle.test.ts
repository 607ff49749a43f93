/**
 * Route and backend lifecycle on a real cluster (etcd + kube-apiserver + kube-controller-manager + test
 * kubelet), with the controller under deploy/'s ServiceAccount and RBAC and an in-process router:
 * a route's path changes and deletion; endpoints following a Deployment scaled up and down under
 * traffic; conditions of invalid routes; a restarted router getting the current config back by resync;
 * an HTTPS listener's certificate following its Secret.
 */
import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { startController, type ControllerHandle } from '../../src/modes/controller.main.js';
import type { StatusView } from '../../src/controller-api/admin.controller.js';
import { freePort, httpGet, startRealRouter, TOKEN, type RealRouter } from '../support/real-router.js';
import { startCluster, type Cluster } from './harness/cluster.js';
import { createEchoApp } from './harness/echo-app.js';
import { controllerKubeconfigFromDeploy } from './harness/controller-rbac.js';
import { waitFor } from './harness/wait.js';

Logger.overrideLogger(['error', 'warn']);

const skipReason = inject('k8sSkipReason');
const APP = 'app';
const GW = { group: 'gateway.networking.k8s.io', version: 'v1' };
const CONTROLLER_NAME = 'serval.dev/gateway-controller';
const RESYNC_MS = 1_000;

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
interface RouteStatus {
  parents?: { controllerName?: string; conditions?: Condition[] }[];
}

/** A fresh self-signed certificate for `hostname` (openssl CLI), as kubernetes.io/tls Secret data. */
function selfSigned(hostname: string): { 'tls.crt': string; 'tls.key': string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'serval-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`,
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
    ], { stdio: 'ignore' });
    const crt = readFileSync(join(dir, 'tls.crt'));
    return {
      'tls.crt': crt.toString('base64'),
      'tls.key': readFileSync(join(dir, 'tls.key')).toString('base64'),
      fingerprint: new X509Certificate(crt).fingerprint256,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SHA-256 fingerprint of the certificate served on 127.0.0.1:port for SNI `servername`. */
function servedFingerprint(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
  });
}

/** GET over TLS with SNI, trusting only `caPem` (the self-signed certificate itself). */
function httpsGetPod(port: number, servername: string, path: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, ca: caPem, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

describe.skipIf(skipReason)('routing lifecycle on a real cluster', () => {
  let cluster: Cluster;
  let custom: k8s.CustomObjectsApi;
  let apps: k8s.AppsV1Api;
  let discovery: k8s.DiscoveryV1Api;
  let kubeconfig: string;
  let router: RealRouter;
  let gatewayPort: number;
  let controller: ControllerHandle;
  let failed = false;

  function route(name: string, prefix: string, backend = 'echo', gateway = 'gw') {
    return {
      apiVersion: `${GW.group}/${GW.version}`,
      kind: 'HTTPRoute',
      metadata: { name, namespace: APP },
      spec: { parentRefs: [{ name: gateway }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: backend, port: 8080 }] }] },
    };
  }

  const createRoute = (body: ReturnType<typeof route>) => custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body });
  const readRoute = async (name: string) => (await custom.getNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', name })) as { status?: RouteStatus } & ReturnType<typeof route>;

  /** Our parent entry's condition of `type` on the HTTPRoute in the API server. */
  async function routeCondition(name: string, type: string): Promise<Condition | undefined> {
    const ours = (await readRoute(name)).status?.parents?.find((p) => p.controllerName === CONTROLLER_NAME);
    return ours?.conditions?.find((c) => c.type === type);
  }

  async function controllerStatus(): Promise<StatusView> {
    return (await (await fetch(`${controller.url}/status`)).json()) as StatusView;
  }

  async function servedByPod(path: string): Promise<boolean> {
    const res = await httpGet(gatewayPort, path).catch(() => undefined);
    if (res?.status !== 200) return false;
    const body = JSON.parse(res.body) as { path?: string; namespace?: string; pod?: string };
    return body.namespace === APP && !!body.pod?.startsWith('echo-') && body.path === path;
  }

  const statusOf = async (path: string) => (await httpGet(gatewayPort, path).catch(() => undefined))?.status;

  /** Endpoints of the echo Service's pool in the config the router is serving right now. */
  function routerEndpoints(): number | undefined {
    return router.router.current?.config.pools.find((p) => p.name.endsWith('/echo:8080'))?.endpoints.length;
  }

  async function readySliceEndpoints(): Promise<number> {
    const slices = await discovery.listNamespacedEndpointSlice({ namespace: APP, labelSelector: 'kubernetes.io/service-name=echo' });
    return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
  }

  async function scaleEcho(replicas: number): Promise<void> {
    const scale = await apps.readNamespacedDeploymentScale({ namespace: APP, name: 'echo' });
    scale.spec = { replicas };
    await apps.replaceNamespacedDeploymentScale({ namespace: APP, name: 'echo', body: scale });
  }

  beforeAll(async () => {
    cluster = await startCluster();
    custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
    discovery = cluster.kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
    // The controller's ServiceAccount and RBAC exactly as deploy/ ships them.
    kubeconfig = await controllerKubeconfigFromDeploy(cluster);

    // Backend: one echo Pod behind a Service (scaled by a test).
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: APP } } });
    await createEchoApp(cluster.kubeConfig, APP, 1);

    router = await startRealRouter();
    gatewayPort = await freePort();

    const flags = [
      '--kubeconfig', kubeconfig,
      '--data-plane-url', router.url,
      '--admin-token', TOKEN,
      '--identity', 'controller-1',
      '--lease-namespace', 'serval-system',
      '--resync-interval', String(RESYNC_MS),
      '--gateway-public-address', '127.0.0.1',
    ];
    const settings = { ...loadSettings('controller', flags, {}), controllerAddress: '127.0.0.1', controllerPort: 0 };
    controller = await startController(settings, pino({ level: process.env.SERVAL_TEST_LOGS ? 'info' : 'silent' }));

    await custom.createClusterCustomObject({
      ...GW,
      plural: 'gatewayclasses',
      body: { apiVersion: `${GW.group}/${GW.version}`, kind: 'GatewayClass', metadata: { name: 'serval' }, spec: { controllerName: CONTROLLER_NAME } },
    });
    await custom.createNamespacedCustomObject({
      ...GW,
      namespace: APP,
      plural: 'gateways',
      body: {
        apiVersion: `${GW.group}/${GW.version}`,
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: APP },
        spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', protocol: 'HTTP', port: gatewayPort }] },
      },
    });
    await createRoute(route('base', '/base'));
    await waitFor('traffic reaches the echo Pod through the router', () => servedByPod('/base/x'), 120_000);
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await controller?.close().catch(() => undefined);
    await router?.close();
    if (!cluster) return;
    if (failed) console.error(cluster.logTails());
    await cluster.stop();
  });

  it("follows a route's path change, then its deletion", async () => {
    await createRoute(route('moving', '/old'));
    await waitFor('the old path is served by a Pod', () => servedByPod('/old/x'), 60_000);

    // Read, change, replace; again on 409, as client-go's RetryOnConflict does: the controller writes the
    // route's status too, and a status write between the read and the replace changes its resourceVersion.
    for (let attempt = 1; ; attempt++) {
      const current = await readRoute('moving');
      current.spec.rules[0].matches[0].path.value = '/new';
      try {
        await custom.replaceNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', name: 'moving', body: current });
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
      }
    }
    await waitFor('the new path is served by a Pod', () => servedByPod('/new/x'), 60_000);
    expect(await statusOf('/old/x')).toBe(404);

    await custom.deleteNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', name: 'moving' });
    await waitFor('the deleted route no longer serves', async () => (await statusOf('/new/x')) === 404, 60_000);
    await waitFor('the deleted route left the controller status view', async () => {
      const view = await controllerStatus();
      return !view.statuses.some((s) => s.kind === 'HTTPRoute' && s.namespace === APP && s.name === 'moving');
    }, 30_000);
    // The route that stayed is untouched.
    expect(await servedByPod('/base/y')).toBe(true);
  });

  it('follows the ready endpoints while the Deployment scales 1 -> 3 -> 1, with no failed request', async () => {
    await waitFor('one endpoint to start with', async () => routerEndpoints() === 1 && (await readySliceEndpoints()) === 1, 60_000);

    // Traffic all along: every request must answer 200 (the router's own connect retries are allowed).
    let running = true;
    let sent = 0;
    let sentDuringScaleUp = 0;
    let sentDuringScaleDown = 0;
    const failures: string[] = [];
    const traffic = (async () => {
      while (running) {
        const res = await httpGet(gatewayPort, '/base/scale').catch((err: Error) => ({ status: 0, body: err.message }));
        sent++;
        if (res.status !== 200) failures.push(`${res.status} ${res.body.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    try {
      const follows = async (n: number) => {
        await waitFor(`${n} ready endpoints in the EndpointSlices`, async () => (await readySliceEndpoints()) === n, 120_000);
        await waitFor(`${n} endpoints in the router's pool`, async () => routerEndpoints() === n, 60_000);
      };
      // Requests sent while each transition was under way: traffic really crossed both changes.
      const beforeUp = sent;
      await scaleEcho(3);
      await follows(3);
      sentDuringScaleUp = sent - beforeUp;
      const pods = new Set<string>();
      await waitFor('all three Pods answer', async () => {
        const res = await httpGet(gatewayPort, '/base/who');
        pods.add((JSON.parse(res.body) as { pod: string }).pod);
        return pods.size === 3;
      }, 60_000, 20);

      const beforeDown = sent;
      await scaleEcho(1);
      await follows(1);
      sentDuringScaleDown = sent - beforeDown;
      // Some traffic on the settled pool too.
      const settledAt = sent;
      await waitFor('requests after scale-down', async () => sent >= settledAt + 20, 60_000);
    } finally {
      running = false;
      await traffic;
    }
    expect(sentDuringScaleUp).toBeGreaterThan(0);
    expect(sentDuringScaleDown).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('marks a route with a missing backend Service and ignores a route whose parent Gateway does not exist', async () => {
    // Created first: once the later route has status, this one has been seen by the controller too.
    await createRoute(route('orphan', '/orphan', 'echo', 'no-such-gateway'));
    await createRoute(route('missing-backend', '/missing', 'no-such-service'));

    await waitFor('missing-backend Accepted', async () => (await routeCondition('missing-backend', 'Accepted'))?.status === 'True', 60_000);
    const resolved = await waitFor('missing-backend ResolvedRefs=False', async () => {
      const c = await routeCondition('missing-backend', 'ResolvedRefs');
      return c?.status === 'False' ? c : undefined;
    }, 60_000);
    expect(resolved.reason).toBe('BackendNotFound');
    await waitFor('requests to a missing backend get 500', async () => (await statusOf('/missing/x')) === 500, 60_000);

    // The translator judges only parents that are Gateways of ours: a missing Gateway gets no entry from us.
    const orphan = await readRoute('orphan');
    expect((orphan.status?.parents ?? []).filter((p) => p.controllerName === CONTROLLER_NAME)).toEqual([]);
    const view = (await controllerStatus()).statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'orphan');
    expect(((view?.status as RouteStatus | undefined)?.parents ?? []).filter((p) => p.controllerName === CONTROLLER_NAME)).toEqual([]);
    expect(await statusOf('/orphan/x')).toBe(404);
  });

  it('leaves out a route the router would refuse (33 retry codes: the CRD takes them, the router takes 32) and keeps applying the others', async () => {
    const refused = route('many-codes', '/retried');
    Object.assign(refused.spec.rules[0]!, { retry: { attempts: 2, codes: Array.from({ length: 33 }, (_, i) => 500 + i) } });
    await createRoute(refused);
    await createRoute(route('after-refused', '/after-refused'));

    await waitFor('the later route is served by a Pod', () => servedByPod('/after-refused/x'), 60_000);
    const accepted = await waitFor('many-codes Accepted=False', async () => {
      const c = await routeCondition('many-codes', 'Accepted');
      return c?.status === 'False' ? c : undefined;
    }, 60_000);
    expect(accepted.reason).toBe('UnsupportedValue');
    expect(await statusOf('/retried/x')).toBe(404);
    expect(await servedByPod('/base/z')).toBe(true);
  });

  it('gives a restarted router the current config within the resync interval, without a Kubernetes change', async () => {
    const desired = (await (await fetch(`${controller.url}/config`)).json()) as { version: string };
    await waitFor('the router serves the current config', async () => router.router.current?.version === desired.version, 30_000);

    const adminPort = router.port;
    await router.close();
    expect(await statusOf('/base/x')).toBeUndefined(); // nothing listens on the gateway port
    router = await startRealRouter(adminPort);
    expect(router.router.current?.version).not.toBe(desired.version);

    // Generous: resync every second, but the machine may be loaded.
    await waitFor('the new router got the current config', async () => router.router.current?.version === desired.version, RESYNC_MS * 30, 100);
    await waitFor('and serves it', () => servedByPod('/base/after-restart'), 30_000);
    const after = (await (await fetch(`${controller.url}/config`)).json()) as { version: string };
    expect(after.version).toBe(desired.version);
  });

  it("serves an HTTPS listener's certificate from its Secret and follows the Secret's rotation", async () => {
    const host = 'secure.example.com';
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const first = selfSigned(host);
    await core.createNamespacedSecret({
      namespace: APP,
      body: { metadata: { name: 'secure-cert' }, type: 'kubernetes.io/tls', data: { 'tls.crt': first['tls.crt'], 'tls.key': first['tls.key'] } },
    });
    const httpsPort = await freePort();
    await custom.createNamespacedCustomObject({
      ...GW,
      namespace: APP,
      plural: 'gateways',
      body: {
        apiVersion: `${GW.group}/${GW.version}`,
        kind: 'Gateway',
        metadata: { name: 'gw-tls', namespace: APP },
        spec: {
          gatewayClassName: 'serval',
          listeners: [{ name: 'https', protocol: 'HTTPS', port: httpsPort, hostname: host, tls: { mode: 'Terminate', certificateRefs: [{ name: 'secure-cert' }] } }],
        },
      },
    });
    await createRoute(route('secure', '/secure', 'echo', 'gw-tls'));

    await waitFor('the first certificate is served', async () => (await servedFingerprint(httpsPort, host)) === first.fingerprint, 60_000);
    const pem = (data: { 'tls.crt': string }) => Buffer.from(data['tls.crt'], 'base64').toString('utf8');
    await waitFor('HTTPS traffic reaches a Pod', async () => {
      const res = await httpsGetPod(httpsPort, host, '/secure/x', pem(first));
      return res.status === 200 && (JSON.parse(res.body) as { pod?: string }).pod?.startsWith('echo-');
    }, 60_000);

    // Rotate: same Secret, new key pair.
    const second = selfSigned(host);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    const secret = await core.readNamespacedSecret({ namespace: APP, name: 'secure-cert' });
    secret.data = { 'tls.crt': second['tls.crt'], 'tls.key': second['tls.key'] };
    await core.replaceNamespacedSecret({ namespace: APP, name: 'secure-cert', body: secret });

    await waitFor('the rotated certificate is served', async () => (await servedFingerprint(httpsPort, host)) === second.fingerprint, 60_000);
    const res = await httpsGetPod(httpsPort, host, '/secure/y', pem(second));
    expect(res.status).toBe(200);
    // The plain HTTP Gateway was not disturbed.
    expect(await servedByPod('/base/after-rotation')).toBe(true);
  });
});
