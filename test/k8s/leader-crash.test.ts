/**
 * kill -9 of the leading controller under traffic and route churn: two `serval controller` processes
 * (the built dist/, under the RBAC deploy/ ships) share one router. The survivor takes over once the
 * Lease expires (a killed leader cannot release it), pushes and writes status; the router never
 * serves an older config than one it served before (routes are only added, so each config it serves
 * must hold every route of the one before), and traffic on an existing route never fails.
 */
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startRealRouter, TOKEN, type RealRouter } from '../support/real-router.js';
import { startCluster, type Cluster } from './harness/cluster.js';
import { controllerKubeconfigFromDeploy } from './harness/controller-rbac.js';
import { createEchoApp } from './harness/echo-app.js';
import { startProcess, type ManagedProcess } from './harness/processes.js';
import { waitFor } from './harness/wait.js';

const skipReason = inject('k8sSkipReason');
const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/main.js');
const APP = 'app';
const GW = { group: 'gateway.networking.k8s.io', version: 'v1' };
const LEASE_MS = 3_000;
const run = promisify(execFile);

interface ControllerProcess {
  identity: string;
  url: string;
  process: ManagedProcess;
}

describe.skipIf(skipReason)('a crashed leader on a real cluster', () => {
  let cluster: Cluster;
  let custom: k8s.CustomObjectsApi;
  let kubeconfig: string;
  let router: RealRouter;
  let gatewayPort: number;
  const controllers: ControllerProcess[] = [];
  let failed = false;

  async function startControllerProcess(identity: string): Promise<ControllerProcess> {
    const port = await freePort();
    const args = [
      MAIN, 'controller',
      '--kubeconfig', kubeconfig,
      '--data-plane-url', router.url,
      '--admin-token', TOKEN,
      '--identity', identity,
      '--lease-namespace', 'serval-system',
      '--lease-duration', String(LEASE_MS),
      '--resync-interval', '1000',
      '--gateway-public-address', '127.0.0.1',
      '--address', '127.0.0.1',
      '--port', String(port),
      '--log-level', 'info',
    ];
    const process_ = startProcess({ name: identity, command: process.execPath, args, logFile: join(cluster.dir, `${identity}.log`), cwd: ROOT, env: { ...process.env, ADMIN_TOKEN: '' } });
    const c = { identity, url: `http://127.0.0.1:${port}`, process: process_ };
    controllers.push(c);
    return c;
  }

  const leads = async (c: ControllerProcess): Promise<boolean> => /^serval_leader 1$/m.test(await (await fetch(`${c.url}/metrics`)).text());

  function route(name: string, prefix: string) {
    return {
      apiVersion: `${GW.group}/${GW.version}`,
      kind: 'HTTPRoute',
      metadata: { name, namespace: APP },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: 'echo', port: 8080 }] }] },
    };
  }

  async function accepted(name: string): Promise<boolean> {
    const obj = (await custom.getNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', name })) as { status?: { parents?: { conditions?: { type: string; status: string }[] }[] } };
    return obj.status?.parents?.[0]?.conditions?.find((c) => c.type === 'Accepted')?.status === 'True';
  }

  /** The HTTPRoutes (namespace/name) a config routes to. */
  function routesIn(): Set<string> {
    const out = new Set<string>();
    for (const l of router.router.current?.config.listeners ?? []) for (const v of l.virtualHosts) for (const r of v.routes) out.add(r.name.split('/').slice(0, 2).join('/'));
    return out;
  }

  beforeAll(async () => {
    // The controllers run what `npm run build` produces; type errors elsewhere do not stop tsc emitting.
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
    expect(existsSync(join(ROOT, 'dist/modes/controller.main.js')), 'dist/ was not built').toBe(true);
    cluster = await startCluster();
    custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    kubeconfig = await controllerKubeconfigFromDeploy(cluster);
    await cluster.kubeConfig.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: APP } } });
    await createEchoApp(cluster.kubeConfig, APP, 2);
    router = await startRealRouter();
    gatewayPort = await freePort();
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const c of controllers) await c.process.stop(2_000).catch(() => undefined);
    await router?.close();
    if (!cluster) return;
    if (failed) {
      console.error(cluster.logTails());
      for (const c of controllers) console.error(`--- ${c.identity}\n${c.process.tail(60)}`);
    }
    await cluster.stop();
  });

  it('the survivor takes over after the Lease expires, pushes and writes status; the router never goes back', async () => {
    await custom.createClusterCustomObject({
      ...GW,
      plural: 'gatewayclasses',
      body: { apiVersion: `${GW.group}/${GW.version}`, kind: 'GatewayClass', metadata: { name: 'serval' }, spec: { controllerName: 'serval.dev/gateway-controller' } },
    });
    await custom.createNamespacedCustomObject({
      ...GW,
      namespace: APP,
      plural: 'gateways',
      body: { apiVersion: `${GW.group}/${GW.version}`, kind: 'Gateway', metadata: { name: 'gw', namespace: APP }, spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', protocol: 'HTTP', port: gatewayPort }] } },
    });
    await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route('echo', '/echo') });

    const first = await startControllerProcess('controller-1');
    await waitFor('controller-1 leads', () => leads(first).catch(() => false), 120_000);
    const second = await startControllerProcess('controller-2');
    await waitFor('controller-2 ready as a follower', async () => (await fetch(`${second.url}/readyz`).catch(() => undefined))?.status === 200, 120_000);
    expect(await leads(second)).toBe(false);

    // Traffic on an existing route, one keep-alive connection, for the whole test.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const statuses = new Map<number | string, number>();
    let stopped = false;
    const get = (): Promise<number | string> =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: gatewayPort, path: '/echo/x', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    await waitFor('traffic reaches an echo Pod', async () => (await get()) === 200, 120_000);
    const traffic = (async () => {
      while (!stopped) {
        const s = await get();
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    })();

    // Every config the router puts live, in order (it is read in this process: nothing is missed
    // that stayed live for 5 ms).
    const seen: { version: string; at: number; routes: Set<string> }[] = [];
    const watcher = setInterval(() => {
      const version = router.router.current?.version;
      if (version && version !== seen.at(-1)?.version) seen.push({ version, at: Date.now(), routes: routesIn() });
    }, 5);

    // Routes keep coming, before and after the kill.
    let churn = 0;
    const created: { name: string; at: number }[] = [];
    const churner = (async () => {
      while (!stopped) {
        const name = `churn-${churn++}`;
        await custom.createNamespacedCustomObject({ ...GW, namespace: APP, plural: 'httproutes', body: route(name, `/${name}`) });
        created.push({ name, at: Date.now() });
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    await waitFor('a few churn routes live', async () => routesIn().has(`${APP}/churn-2`), 60_000);

    const killedAt = Date.now();
    process.kill(first.process.pid, 'SIGKILL');
    await waitFor('controller-2 leads', () => leads(second).catch(() => false), LEASE_MS * 10, 50);
    const leaderAt = Date.now();
    // The first config put live after the kill holds a route created after it: only the new leader pushed it.
    const afterKill = await waitFor('a route created after the kill, live', async () => created.find((c) => c.at > killedAt), 30_000);
    await waitFor('it is live on the router', async () => routesIn().has(`${APP}/${afterKill.name}`), 60_000);
    const pushedAt = seen.find((s) => s.at > killedAt && s.routes.has(`${APP}/${afterKill.name}`))!.at;
    await waitFor('its status is written by the new leader', () => accepted(afterKill.name), 60_000);

    stopped = true;
    await Promise.all([traffic, churner]);
    clearInterval(watcher);
    agent.destroy();
    await waitFor('every churn route live', async () => created.every((c) => routesIn().has(`${APP}/${c.name}`)), 60_000);

    // Never back: each config the router served holds every route of the one before it.
    for (let i = 1; i < seen.length; i++) {
      const lost = [...seen[i - 1]!.routes].filter((r) => !seen[i]!.routes.has(r));
      expect(lost, `config ${seen[i]!.version} dropped routes ${lost.join(', ')} that ${seen[i - 1]!.version} served`).toEqual([]);
    }
    expect([...statuses.keys()], `traffic during the failover: ${JSON.stringify([...statuses])}`).toEqual([200]);
    console.log(
      `leader crash: lease ${LEASE_MS} ms; controller-2 led ${leaderAt - killedAt} ms after the kill, its first push was live ${pushedAt - killedAt} ms after it; ` +
        `${seen.length} configs seen, none older than the one before; ${statuses.get(200)} requests, all 200; ${created.length} routes created`,
    );
  });
});
