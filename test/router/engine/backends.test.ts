/**
 * Backend choice and endpoint health with real upstreams: route weights, weighted and plain round
 * robin, passive ejection (zero client errors when an endpoint is down), and the Gateway API status
 * codes 404 / 500 / 503.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import type { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { closedPort, freePort, newEngine, pool, prefix, request, route, simple, startEcho, waitFor, type Upstream } from './helpers.js';

let engines: RouterEngine[] = [];
let upstreams: Upstream[] = [];

afterEach(async () => {
  await Promise.all(engines.map((e) => e.close(500)));
  await Promise.all(upstreams.map((u) => u.close()));
  engines = [];
  upstreams = [];
});

async function setup(cfg: (port: number, ups: Upstream[]) => RouterConfig, names: string[], overrides = {}) {
  upstreams = await Promise.all(names.map((n) => startEcho(n)));
  const port = await freePort();
  const h = newEngine(overrides);
  engines.push(h.engine);
  await h.engine.apply(cfg(port, upstreams));
  return { port, ...h };
}

/** Counts which upstream answered `n` sequential requests over one keep-alive connection. */
async function tally(port: number, n: number, path = '/'): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const counts: Record<string, number> = {};
  try {
    for (let i = 0; i < n; i += 4) {
      const batch = await Promise.all(Array.from({ length: Math.min(4, n - i) }, () => request(port, { path, agent })));
      for (const r of batch) {
        expect(r.status).toBe(200);
        const name = r.json().name;
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }
  } finally {
    agent.destroy();
  }
  return counts;
}

describe('route backends', () => {
  it('weights are honoured within a few % over 1,000 requests; weight 0 is never chosen', async () => {
    const { port } = await setup(
      (p, u) =>
        simple(
          p,
          [{ name: 'split', match: prefix('/'), backends: [{ pool: 'a', weight: 70 }, { pool: 'b', weight: 30 }, { pool: 'c', weight: 0 }] }],
          [pool('a', u[0].port), pool('b', u[1].port), pool('c', u[2].port)],
        ),
      ['a', 'b', 'c'],
    );
    const counts = await tally(port, 1000);
    expect(counts.c ?? 0).toBe(0);
    expect(Math.abs(counts.a - 700)).toBeLessThanOrEqual(30);
    expect(Math.abs(counts.b - 300)).toBeLessThanOrEqual(30);
  });

  it('no backends, or only weight 0 -> 500; an unresolved backend -> 500 for its share', async () => {
    const { port } = await setup(
      (p, u) =>
        simple(
          p,
          [
            { name: 'none', match: prefix('/none'), backends: [] },
            { name: 'zero', match: prefix('/zero'), backends: [{ pool: 'a', weight: 0 }] },
            { name: 'unresolved', match: prefix('/unresolved'), backends: [{ weight: 1 }] },
            { name: 'half', match: prefix('/half'), backends: [{ weight: 1 }, { pool: 'a', weight: 1 }] },
          ],
          [pool('a', u[0].port)],
        ),
      ['a'],
    );
    expect((await request(port, { path: '/none' })).status).toBe(500);
    expect((await request(port, { path: '/zero' })).status).toBe(500);
    expect((await request(port, { path: '/unresolved' })).status).toBe(500);
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await request(port, { path: '/half' })).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
  });

  it('no route -> 404', async () => {
    const { port } = await setup((p, u) => simple(p, [route('r', prefix('/only'), 'a')], [pool('a', u[0].port)]), ['a']);
    expect((await request(port, { path: '/other' })).status).toBe(404);
  });
});

describe('pools', () => {
  it('round robin over endpoints', async () => {
    const { port } = await setup((p, u) => simple(p, [route('r', prefix('/'), 'p')], [pool('p', ...u.map((x) => x.port))]), ['e1', 'e2', 'e3']);
    const counts = await tally(port, 300);
    expect(counts).toEqual({ e1: 100, e2: 100, e3: 100 });
  });

  it('endpoint weights', async () => {
    const { port } = await setup((p, u) => simple(p, [route('r', prefix('/'), 'p')], [pool('p', { port: u[0].port, weight: 3 }, { port: u[1].port, weight: 1 })]), ['heavy', 'light']);
    const counts = await tally(port, 400);
    expect(counts).toEqual({ heavy: 300, light: 100 });
  });

  it('a pool without endpoints -> 503', async () => {
    const { port } = await setup((p) => simple(p, [route('r', prefix('/'), 'empty')], [{ name: 'empty', endpoints: [] }]), []);
    expect((await request(port)).status).toBe(503);
  });

  it('passive health: a refusing endpoint is ejected and its requests retried elsewhere, zero client errors', async () => {
    const dead = await closedPort();
    const { port, engine, observations } = await setup((p, u) => simple(p, [route('r', prefix('/'), 'p')], [pool('p', dead, u[0].port, u[1].port)]), ['live1', 'live2']);
    const counts = await tally(port, 200);
    expect((counts.live1 ?? 0) + (counts.live2 ?? 0)).toBe(200);
    const health = engine.endpointHealth();
    const deadState = health.find((h) => h.port === dead)!;
    expect(deadState.healthy).toBe(false);
    expect(deadState.ejectedUntil).toBeGreaterThan(Date.now());
    expect(health.filter((h) => h.healthy)).toHaveLength(2);
    expect(health.every((h) => h.inFlight === 0)).toBe(true);
    expect(observations.every((o) => o.status === 200)).toBe(true);
    // POST bodies (buffered, replayable) fail over too.
    expect((await request(port, { method: 'POST', body: 'x'.repeat(100) })).status).toBe(200);
  });

  it('ejection state survives a config swap; all endpoints down -> 503', async () => {
    const dead1 = await closedPort();
    const dead2 = await closedPort();
    const { port, engine, observations } = await setup((p) => simple(p, [route('r', prefix('/'), 'p')], [pool('p', dead1, dead2)]), []);
    expect((await request(port)).status).toBe(503);
    expect(observations.at(-1)!.upstreamError).toBe('connect');
    expect(engine.endpointHealth().every((h) => !h.healthy)).toBe(true);
    await engine.apply(simple(port, [route('r2', prefix('/'), 'p')], [pool('p', dead1, dead2)]));
    expect(engine.endpointHealth().every((h) => !h.healthy)).toBe(true);
    expect((await request(port)).status).toBe(503);
  });

  it('an ejected endpoint comes back after ejectionTimeMs', async () => {
    const target = await startEcho('later');
    const port0 = target.port;
    await target.close();
    const { port, engine } = await setup((p) => simple(p, [route('r', prefix('/'), 'p')], [pool('p', port0)]), [], { upstream: { ejectionTimeMs: 300 } });
    expect((await request(port)).status).toBe(503);
    expect(engine.endpointHealth()[0].healthy).toBe(false);
    const revived = http.createServer((_q, s) => s.end('back'));
    await new Promise<void>((r) => revived.listen(port0, '127.0.0.1', r));
    try {
      let body = '';
      const deadline = Date.now() + 10_000;
      while (body !== 'back' && Date.now() < deadline) {
        const r = await request(port);
        body = r.body;
        if (body !== 'back') await new Promise((res) => setTimeout(res, 50));
      }
      expect(body).toBe('back');
      expect(engine.endpointHealth()[0].healthy).toBe(true);
    } finally {
      revived.closeAllConnections();
      await new Promise((r) => revived.close(r));
    }
  });

  it('a malformed upstream response -> 502 (protocol); one cut mid-body -> the client response is cut, never hung', async () => {
    const raw = net.createServer((socket) => {
      socket.once('data', (d) => {
        if (d.toString().startsWith('GET /garbage')) socket.end('THIS IS NOT HTTP\r\n\r\n');
        else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part');
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    try {
      const port = await freePort();
      const h = newEngine();
      engines.push(h.engine);
      await h.engine.apply(simple(port, [route('r', prefix('/'), 'p')], [pool('p', (raw.address() as net.AddressInfo).port)]));
      expect((await request(port, { path: '/garbage' })).status).toBe(502);
      expect(h.observations.at(-1)!.upstreamError).toBe('protocol');
      await expect(request(port, { path: '/short' })).rejects.toThrow();
      await waitFor(() => h.observations.length === 2, 5000, 'second observation');
      expect(h.observations.at(-1)!.upstreamError).toBe('reset');
      expect(h.engine.endpointHealth()[0].inFlight).toBe(0);
    } finally {
      await new Promise((r) => raw.close(r));
    }
  });

  it('an upstream that resets mid-request -> 502, the process keeps serving', async () => {
    const rude = await startEcho('rude', (req) => {
      req.socket.destroy();
      return true;
    });
    upstreams.push(rude);
    const port = await freePort();
    const h = newEngine();
    engines.push(h.engine);
    await h.engine.apply(simple(port, [route('r', prefix('/'), 'p')], [pool('p', rude.port)]));
    expect((await request(port)).status).toBe(502);
    expect(h.observations.at(-1)!.upstreamError).toBe('reset');
    expect((await request(port)).status).toBe(502);
  });
});
