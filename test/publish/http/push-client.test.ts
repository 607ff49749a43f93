/**
 * The push client against a real router (InProcessRouter + its admin API on 127.0.0.1): late routers are
 * reached by retries and the version check, a rejected config leaves the router on its last good one,
 * a restarted router is brought back up to date without a new change, new Service endpoints are found.
 */
import http from 'node:http';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PipelineBus } from '../../../src/pipeline/pipeline-bus.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { parseRouterConfig } from '../../../src/contract/validate-config.js';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { ConfigPublisher } from '../../../src/publish/http/config-publisher.service.js';
import { PushError, RouterAdminClient } from '../../../src/publish/http/router-admin-client.js';
import { CONFIG_PUBLISHED, CONFIG_TRANSLATED, LEADERSHIP_CHANGED, RELOAD_REQUESTED, RESOURCES_CHANGED } from '../../../src/pipeline/pipeline.events.js';
import type { ResourceSnapshot } from '../../../src/translator/translator.types.js';
import { freePort, httpGet, routeTo, startRealRouter, startUpstream, testMetrics, TOKEN, waitFor, type RealRouter, type Upstream } from '../../support/real-router.js';

Logger.overrideLogger(['error']);

let upA: Upstream;
let upB: Upstream;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [upA, upB] = await Promise.all([startUpstream('A'), startUpstream('B')]);
});
afterAll(async () => {
  await Promise.all([upA?.close(), upB?.close()]);
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function router(port = 0): Promise<RealRouter> {
  const r = await startRealRouter(port);
  cleanups.push(() => r.close());
  return r;
}

function versioned(config: RouterConfig): RouterConfig {
  return parseRouterConfig(config);
}

function publisher(flags: string[]) {
  const settings = loadSettings('controller', ['--admin-token', TOKEN, '--resync-interval', '500', ...flags], {});
  const events = new PipelineBus(new EventEmitter2());
  const m = testMetrics();
  const p = new ConfigPublisher(settings, events, m.counter('push_attempts', ['replica']), m.counter('push_failures', ['replica']), m.gauge('in_sync', ['replica']));
  events.on(CONFIG_TRANSLATED, (e) => p.onConfigTranslated(e));
  events.on(LEADERSHIP_CHANGED, (e) => p.onLeadershipChanged(e));
  events.on(RESOURCES_CHANGED, (e) => p.onResourcesChanged(e));
  events.on(RELOAD_REQUESTED, () => p.onReload());
  const published: string[] = [];
  events.on(CONFIG_PUBLISHED, (e: { version: string }) => published.push(e.version));
  p.onModuleInit();
  cleanups.push(async () => p.onModuleDestroy());
  const publish = (config: RouterConfig) => events.emit(CONFIG_TRANSLATED, { config, statuses: [] });
  return { p, events, registry: m.registry, published, publish, lead: () => events.emit(LEADERSHIP_CHANGED, { leader: true, identity: 'test' }) };
}

describe('RouterAdminClient', () => {
  it('retries until a router that starts late answers', async () => {
    const port = await freePort();
    const listen = await freePort();
    const config = versioned(routeTo(listen, upA.port));
    let late: Promise<RealRouter> | undefined;
    let attempts = 0;
    const client = new RouterAdminClient({
      token: TOKEN,
      attempts: 20,
      backoff: { initialMs: 100, maxMs: 1_000 },
      onAttempt: () => {
        attempts++;
        // The first attempt finds nobody; the router starts only then.
        late ??= router(port);
      },
    });
    const result = await client.push(`http://127.0.0.1:${port}`, config);
    expect(attempts).toBeGreaterThan(1);
    expect(result.attempts).toBe(attempts);
    expect(result.version).toBe(config.version);
    expect((await late!).router.current?.version).toBe(config.version);
    expect((await httpGet(listen)).body).toBe('A');
  });

  it('does not retry a document the router refuses, and says why', async () => {
    const r = await router();
    const client = new RouterAdminClient({ token: TOKEN });
    const bad = { listeners: [{ name: 'x', port: 80, protocol: 'HTTP', virtualHosts: [], bogus: true }], pools: [] } as unknown as RouterConfig;
    const err = await client.push(r.url, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushError);
    expect((err as PushError).status).toBe(400);
    expect((err as PushError).attempts).toBe(1);
    expect((err as PushError).message).toContain('bogus');
  });

  it('reads the live version from GET /config/version, and from GET /config on a router without it', async () => {
    const r = await router();
    const client = new RouterAdminClient({ token: TOKEN });
    expect(await client.liveVersion(r.url)).toBeUndefined();
    const config = versioned(routeTo(await freePort(), upA.port));
    await client.push(r.url, config);
    expect(await client.liveVersion(r.url)).toBe(config.version);
    const small = await fetch(`${r.url}/config/version`);
    expect(await small.json()).toEqual({ version: config.version, changedAt: expect.any(String), swapCount: 1 });

    // An older router: GET /config only (the whole document), 404 elsewhere.
    const paths: string[] = [];
    const older = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      if (req.url !== '/config') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 'v-old', config: { listeners: [], pools: [] } }));
    });
    await new Promise<void>((done) => older.listen(0, '127.0.0.1', done));
    cleanups.push(() => new Promise((done) => older.close(done)));
    expect(await client.liveVersion(`http://127.0.0.1:${(older.address() as { port: number }).port}`)).toBe('v-old');
    expect(paths).toEqual(['/config/version', '/config']);
  });

  it('is refused without the admin token', async () => {
    const r = await router();
    const err = await new RouterAdminClient({}).push(r.url, versioned(routeTo(await freePort(), upA.port))).catch((e: unknown) => e);
    expect((err as PushError).status).toBe(401);
    expect(r.router.current).toBeUndefined();
  });
});

describe('ConfigPublisher', () => {
  it('pushes every new version to every replica, only while leader', async () => {
    const [r1, r2] = await Promise.all([router(), router()]);
    const { publish, lead, published } = publisher(['--data-plane-url', `${r1.url},${r2.url}`]);
    // Two routers in one process cannot bind the same listener: these documents carry pools only.
    const a = versioned({ listeners: [], pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upA.port }] }] });
    publish(a);
    await new Promise((r) => setTimeout(r, 300));
    expect(r1.router.current).toBeUndefined(); // not leader yet
    lead();
    await waitFor('both replicas on A', () => r1.router.current?.version === a.version && r2.router.current?.version === a.version);
    // The routers apply before they answer, so the publisher's event lands a moment after: wait, don't race.
    await waitFor('A reported as published', () => published.includes(a.version!));
    const b = versioned({ listeners: [], pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upB.port }] }] });
    publish(b);
    await waitFor('both replicas on B', () => r1.router.current?.version === b.version && r2.router.current?.version === b.version);
  });

  it('keeps the last good config when the router rejects one, and counts the failure', async () => {
    const r = await router();
    const { publish, lead, registry } = publisher(['--data-plane-url', r.url]);
    lead();
    const listen = await freePort();
    const good = versioned(routeTo(listen, upA.port));
    publish(good);
    await waitFor('good config live', () => r.router.current?.version === good.version);
    // Schema-valid, but the host cannot bind it (TEST-NET address): the router refuses it as a whole.
    const unbindable = versioned(routeTo(await freePort(), upB.port, '192.0.2.1'));
    publish(unbindable);
    await waitFor('failure counted', async () => (await registry.getSingleMetricAsString('push_failures')).includes(`replica="${r.url}"} 1`));
    expect(r.router.current?.version).toBe(good.version);
    expect((await httpGet(listen)).body).toBe('A');
    // Not re-pushed at every version check (the router would refuse it again).
    const attempts = await registry.getSingleMetricAsString('push_attempts');
    await new Promise((res) => setTimeout(res, 1_200));
    expect(await registry.getSingleMetricAsString('push_attempts')).toBe(attempts);
  });

  it('brings a restarted router up to date without waiting for a change', async () => {
    const first = await startRealRouter(0);
    const port = first.port;
    const { publish, lead } = publisher(['--data-plane-url', first.url]);
    lead();
    const listen = await freePort();
    const config = versioned(routeTo(listen, upA.port));
    publish(config);
    await waitFor('config live on the first router', () => first.router.current?.version === config.version);
    await first.close();
    // Same address, fresh process state: it serves nothing until the version check notices.
    const restarted = await router(port);
    expect(restarted.router.current).toBeUndefined();
    await waitFor('resync pushed the config again', () => restarted.router.current?.version === config.version);
    expect((await httpGet(listen)).body).toBe('A');
  });

  it('a version check that overlaps a push never overwrites the push\'s acknowledgement', async () => {
    const r = await router();
    // A pass-through in front of the real router that can hold version answers back (a slow network):
    // the router answers at once, its answer reaches the publisher only when released.
    const requests: string[] = [];
    let holding = false;
    const held: Array<() => void> = [];
    const front = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const hold = holding && req.method === 'GET' && req.url?.startsWith('/config') === true;
      const out = http.request(`${r.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        const relay = (): void => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (hold) held.push(relay);
        else relay();
      });
      req.pipe(out);
    });
    await new Promise<void>((done) => front.listen(0, '127.0.0.1', done));
    cleanups.push(() => new Promise((done) => (front.closeAllConnections(), front.close(done))));
    const url = `http://127.0.0.1:${(front.address() as { port: number }).port}`;

    const { p, publish, lead, published, registry } = publisher(['--data-plane-url', url, '--resync-interval', '3600000']);
    lead();
    const one = versioned({ listeners: [], pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upA.port }] }] });
    publish(one);
    await waitFor('first version published', () => published.includes(one.version!));

    // The check asks (the router says "one"), a newer version is pushed and acknowledged, then the
    // check's answer arrives: stale, it must not undo the acknowledgement (nor trigger a second push).
    holding = true;
    const check = p.resync();
    await waitFor('the version check asked', () => held.length === 1);
    holding = false;
    const two = versioned({ listeners: [], pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upB.port }] }] });
    publish(two);
    await waitFor('second version published', () => published.includes(two.version!));
    held.pop()!();
    await check;

    // The publisher still knows the router acknowledged "two": the next change goes as a delta from it
    // (a stale "one" would send the whole config, and report the replica on the wrong version meanwhile).
    const three = versioned({ listeners: [], pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upA.port }, { host: '127.0.0.1', port: upB.port }] }] });
    const before = requests.length;
    publish(three);
    await waitFor('third version published', () => published.includes(three.version!));
    expect(r.router.current?.version).toBe(three.version);
    expect(requests.slice(before)).toEqual(['PATCH /config']);
    expect(published.filter((v) => v === two.version)).toHaveLength(1);
    expect(await registry.getSingleMetricAsString('in_sync')).toContain(`replica="${url}"} 1`);
  });

  it('reaches a router that was down at push time via the periodic version check', async () => {
    const port = await freePort();
    const { publish, lead, registry } = publisher(['--data-plane-url', `http://127.0.0.1:${port}`]);
    lead();
    const config = versioned(routeTo(await freePort(), upA.port));
    publish(config);
    await waitFor('first push failed', async () => (await registry.getSingleMetricAsString('push_failures')).includes('} 1'));
    const late = await router(port);
    await waitFor('late router got the config', () => late.router.current?.version === config.version);
  });

  it('discovers router replicas from the ready endpoints of the router Service', async () => {
    const r = await router();
    const { publish, lead, events } = publisher(['--data-plane-service', 'serval-system/serval-router-admin:9901']);
    lead();
    const config = versioned(routeTo(await freePort(), upA.port));
    publish(config);
    const snapshot = (ready: boolean) => ({
      gatewayClasses: [],
      gateways: [],
      httpRoutes: [],
      referenceGrants: [],
      secrets: [],
      namespaces: [],
      services: [{ metadata: { name: 'serval-router-admin', namespace: 'serval-system' }, spec: { ports: [{ name: 'admin', port: 9901, targetPort: 'admin' }] } }],
      endpointSlices: [
        {
          metadata: { name: 'serval-router-admin-x', namespace: 'serval-system', labels: { 'kubernetes.io/service-name': 'serval-router-admin' } },
          ports: [{ name: 'admin', port: r.port, protocol: 'TCP' }],
          endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
        },
      ],
    });
    events.emit(RESOURCES_CHANGED, { snapshot: snapshot(false) as unknown as ResourceSnapshot, changedKinds: ['EndpointSlice'] });
    await new Promise((res) => setTimeout(res, 300));
    expect(r.router.current).toBeUndefined(); // not ready: not a target
    events.emit(RESOURCES_CHANGED, { snapshot: snapshot(true) as unknown as ResourceSnapshot, changedKinds: ['EndpointSlice'] });
    await waitFor('new replica got the config', () => r.router.current?.version === config.version);
  });
});
