/**
 * Zero failed requests while routes change: 8 keep-alive clients hammer the router while the
 * config is replaced 100 times through the admin API, alternating the upstream and the route set;
 * then the same with 100 PATCH /config deltas that replace the catch-all host, move its pool between
 * the two upstreams, and add and remove hosts beside 200 hosts that never change.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { freePort, singleRouteConfig, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, get, TOKEN } from './support/http.js';
import { startLoad } from './support/load.js';
import { delta, generation as deltaGeneration, stableHosts } from './support/delta-scenario.js';

let h: AdminHarness;
let upA: Upstream;
let upB: Upstream;
let listenPort: number;

beforeAll(async () => {
  [upA, upB, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  h = await startAdminHarness(['--admin-token', TOKEN]);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([upA?.close(), upB?.close()]);
});

/** Generation i: upstream A or B, plus i extra routes so every swap builds a different table. */
function generation(i: number): RouterConfig {
  const doc = singleRouteConfig(listenPort, i % 2 === 0 ? upA.port : upB.port, `catch-all-${i % 2}`);
  doc.listeners[0].virtualHosts[0].routes.unshift({ name: `generation-${i}`, match: { path: { type: 'Exact', value: `/generation/${i}` } }, backends: [{ pool: 'up', weight: 1 }] });
  for (let r = 0; r < i % 10; r++) {
    doc.listeners[0].virtualHosts[0].routes.unshift({ name: `extra-${r}`, match: { path: { type: 'Exact', value: `/extra/${r}` } }, backends: [{ pool: 'up', weight: 1 }] });
  }
  return doc;
}

/**
 * 100 swaps (`swap(i)` puts generation i live and answers its version) under 8 keep-alive clients:
 * not one failed request, 100 distinct versions, and traffic reached both upstreams.
 */
async function hundredSwapsUnderLoad(swap: (i: number) => Promise<string>): Promise<void> {
  const load = startLoad(listenPort, 8, (body) => body === 'A' || body === 'B');
  const versions = new Set<string>();
  try {
    for (let i = 1; i <= 100; i++) {
      versions.add(await swap(i));
      // Let traffic run on each generation for a moment (bounded: a loaded machine only slows the test).
      await load.more(8);
    }
  } finally {
    await load.stop();
  }
  expect(load.failures).toEqual([]);
  expect(versions.size).toBe(100);
  expect(load.done).toBeGreaterThan(800);
  // Both upstreams served: the swaps really changed where traffic goes.
  expect(load.bodies.get('A')).toBeGreaterThan(0);
  expect(load.bodies.get('B')).toBeGreaterThan(0);
}

test('100 config swaps under 8 concurrent keep-alive clients: zero failed requests', async () => {
  expect((await admin(h.url, 'PUT', '/config', generation(0), AUTH)).status).toBe(200);
  await hundredSwapsUnderLoad(async (i) => {
    const res = await admin(h.url, 'PUT', '/config', generation(i), AUTH);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    return res.json.version;
  });
  // The last generation (100: even) routes to A.
  expect(await get(listenPort, '/after')).toEqual({ status: 200, body: 'A' });
}, 120_000);

test('100 delta swaps under 8 concurrent keep-alive clients: zero failed requests', async () => {
  const stable = stableHosts();
  const gen = (i: number) => deltaGeneration(i, listenPort, upA.port, upB.port, stable);
  let previous = gen(0);
  expect((await admin(h.url, 'PUT', '/config', previous, AUTH)).status).toBe(200);
  await hundredSwapsUnderLoad(async (i) => {
    const next = gen(i);
    const res = await admin(h.url, 'PATCH', '/config', delta(previous, next), AUTH);
    expect(res.status, res.text).toBe(200);
    expect(res.json.version).toBe(next.version);
    previous = next;
    return res.json.version;
  });
  // Generation 100 (even) routes to A, its generation route exists and generation 99's is gone.
  expect(await get(listenPort, '/after')).toEqual({ status: 200, body: 'A' });
  expect((await get(listenPort, '/generation/100')).status).toBe(200);
  expect(await get(listenPort, '/stable', undefined, 'stable-7.test')).toEqual({ status: 200, body: 'A' });
  // Generation 100 has no extra hosts (extra-0.test falls to the catch-all): check the table.
  const routes = (await admin(h.url, 'GET', '/routes')).json as Array<{ route: string }>;
  expect(routes.some((r) => r.route === 'extra-0-route')).toBe(false);
  expect(routes.some((r) => r.route === 'generation-99')).toBe(false);
}, 120_000);
