/**
 * Config swaps and listener lifecycle: listeners added and removed across apply(), a port that
 * cannot be bound rejects the whole apply with the old config still serving, in-flight requests
 * finish on the table they started with, 100 swaps under concurrent load fail nothing, and close()
 * drains in-flight requests.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { ListenerBindError, type RouterEngine } from '../../../src/router/engine/router-engine.js';
import { config, freePort, httpListener, LOCAL, newEngine, pool, prefix, request, route, simple, startEcho, vhost, type Upstream } from './helpers.js';

let engines: RouterEngine[] = [];
let upstreams: Upstream[] = [];
let blockers: net.Server[] = [];

afterEach(async () => {
  await Promise.all(engines.map((e) => e.close(500)));
  await Promise.all(upstreams.map((u) => u.close()));
  await Promise.all(blockers.map((b) => new Promise((r) => b.close(r))));
  engines = [];
  upstreams = [];
  blockers = [];
});

async function echo(name: string): Promise<Upstream> {
  const u = await startEcho(name);
  upstreams.push(u);
  return u;
}

function engineFor(overrides = {}) {
  const h = newEngine(overrides);
  engines.push(h.engine);
  return h;
}

const refused = (port: number) => request(port, { timeoutMs: 3000 }).then(
  () => false,
  (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
);

describe('listeners across apply()', () => {
  it('opens new listeners, keeps unchanged ones (same sockets), closes removed ones', async () => {
    const a = await echo('a');
    const [p1, p2] = [await freePort(), await freePort()];
    const { engine } = engineFor();
    const both: RouterConfig = config(
      [httpListener(p1, [vhost(['*'], [route('one', prefix('/'), 'a')])], 'one'), httpListener(p2, [vhost(['*'], [route('two', prefix('/'), 'a')])], 'two')],
      [pool('a', a.port)],
    );
    await engine.apply(simple(p1, [route('one', prefix('/'), 'a')], [pool('a', a.port)]));
    expect(engine.boundAddresses().size).toBe(1);

    // A keep-alive connection on p1 must survive adding p2 and removing it again.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await request(p1, { agent, path: '/x' });
    const clientSocket = () => (agent.freeSockets[`${LOCAL}:${p1}:`]?.[0] as net.Socket | undefined)?.localPort;
    const localPort = clientSocket();
    expect(localPort).toBeGreaterThan(0);

    await engine.apply(both);
    expect([...engine.boundAddresses().keys()].sort()).toEqual(['one', 'two']);
    expect(engine.boundAddresses().get('two')).toEqual({ address: LOCAL, port: p2 });
    expect((await request(p2)).status).toBe(200);

    await engine.apply(simple(p1, [route('one', prefix('/'), 'a')], [pool('a', a.port)]));
    expect([...engine.boundAddresses().keys()]).toEqual([`http-${p1}`]);
    expect(await refused(p2)).toBe(true);

    await request(p1, { agent, path: '/y' });
    expect(clientSocket()).toBe(localPort);
    agent.destroy();
  });

  it('an occupied port rejects the apply; the old config keeps serving and nothing is half-applied', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const [p1, p2, taken] = [await freePort(), await freePort(), await freePort()];
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(taken, LOCAL, r));
    blockers.push(blocker);
    const { engine } = engineFor();
    await engine.apply(simple(p1, [route('old', prefix('/'), 'a')], [pool('a', a.port)]));
    const swaps = engine.swapCount;

    const next = config(
      [
        httpListener(p1, [vhost(['*'], [route('new', prefix('/'), 'b')])]),
        httpListener(p2, [vhost(['*'], [route('new2', prefix('/'), 'b')])]),
        httpListener(taken, [vhost(['*'], [route('new3', prefix('/'), 'b')])]),
      ],
      [pool('b', b.port)],
    );
    const err = await engine.apply(next).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenerBindError);
    expect((err as ListenerBindError).code).toBe('EADDRINUSE');
    expect((err as ListenerBindError).port).toBe(taken);
    expect(engine.swapCount).toBe(swaps);
    expect(engine.config?.listeners[0].virtualHosts[0].routes[0].name).toBe('old');
    expect((await request(p1)).json().name).toBe('a');
    // The listener opened for p2 before the failure was closed again.
    expect(await refused(p2)).toBe(true);
    // And a later good apply still works.
    await engine.apply(simple(p1, [route('new', prefix('/'), 'b')], [pool('b', b.port)]));
    expect((await request(p1)).json().name).toBe('b');
  });

  it('a removed listener finishes its in-flight request before closing', async () => {
    const a = await echo('a');
    const [p1, p2] = [await freePort(), await freePort()];
    const { engine } = engineFor();
    await engine.apply(
      config([httpListener(p1, [vhost(['*'], [route('r', prefix('/'), 'a')])]), httpListener(p2, [vhost(['*'], [route('r', prefix('/'), 'a')])])], [pool('a', a.port)]),
    );
    const slow = request(p2, { headers: { 'x-echo-delay': '800' } });
    await new Promise((r) => setTimeout(r, 200));
    await engine.apply(simple(p1, [route('r', prefix('/'), 'a')], [pool('a', a.port)]));
    const r = await slow;
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(await refused(p2)).toBe(true);
  });

  it('HTTP -> HTTPS on the same port rebinds', async () => {
    const a = await echo('a');
    const p = await freePort();
    const { engine } = engineFor();
    await engine.apply(simple(p, [route('r', prefix('/'), 'a')], [pool('a', a.port)]));
    const { selfSignedCert } = await import('./helpers.js');
    const cert = selfSignedCert(['x.example.com']);
    const https = simple(p, [route('r', prefix('/'), 'a')], [pool('a', a.port)]);
    https.listeners[0] = { ...https.listeners[0], protocol: 'HTTPS', tls: { certificates: [cert] } };
    await engine.apply(https);
    const { default: httpsMod } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      httpsMod.get({ host: LOCAL, port: p, rejectUnauthorized: false, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
    });
    expect(status).toBe(200);
  });
});

describe('atomic swaps', () => {
  it('in-flight requests finish on the table they started with', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const p = await freePort();
    const { engine } = engineFor();
    await engine.apply(simple(p, [route('r', prefix('/'), 'a')], [pool('a', a.port), pool('b', b.port)]));
    const inflight = request(p, { headers: { 'x-echo-delay': '500' } });
    await new Promise((r) => setTimeout(r, 100));
    await engine.apply(simple(p, [route('r', prefix('/'), 'b')], [pool('a', a.port), pool('b', b.port)]));
    expect((await inflight).json().name).toBe('a');
    expect((await request(p)).json().name).toBe('b');
  });

  it('100 swaps under concurrent load: zero failed requests', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const p = await freePort();
    const { engine, observations } = engineFor();
    const cfg = (i: number): RouterConfig =>
      config(
        [
          httpListener(p, [
            vhost(['*'], [
              route(`r${i}`, prefix('/'), i % 2 === 0 ? 'a' : 'b'),
              route(`extra${i}`, prefix(`/extra/${i}`), 'a'),
              route('api', prefix('/api', { headers: [{ name: 'x-v', value: String(i % 3) }] }), 'b'),
            ]),
          ]),
        ],
        [pool('a', a.port), pool('b', b.port)],
      );
    await engine.apply(cfg(0));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    let stop = false;
    const failures: string[] = [];
    let ok = 0;
    const workers = Array.from({ length: 16 }, async (_, w) => {
      let n = 0;
      while (!stop) {
        try {
          const r = await request(p, { agent, path: n++ % 2 ? '/api/x' : `/w${w}`, headers: { 'x-v': '1' }, method: n % 5 === 0 ? 'POST' : 'GET', body: n % 5 === 0 ? 'body' : undefined });
          if (r.status !== 200) failures.push(`status ${r.status}`);
          else ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    });
    for (let i = 1; i <= 100; i++) {
      await engine.apply(cfg(i));
      await new Promise((r) => setImmediate(r));
    }
    // Keep the load going a little after the last swap.
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(engine.swapCount).toBe(101);
    expect(observations.filter((o) => o.status !== 200)).toEqual([]);
    expect(engine.endpointHealth().every((e) => e.healthy && e.inFlight === 0)).toBe(true);
  });
});

describe('close()', () => {
  it('stops accepting, lets in-flight requests finish, then resolves', async () => {
    const a = await echo('a');
    const p = await freePort();
    const h = newEngine();
    await h.engine.apply(simple(p, [route('r', prefix('/'), 'a')], [pool('a', a.port)]));
    const slow = request(p, { headers: { 'x-echo-delay': '600' } });
    await new Promise((r) => setTimeout(r, 150));
    const closing = h.engine.close(10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(await refused(p)).toBe(true);
    expect((await slow).status).toBe(200);
    await closing;
    await expect(h.engine.apply(simple(p, [], []))).rejects.toThrow(/closed/);
  });

  it('drainMs bounds the wait: a request still running is cut', async () => {
    const a = await echo('a');
    const p = await freePort();
    const h = newEngine();
    await h.engine.apply(simple(p, [route('r', prefix('/'), 'a')], [pool('a', a.port)]));
    const stuck = request(p, { headers: { 'x-echo-delay': '10000' } }).then(
      (r) => r.status,
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    await h.engine.close(300);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await stuck).toBe('cut');
  });
});
